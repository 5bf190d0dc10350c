"""Run history through the API: the admin's filters and search, a run's steps and
history, the actions (recorded with who did them), and events with the
explanation of every workflow considered ("why didn't it run for order 123?")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.demo.models import Customer
from tests.api.conftest import API, History, Users, definition, errors_of, mail_step
from workflows_app.models import Run, RunAction, RunStatus, StepRun, WorkflowEvaluation
from workflows_app.run_actions import run_again
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(users: Users, client_for: Callable):
    return client_for(users.viewer)


@pytest.fixture
def editor(users: Users, client_for: Callable):
    return client_for(users.editor)


def run_ids(client, query: str = "") -> set[int]:
    response = client.get(API + "runs/" + query)
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def test_runs_list_filters(viewer, history: History) -> None:
    everything = set(Run.objects.values_list("pk", flat=True))
    assert len(everything) == 3  # alert for the big order, ping for both orders
    assert run_ids(viewer) == everything
    failed = set(Run.objects.filter(status=RunStatus.FAILED).values_list("pk", flat=True))
    assert run_ids(viewer, "?status=failed") == failed
    assert run_ids(viewer, f"?workflow={history.alert.pk}") == {history.succeeded.pk}
    assert run_ids(viewer, "?trigger=model.created") == everything
    assert run_ids(viewer, "?trigger=manual") == set()
    assert run_ids(viewer, f"?event={history.failed.event_id}") == {history.succeeded.pk,
                                                                    history.failed.pk}
    assert run_ids(viewer, f"?record_model=demo.order&record_pk={history.small_order.pk}") == (
        everything - {history.succeeded.pk, history.failed.pk})


def test_runs_date_range(viewer, history: History) -> None:
    Run.objects.filter(pk=history.failed.pk).update(
        created_at=timezone.now() - timedelta(days=10))
    cutoff = (timezone.now() - timedelta(days=1)).isoformat()
    older = run_ids(viewer, "?created_before=" + cutoff.replace("+", "%2B"))
    newer = run_ids(viewer, "?created_after=" + cutoff.replace("+", "%2B"))
    assert older == {history.failed.pk}
    assert history.failed.pk not in newer and len(newer) == 2
    response = viewer.get(API + "runs/?created_after=yesterday&status=bogus")
    assert response.status_code == 400
    assert {item["path"] for item in errors_of(response)} == {"created_after", "status"}


@pytest.mark.parametrize("search", ["A-1001", "a-1001", "Order A-1001", "a-1001  5000.00"])
def test_runs_search_the_trigger_data(viewer, history: History, search: str) -> None:
    """An order number, in any case; every word must match."""
    found = run_ids(viewer, f"?search={search}")
    assert found == {history.succeeded.pk, history.failed.pk}


def test_runs_search_finds_nothing_for_other_words(viewer, history: History) -> None:
    assert run_ids(viewer, "?search=A-9999") == set()
    assert run_ids(viewer, "?search=%25") == set()  # LIKE wildcards are escaped
    assert run_ids(viewer, '?search="created a-1001"') == set()  # a phrase stays whole
    assert run_ids(viewer, '?search="a-1001 created"') == {history.succeeded.pk,
                                                          history.failed.pk}


def test_runs_search_by_id(viewer, history: History) -> None:
    assert run_ids(viewer, f"?search=%23{history.failed.pk}") == {history.failed.pk}
    assert run_ids(viewer, f"?search=%23{history.failed.pk}+b-2002") == set()


def test_run_detail(viewer, history: History) -> None:
    body = viewer.get(API + f"runs/{history.failed.pk}/").json()
    assert body["status"] == "failed" and body["workflow"]["name"] == "Ping partner"
    assert body["summary"] == "Order A-1001 created"
    assert body["event_detail"]["payload"]["record"]["number"] == "A-1001"
    assert body["evaluation"]["outcome"] == "started"
    [step] = body["steps"]
    assert step["key"] == "ping" and step["status"] == "failed" and step["attempt"] == 1
    assert "refused to call" in step["error"]
    assert step["inputs"]["url"] == "http://127.0.0.1:9/ping"
    assert step["idempotency_key"] == f"{history.failed.pk}:ping"
    assert len(step["attempts_log"]) == 1
    assert isinstance(step["duration_ms"], int)
    assert body["actions"] == [] and body["chain"] == [history.ping.pk]
    assert viewer.get(API + "runs/999999/").status_code == 404
    assert viewer.get(API + "runs/99999999999999999999/").status_code == 404


def test_retry_is_recorded_with_the_user(editor, history: History, users: Users) -> None:
    response = editor.post(API + f"runs/{history.failed.pk}/retry/")
    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    assert response.json()["steps"][0]["status"] == "pending"
    [action] = response.json()["actions"]
    assert action["action"] == "retry" and action["user"]["username"] == "editor"
    assert RunAction.objects.get(run=history.failed).user == users.editor
    again = editor.post(API + f"runs/{history.failed.pk}/retry/")
    assert again.status_code == 409
    assert errors_of(again)[0]["code"] == "invalid_state"
    assert "pending" in errors_of(again)[0]["message"]


def test_run_again_then_cancel(editor, history: History, users: Users) -> None:
    response = editor.post(API + f"runs/{history.succeeded.pk}/run-again/")
    assert response.status_code == 201
    new_run = response.json()
    assert new_run["rerun_of"] == history.succeeded.pk and new_run["status"] == "pending"
    cancelled = editor.post(API + f"runs/{new_run['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [(item["action"], item["user"]["username"]) for item in cancelled.json()["actions"]
            ] == [("started_by_hand", "editor"), ("cancel", "editor")]
    assert editor.post(API + f"runs/{new_run['id']}/cancel/").status_code == 409
    original = editor.get(API + f"runs/{history.succeeded.pk}/").json()
    assert [item["action"] for item in original["actions"]] == ["run_again"]


def test_events_with_their_explanations(viewer, history: History) -> None:
    """Why didn't "Big order alert" run for the small order? Its first failed condition."""
    response = viewer.get(API + f"events/?record_model=demo.order&record_pk="
                                f"{history.small_order.pk}")
    [event] = response.json()["results"]
    outcomes = {item["workflow"]["name"]: item for item in event["evaluations"]}
    assert set(outcomes) == {"Big order alert", "Ping partner"}
    alert = outcomes["Big order alert"]
    assert alert["outcome"] == "conditions_not_met" and alert["run"] is None
    assert alert["outcome_label"] == "conditions not met"
    assert alert["message"].endswith("is at least 1000: no")
    leaf = alert["explanation"]["children"][0]
    assert (leaf["ref"], leaf["op"], leaf["matched"]) == ("record.total_amount", "gte", False)
    assert outcomes["Ping partner"]["outcome"] == "started"

    detail = viewer.get(API + f"events/{event['id']}/").json()
    assert detail["payload"]["record"]["number"] == "B-2002"
    assert detail["runs"] == list(Run.objects.filter(event_id=event["id"]).values_list(
        "pk", flat=True))


def test_events_filters(viewer, history: History) -> None:
    def ids(query: str) -> set[int]:
        response = viewer.get(API + "events/" + query)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    small = history.small_order
    not_met = set(WorkflowEvaluation.objects.filter(outcome="conditions_not_met")
                  .values_list("event_id", flat=True))
    assert ids("?outcome=conditions_not_met") == not_met
    assert ids(f"?workflow={history.alert.pk}&outcome=started") == {history.succeeded.event_id}
    assert ids("?search=b-2002") == set(not_met)
    customer_events = ids("?record_model=demo.customer")
    assert len(customer_events) == 1
    # The customer's own event, and her orders' events (their search text holds the
    # customer's e-mail, added at dispatch).
    orders_of_ada = ids("?record_model=demo.order")
    assert ids("?search=ADA@Example.org") == customer_events | orders_of_ada
    assert ids("?record_model=DEMO.Order") == ids("?trigger=model.created") - customer_events
    assert ids(f"?record_model=demo.order&record_pk={small.pk}") == not_met
    assert ids("?status=pending") == set()
    assert viewer.get(API + "events/?outcome=maybe").status_code == 400


def test_pagination(viewer, history: History) -> None:
    first = viewer.get(API + "runs/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = viewer.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert viewer.get(API + "runs/?page=3&page_size=2").status_code == 404
    for query, path in (("page_size=0", "page_size"), ("page_size=201", "page_size"),
                        ("page_size=x", "page_size"), ("page=0", "page"), ("page=last", "page")):
        response = viewer.get(API + "runs/?" + query)
        assert response.status_code == 400, query
        assert errors_of(response)[0]["path"] == path


def test_step_rows_are_ordered(viewer, history: History) -> None:
    StepRun.objects.create(run=history.failed, index=1, key="later", step_type="delay")
    keys = [step["key"] for step in viewer.get(API + f"runs/{history.failed.pk}/").json()["steps"]]
    assert keys == ["ping", "later"]


def test_lists_take_a_fixed_number_of_queries(viewer, history: History) -> None:
    """No query per row: twice the rows, the same queries."""

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert viewer.get(API + url).status_code == 200
        return len(captured)

    urls = ("runs/", "events/", "workflows/")
    before = [queries(url) for url in urls]
    for _ in range(5):
        run_again(history.succeeded)
    Customer.objects.create(name="Another", email="another@example.org")
    save_definition(definition("One more", [mail_step()]))
    assert [queries(url) for url in urls] == before
