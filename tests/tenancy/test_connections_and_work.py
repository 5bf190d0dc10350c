"""Connections, tasks, notifications and the user pickers, with tenancy on: each
organisation has its own connections (names per organisation), its runs use its
own connection of a name, and nobody sees another organisation's tasks or users."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from engine import InvalidDefinition
from tests.tenancy.conftest import PERMISSIONS, World, member
from workflows_app.connections.provider import connection_values
from workflows_app.execution.context import Cause, caused_by
from workflows_app.models import Connection, Task
from workflows_app.services import save_definition
from workflows_app.tenancy.scoping import viewing_as
from workflows_app.work.types import user_options

pytestmark = pytest.mark.django_db

ADMIN = "/admin/workflows_app"
CONNECTION_PERMISSIONS = [*PERMISSIONS, "view_connection", "add_connection",
                          "change_connection", "view_task"]


def connection(name: str, organisation: Any, token: str) -> Connection:
    conn = Connection(name=name, kind="http_bearer", tenant_id=str(organisation.pk))
    conn.set_secret("token", token)
    conn.save()
    return conn


def calling(name: str, connection_name: str) -> dict[str, Any]:
    return {"schema_version": 1, "name": name, "trigger": {"type": "manual"},
            "steps": [{"key": "call", "type": "http.request",
                       "params": {"method": "POST", "url": "https://partner.example/api",
                                  "connection": connection_name}}]}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def connections(world: World) -> dict[str, Connection]:
    return {"acme": connection("Partner API", world.acme, "acme-token"),
            "bolt": connection("Partner API", world.bolt, "bolt-token"),
            "bolt_only": connection("Bolt ERP", world.bolt, "erp-token")}


def test_each_organisation_lists_and_opens_only_its_connections(
        world: World, connections: dict[str, Connection]) -> None:
    alice = client_for(member("alicia", world.acme, permissions=CONNECTION_PERMISSIONS))
    response = alice.get(f"{ADMIN}/connection/")
    assert list(response.context["cl"].result_list) == [connections["acme"]]
    response = alice.get(f"{ADMIN}/connection/{connections['bolt_only'].pk}/change/")
    assert response.status_code == 302 and "/change/" not in response["Location"]


def test_a_connection_added_in_the_admin_is_its_creators_and_names_are_per_organisation(
        world: World, connections: dict[str, Connection]) -> None:
    alice = client_for(member("alicia", world.acme, permissions=CONNECTION_PERMISSIONS))
    add = f"{ADMIN}/connection/add/?kind=http_bearer"
    response = alice.post(add, {"name": "Bolt ERP", "description": "",
                                "secret__token": "acme-erp"})
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Connection.objects.get(name="Bolt ERP", tenant_id=str(world.acme.pk))
    assert created.values()["token"] == "acme-erp"
    response = alice.post(add, {"name": "Partner API", "description": "",
                                "secret__token": "again"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_definitions_name_only_their_organisations_connections(
        world: World, connections: dict[str, Connection]) -> None:
    with pytest.raises(InvalidDefinition, match='no connection named "Bolt ERP"'):
        save_definition(calling("Call Bolt's ERP", "Bolt ERP"), tenant=world.acme)
    save_definition(calling("Call Bolt's ERP", "Bolt ERP"), tenant=world.bolt)
    acme_flow = save_definition(calling("Call the partner", "Partner API"),
                                tenant=world.acme).workflow
    bolt_flow = save_definition(calling("Call the partner", "Partner API"),
                                tenant=world.bolt).workflow
    # When the step runs, the name means the connection of the run's organisation.
    for flow, organisation in ((acme_flow, "acme"), (bolt_flow, "bolt")):
        with caused_by(Cause(run_id=1, chain=(flow.pk,))):
            found, values = connection_values("Partner API", ["http_bearer"])
        assert found == connections[organisation]
        assert values["token"] == f"{organisation}-token"


def test_pickers_offer_only_the_organisations_connections_and_users(
        world: World, connections: dict[str, Connection]) -> None:
    api = APIClient()
    api.force_authenticate(world.alice)
    response = api.get("/workflows/api/metadata/options/",
                       {"step": "http.request", "param": "connection"})
    assert response.status_code == 200, response.content
    assert [item["value"] for item in response.json()["results"]] == ["Partner API"]
    world.alice.is_staff = world.bob.is_staff = True
    with viewing_as(world.alice):
        names = [value for value, _ in user_options()]
    assert names == ["alice"]


def test_tasks_of_another_organisation_are_not_shown(world: World) -> None:
    bolt_task = Task.objects.create(title="Call Bolt back", run=world.bolt_run,
                                    step_key="call", assignee_user=world.bob)
    acme_task = Task.objects.create(title="Call Acme back", run=world.acme_run,
                                    step_key="call", assignee_user=world.alice)
    supervisor = client_for(member("sue", world.acme, permissions=CONNECTION_PERMISSIONS))
    response = supervisor.get(f"{ADMIN}/task/", {"assigned": "all"})
    assert list(response.context["cl"].result_list) == [acme_task]
    assert supervisor.get(f"{ADMIN}/task/{bolt_task.pk}/change/").status_code == 302


def test_moving_inline_secrets_makes_connections_of_the_workflows_organisation(
        world: World) -> None:
    from django.core.management import call_command

    legacy = calling("Notify partner", "")
    params = legacy["steps"][0]["params"]
    del params["connection"]
    params["signing_secret"] = "whsec_KWpT7kXA/QWlcIqXLrisx/57V3UUqygX"
    workflow = save_definition(legacy, tenant=world.acme).workflow
    call_command("workflows_move_secrets", stdout=__import__("io").StringIO())
    workflow.refresh_from_db()
    assert workflow.live_version.number == 2
    name = workflow.definition["steps"][0]["params"]["connection"]
    assert Connection.objects.get(name=name).tenant_id == str(world.acme.pk)
