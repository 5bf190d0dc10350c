"""In the admin, a member of one organisation sees and reaches nothing of another:
workflow, version, run and event lists and pages, list filters, history, the
builder's pickers and "why didn't it run?"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.tenancy.conftest import World, escalation, member, webhook_workflow
from workflows_app.models import Event, Workflow
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

ADMIN = "/admin/workflows_app"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response: Any) -> list[Any]:
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


def test_lists_show_only_the_users_organisation(world: World) -> None:
    alice = client_for(world.alice)
    assert listed(alice.get(f"{ADMIN}/workflow/")) == [world.acme_flow]
    assert listed(alice.get(f"{ADMIN}/run/")) == [world.acme_run]
    events = listed(alice.get(f"{ADMIN}/event/"))
    assert events and {event.tenant_id for event in events} == {str(world.acme.pk)}
    assert {version.workflow for version in listed(alice.get(f"{ADMIN}/workflowversion/"))
            } == {world.acme_flow}
    # Searching another organisation's data finds nothing either.
    assert listed(alice.get(f"{ADMIN}/run/", {"q": f"#{world.bolt_run.pk}"})) == []
    # The superuser sees every organisation.
    root = client_for(world.root)
    assert set(listed(root.get(f"{ADMIN}/workflow/"))) == {world.acme_flow, world.bolt_flow,
                                                           world.bolt_hook}


def test_list_filters_offer_only_the_users_workflows(world: World) -> None:
    acme_hook = save_definition(webhook_workflow("Acme intake"), tenant=world.acme).workflow
    response = client_for(world.alice).get(f"{ADMIN}/run/")
    listed(response)
    [workflow_filter] = [spec for spec in response.context["cl"].filter_specs
                         if getattr(spec, "field_path", "") == "workflow"]
    assert sorted(pk for pk, _ in workflow_filter.lookup_choices) == sorted(
        [world.acme_flow.pk, acme_hook.pk])
    assert "Bolt intake" not in response.content.decode()


def test_pages_of_another_organisation_are_not_found(world: World) -> None:
    alice = client_for(world.alice)
    bolt_event = world.bolt_run.event
    version = world.bolt_flow.live_version
    for url in (f"{ADMIN}/workflow/{world.bolt_flow.pk}/change/",
                f"{ADMIN}/workflow/{world.bolt_hook.pk}/change/",
                f"{ADMIN}/workflowversion/{version.pk}/change/"):
        response = alice.get(url)
        assert response.status_code == 302, url  # Django: "doesn't exist. Perhaps deleted?"
        assert "/change/" not in response["Location"]
    for url in (f"{ADMIN}/run/{world.bolt_run.pk}/change/",
                f"{ADMIN}/run/{world.bolt_run.pk}/live/",
                f"{ADMIN}/event/{bolt_event.pk}/change/",
                f"{ADMIN}/workflow/{world.bolt_flow.pk}/history/",
                f"{ADMIN}/workflow/{world.bolt_flow.pk}/versions/compare/",
                f"{ADMIN}/workflow/{world.bolt_flow.pk}/history/"
                f"{world.bolt_flow.history.first().history_id}/"):
        assert alice.get(url).status_code == 404, url
    for url in (f"{ADMIN}/run/{world.bolt_run.pk}/cancel/",
                f"{ADMIN}/workflow/{world.bolt_flow.pk}/deactivate/",
                f"{ADMIN}/workflow/{world.bolt_hook.pk}/webhook/rotate/"):
        assert alice.post(url).status_code in (302, 404), url
    world.bolt_flow.refresh_from_db()
    world.bolt_hook.refresh_from_db()
    assert world.bolt_flow.is_active
    # Bulk actions act on the listed rows only: a forged id of Bolt's is ignored.
    alice.post(f"{ADMIN}/workflow/", {"action": "deactivate_selected",
                                      "_selected_action": [world.bolt_flow.pk]})
    world.bolt_flow.refresh_from_db()
    assert world.bolt_flow.is_active
    # Her own pages open.
    assert alice.get(f"{ADMIN}/run/{world.acme_run.pk}/change/").status_code == 200
    assert alice.get(f"{ADMIN}/workflow/{world.acme_flow.pk}/change/").status_code == 200


def test_why_didnt_it_run_answers_only_about_the_users_organisation(world: World) -> None:
    alice = client_for(world.alice)
    why = f"{ADMIN}/event/why/"
    bolt_event = world.bolt_run.event
    for query in ({"model": "tenant_app.ticket", "pk": world.bolt_ticket.pk},
                  {"event": bolt_event.pk}, {"q": "Bolt"}):
        response = alice.get(why, query)
        assert response.status_code == 200
        assert response.context["events"] == [], query
    response = alice.get(why, {"model": "tenant_app.ticket", "pk": world.acme_ticket.pk})
    found = response.context["events"]
    assert found and all(item["event"].tenant_id == str(world.acme.pk) for item in found)
    considered = {evaluation.evaluation.workflow for item in found
                  for evaluation in item["evaluations"]}
    assert considered == {world.acme_flow}
    names = {workflow for item in found for workflow, _ in item["not_considered"]}
    assert names <= {world.acme_flow}


def test_builder_pickers_offer_only_the_users_workflows(world: World) -> None:
    """The "A run fails" trigger's workflow picker lists the user's workflows."""
    alice = client_for(world.alice).get(f"{ADMIN}/workflow/add/").content.decode()
    root = client_for(world.root).get(f"{ADMIN}/workflow/add/").content.decode()
    assert "Bolt intake" in root  # the page lists names: the test can fail
    assert "Bolt intake" not in alice


def test_a_new_workflow_belongs_to_its_creators_organisation(world: World) -> None:
    import json

    definition = escalation("Escalate in the builder")
    response = client_for(world.bob).post(f"{ADMIN}/workflow/add/", {
        "definition": json.dumps(definition), "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Workflow.objects.get(name="Escalate in the builder")
    assert created.tenant_id == str(world.bolt.pk)
    # Someone in two organisations must say which one (CURRENT_TENANT).
    both = member("carol", world.acme)
    from tests.tenant_app.models import Membership

    Membership.objects.create(user=both, organisation=world.bolt)
    carol = client_for(both)
    response = carol.post(f"{ADMIN}/workflow/add/", {
        "definition": json.dumps(escalation("Carol's")), "_save": "1"})
    assert response.status_code == 200
    assert "several" in response.content.decode()
    session = carol.session
    session["organisation"] = world.bolt.pk
    session.save()
    response = carol.post(f"{ADMIN}/workflow/add/", {
        "definition": json.dumps(escalation("Carol's")), "_save": "1"})
    assert response.status_code == 302
    assert Workflow.objects.get(name="Carol's").tenant_id == str(world.bolt.pk)
    assert Event.objects.exists()


def test_people_who_see_every_organisation_see_whose_each_row_is(world: World) -> None:
    root = client_for(world.root).get(f"{ADMIN}/run/")
    listed(root)
    page = root.content.decode()
    assert "Organisation</a>" in page or "Organisation</span>" in page
    assert '<td class="field-tenant_column">Acme</td>' in page
    assert '<td class="field-tenant_column">Bolt</td>' in page
    alice = client_for(world.alice).get(f"{ADMIN}/run/")
    listed(alice)
    assert "column-tenant_column" not in alice.content.decode()
