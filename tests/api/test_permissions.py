"""A test per permission boundary and resource family: anonymous (401), logged in
without permissions (403), view-only (reads, no writes), editor (view + add +
change: everything) and superuser. Every refusal is the API's JSON error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import API, History, Users, definition, errors_of, mail_step
from workflows_app.models import Run, RunAction, Workflow

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "viewer", "editor", "superuser"]


@dataclass
class Call:
    method: str
    url: str
    body: Any = None
    ok: int = 200  # the status when allowed
    write: bool = False
    any_user: bool = False  # needs no permission, only a login

    def send(self, client: Any) -> Any:
        if self.body is None:
            return getattr(client, self.method)(API + self.url)
        return getattr(client, self.method)(API + self.url, self.body, format="json")


def expected(role: str, call: Call) -> int:
    if role == "anonymous":
        return 401
    if role == "nobody" and not call.any_user:
        return 403
    if role == "viewer" and call.write:
        return 403
    return call.ok


def check(role: str, calls: list[Call], users: Users, client_for: Callable) -> None:
    user = None if role == "anonymous" else getattr(users, role)
    client = client_for(user)
    for call in calls:
        response = call.send(client)
        want = expected(role, call)
        assert response.status_code == want, (role, call, response.json())
        if want >= 400:
            codes = {item["code"] for item in errors_of(response)}
            assert codes == ({"not_authenticated"} if want == 401 else {"permission_denied"})
            if want == 401:
                assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ROLES)
def test_metadata(role: str, history: History, users: Users, client_for: Callable) -> None:
    check(role, [
        Call("get", "", any_user=True),
        Call("get", "metadata/"),
        Call("get", "metadata/scope/?trigger=model.updated&model=demo.order"),
        Call("post", "metadata/scope/", definition("x", [])),
        Call("get", "metadata/options/?trigger=model.updated&model=demo.order&ref=record.status"),
    ], users, client_for)


@pytest.mark.parametrize("role", ROLES)
def test_record_options_need_the_model_view_permission(role: str, history: History,
                                                       users: Users,
                                                       client_for: Callable) -> None:
    """Listing orders needs `demo.view_order` besides access to the builder: the viewer
    may see workflows but not orders; the editor may see orders but not users."""
    orders = Call("get", "metadata/options/?type=Record[demo.order]")
    people = Call("get", "metadata/options/?type=User")
    user = None if role == "anonymous" else getattr(users, role)
    client = client_for(user)
    want = {"anonymous": (401, 401), "nobody": (403, 403), "viewer": (403, 403),
            "editor": (200, 403), "superuser": (200, 200)}[role]
    assert (orders.send(client).status_code, people.send(client).status_code) == want


@pytest.mark.parametrize("role", ROLES)
def test_workflows(role: str, history: History, users: Users, client_for: Callable) -> None:
    alert = history.alert.pk
    check(role, [
        Call("get", "workflows/"),
        Call("get", f"workflows/{alert}/"),
        Call("get", f"workflows/{alert}/versions/"),
        Call("get", f"workflows/{alert}/versions/1/"),
        Call("post", "workflows/", definition(f"New by {role}", [mail_step()]), ok=201,
             write=True),
        Call("put", f"workflows/{alert}/", definition("Big order alert", [mail_step()]),
             write=True),
        Call("post", f"workflows/{alert}/deactivate/", write=True),
        Call("post", f"workflows/{alert}/activate/", write=True),
        Call("post", f"workflows/{alert}/versions/1/restore/", write=True),
        Call("post", "workflows/validate/", definition("Checked", [mail_step()]), write=True),
        Call("post", f"workflows/{history.manual.pk}/run/",
             {"inputs": {"order": history.big_order.pk, "amount": 5}}, ok=202, write=True),
    ], users, client_for)
    created = Workflow.objects.filter(name=f"New by {role}").exists()
    assert created == (role in {"editor", "superuser"})


@pytest.mark.parametrize("role", ROLES)
def test_runs(role: str, history: History, users: Users, client_for: Callable) -> None:
    check(role, [
        Call("get", "runs/"),
        Call("get", f"runs/{history.failed.pk}/"),
        Call("post", f"runs/{history.failed.pk}/retry/", write=True),
        Call("post", f"runs/{history.succeeded.pk}/run-again/", ok=201, write=True),
    ], users, client_for)
    rerun = Run.objects.filter(rerun_of=history.succeeded).first()
    assert (rerun is not None) == (role in {"editor", "superuser"})
    if rerun is not None:
        check(role, [Call("post", f"runs/{rerun.pk}/cancel/", write=True)], users, client_for)
        assert list(RunAction.objects.filter(run=rerun).values_list("action", flat=True)) == [
            "started_by_hand", "cancel"]
    else:
        check(role, [Call("post", f"runs/{history.succeeded.pk}/cancel/", ok=409, write=True)],
              users, client_for)
        assert not RunAction.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_events(role: str, history: History, users: Users, client_for: Callable) -> None:
    check(role, [
        Call("get", "events/"),
        Call("get", f"events/{history.failed.event_id}/"),
    ], users, client_for)


def test_change_permission_implies_reading(db: None, history: History,
                                           client_for: Callable) -> None:
    """As in the admin: who may change workflows may read them without `view_workflow`."""
    from tests.api.conftest import make_user

    changer = make_user("changer", ["change_workflow"])
    client = client_for(changer)
    assert client.get(API + f"workflows/{history.alert.pk}/").status_code == 200
    assert client.get(API + "runs/").status_code == 403
