"""The REST API, webhooks and live updates, with tenancy on: a member of one
organisation neither sees nor triggers anything of another."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse
from rest_framework.test import APIClient

from tests.tenancy.conftest import World, escalation, webhook_workflow
from tests.workflows_app.test_live import communicator
from workflows_app.execution.queue import drain
from workflows_app.live import consumers
from workflows_app.live.notify import GROUP
from workflows_app.models import Event, Run, Workflow
from workflows_app.services import save_definition

API = "/workflows/api"


def api_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.django_db
def test_api_lists_and_reads_only_the_users_organisation(world: World) -> None:
    alice = api_for(world.alice)
    assert ids(alice.get(f"{API}/workflows/")) == {world.acme_flow.pk}
    assert ids(alice.get(f"{API}/runs/")) == {world.acme_run.pk}
    assert {Event.objects.get(pk=pk).tenant_id for pk in ids(alice.get(f"{API}/events/"))
            } == {str(world.acme.pk)}
    bolt_event = world.bolt_run.event
    for url in (f"{API}/workflows/{world.bolt_flow.pk}/",
                f"{API}/workflows/{world.bolt_flow.pk}/versions/",
                f"{API}/workflows/{world.bolt_flow.pk}/versions/1/",
                f"{API}/runs/{world.bolt_run.pk}/", f"{API}/events/{bolt_event.pk}/"):
        assert alice.get(url).status_code == 404, url
    for url, body in ((f"{API}/workflows/{world.bolt_flow.pk}/deactivate/", None),
                      (f"{API}/workflows/{world.bolt_flow.pk}/", escalation()),
                      (f"{API}/runs/{world.bolt_run.pk}/run-again/", None)):
        method = alice.put if body else alice.post
        assert method(url, body, format="json").status_code == 404, url
    assert ids(api_for(world.root).get(f"{API}/workflows/")) == {
        world.acme_flow.pk, world.bolt_flow.pk, world.bolt_hook.pk}


@pytest.mark.django_db
def test_api_creates_in_the_users_organisation_with_names_per_organisation(
        world: World) -> None:
    bob = api_for(world.bob)
    taken = bob.post(f"{API}/workflows/validate/", escalation(), format="json").json()
    assert not taken["valid"] and "already named" in taken["errors"][0]["message"]
    fresh = escalation("Bolt weekend escalation")
    response = bob.post(f"{API}/workflows/", fresh, format="json")
    assert response.status_code == 201, response.content
    assert Workflow.objects.get(pk=response.json()["id"]).tenant_id == str(world.bolt.pk)
    # Acme may use the same name: names are per organisation.
    assert api_for(world.alice).post(f"{API}/workflows/", fresh, format="json"
                                     ).status_code == 201


@pytest.mark.django_db
def test_api_pickers_offer_only_the_users_organisations_records_and_users(
        world: World) -> None:
    alice = api_for(world.alice)
    options = f"{API}/metadata/options/"
    tickets = alice.get(options, {"type": "Record[tenant_app.ticket]"})
    assert tickets.status_code == 200, tickets.content
    assert [item["value"] for item in tickets.json()["results"]] == [world.acme_ticket.pk]
    users = alice.get(options, {"type": "User"}).json()["results"]
    assert [item["value"] for item in users] == [world.alice.pk]
    found = alice.get(options, {"type": "Record[tenant_app.ticket]", "search": "Bolt"})
    assert found.json()["results"] == []
    everyone = api_for(world.root).get(options, {"type": "User"}).json()["results"]
    assert {item["value"] for item in everyone} >= {world.alice.pk, world.bob.pk}


@pytest.mark.django_db
def test_a_webhook_starts_only_its_own_workflow_and_its_event_is_its_organisations(
        world: World, client: Any) -> None:
    acme_hook = save_definition(webhook_workflow("Bolt intake"), tenant=world.acme,
                                activate=True).workflow
    response = client.post(reverse("workflows_app:webhook", args=[world.bolt_hook.webhook_token]),
                           data='{"ticket": "from a form"}', content_type="application/json")
    assert response.status_code == 202
    drain()
    event = Event.objects.get(workflow=world.bolt_hook)
    assert event.tenant_id == str(world.bolt.pk)
    assert Run.objects.filter(workflow=world.bolt_hook).count() == 1
    assert not Run.objects.filter(workflow=acme_hook).exists()
    assert event.pk not in ids(api_for(world.alice).get(f"{API}/events/"))
    assert event.pk in ids(api_for(world.bob).get(f"{API}/events/"))


@pytest.mark.django_db(transaction=True)
def test_live_updates_carry_nothing_of_another_organisation(committed_world: World) -> None:
    world = committed_world
    layer = get_channel_layer()

    async def test() -> None:
        # A run page of another organisation's run is refused like a missing run.
        comm = communicator(f"/ws/workflows/runs/{world.bolt_run.pk}/", world.alice)
        connected, code = await comm.connect()
        assert not connected and code == consumers.CLOSE_NOT_FOUND
        await comm.disconnect()
        # The runs list hears only of its organisation's runs.
        comm = communicator("/ws/workflows/runs/", world.alice)
        connected, _ = await comm.connect()
        assert connected
        # Watching another organisation's run, or knowing only older runs than
        # Bolt's newest, tells nothing.
        await comm.send_json_to({"watch": [[world.bolt_run.pk, "pending"]],
                                 "newest": world.acme_run.pk})
        assert await comm.receive_nothing(timeout=0.3)
        await layer.group_send(GROUP, {"type": "runs.changed",
                                       "ids": [world.bolt_run.pk, world.acme_run.pk]})
        message = await comm.receive_json_from(timeout=2)
        assert message["ids"] == [world.acme_run.pk]
        await layer.group_send(GROUP, {"type": "runs.changed", "ids": [world.bolt_run.pk]})
        assert await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()
        # Bob's list does hear of Bolt's run (the test can fail).
        comm = communicator("/ws/workflows/runs/", world.bob)
        assert (await comm.connect())[0]
        await layer.group_send(GROUP, {"type": "runs.changed", "ids": [world.bolt_run.pk]})
        assert (await comm.receive_json_from(timeout=2))["ids"] == [world.bolt_run.pk]
        await comm.disconnect()

    async_to_sync(test)()


@pytest.mark.django_db(transaction=True)
def test_a_socket_closes_when_its_user_leaves_the_organisation(committed_world: World,
                                                               monkeypatch: Any) -> None:
    from channels.db import database_sync_to_async

    from tests.tenant_app.models import Membership

    world = committed_world
    monkeypatch.setattr(consumers, "PERMISSION_RECHECK_SECONDS", 0.2)

    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", world.alice)
        assert (await comm.connect())[0]
        assert await comm.receive_nothing(timeout=0.5)  # still a member: stays open
        await database_sync_to_async(
            Membership.objects.filter(user=world.alice).delete)()
        output = await comm.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
        await comm.disconnect()

    async_to_sync(test)()


def test_a_draft_is_offered_only_requests_its_organisation_received(
        world: World, client: Any) -> None:
    from django.test import Client

    response = client.post(reverse("workflows_app:webhook", args=[world.bolt_hook.webhook_token]),
                           data='{"ticket": "Bolt secret plans"}', content_type="application/json")
    assert response.status_code == 202
    received = reverse("admin:workflows_app_workflow_webhook_received_any")
    bob, alice = Client(), Client()
    bob.force_login(world.bob)
    alice.force_login(world.alice)
    assert [item["workflow"] for item in bob.get(received).json()["received"]] == [
        "Bolt intake"]
    assert alice.get(received).json()["received"] == []


def test_a_refused_sample_names_only_the_users_organisations_workflows(
        world: World, settings: Any) -> None:
    from tests.workflows_app.test_json_field_samples import DELIVERY, order_workflow
    from workflows_app import json_samples

    settings.WORKFLOWS = {**settings.WORKFLOWS, "MODELS": {
        **settings.WORKFLOWS["MODELS"], "demo.order": {"fields": "__all__"}}}
    carrier = {"ref": "record.delivery.carrier", "op": "eq", "value": "DHL"}
    with json_samples.trying("demo.order", "delivery", DELIVERY):
        save_definition(order_workflow(carrier, name="Bolt parcels"), tenant=world.bolt)
        assert json_samples.problems_for("demo.order", "delivery", {"express": True},
                                         world.alice) == [
            "a workflow of another organisation uses it"]
        [named] = json_samples.problems_for("demo.order", "delivery", {"express": True},
                                            world.bob)
    assert named.startswith('the workflow "Bolt parcels" uses it')
