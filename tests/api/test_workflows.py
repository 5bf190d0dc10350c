"""Workflows through the API: create, read, update (a version per change, none when
identical), activate, versions, restore, validate without saving, start by hand.
Invalid input is a 400 whose errors name their paths, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.api.conftest import (
    API,
    MANUAL_INPUTS,
    History,
    Users,
    definition,
    errors_of,
    mail_step,
)
from workflows_app.models import Event, Workflow, WorkflowVersion

pytestmark = pytest.mark.django_db

BIG_ORDERS = {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]}


@pytest.fixture
def editor(users: Users, client_for: Callable):
    return client_for(users.editor)


def test_create_read_and_list(editor, users: Users) -> None:
    body = definition("Confirm orders", [mail_step()], conditions=BIG_ORDERS)
    response = editor.post(API + "workflows/?change_note=first+draft", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["changed"] is True
    assert created["live_version"] == 1
    assert created["is_active"] is False
    assert created["definition"] == body
    assert created["trigger"] == {"type": "model.created", "model": "demo.order"}
    assert created["created_by"] == {"id": users.editor.pk, "username": "editor"}
    version = WorkflowVersion.objects.get(workflow_id=created["id"])
    assert (version.change_note, version.created_by) == ("first draft", users.editor)

    detail = editor.get(API + f"workflows/{created['id']}/").json()
    assert detail["definition"] == body and detail["version_count"] == 1
    listed = editor.get(API + "workflows/").json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Confirm orders"
    assert "definition" not in listed["results"][0]


def test_invalid_definition_names_each_path_and_stores_nothing(editor) -> None:
    body = definition("Broken", [
        {"key": "mail", "type": "email.send", "params": {"to": ["not an address"],
                                                         "subject": "s", "body": "b"}},
    ], conditions={"all": [{"ref": "record.total_amount", "op": "gte", "value": "lots"},
                           {"ref": "record.nope", "op": "eq", "value": 1}]})
    response = editor.post(API + "workflows/", body, format="json")
    assert response.status_code == 400
    errors = errors_of(response)
    paths = {item["path"] for item in errors}
    assert paths == {"conditions.all[0].value", "conditions.all[1]", "steps[0].params.to[0]"}
    assert {item["code"] for item in errors} == {"invalid"}
    assert "lots" in next(item["message"] for item in errors
                          if item["path"] == "conditions.all[0].value")
    assert not Workflow.objects.exists() and not WorkflowVersion.objects.exists()


def test_update_makes_a_version_only_when_the_definition_changes(editor, history: History
                                                                 ) -> None:
    url = API + f"workflows/{history.alert.pk}/"
    live = editor.get(url).json()["definition"]

    same = editor.put(url, live, format="json")
    assert same.status_code == 200
    assert same.json()["changed"] is False and same.json()["live_version"] == 1
    assert WorkflowVersion.objects.filter(workflow=history.alert).count() == 1

    changed = {**live, "description": "Now with a description"}
    response = editor.put(url + "?change_note=describe+it", changed, format="json")
    assert response.status_code == 200
    assert response.json()["changed"] is True and response.json()["live_version"] == 2
    assert response.json()["is_active"] is True  # a new version keeps the workflow active
    assert WorkflowVersion.objects.get(workflow=history.alert, number=2).change_note == \
        "describe it"

    versions = editor.get(url + "versions/").json()
    assert [(item["number"], item["is_live"]) for item in versions["results"]] == [
        (2, True), (1, False)]
    assert editor.get(url + "versions/1/").json()["definition"] == live
    assert editor.get(url + "versions/9/").status_code == 404

    restored = editor.post(url + "versions/1/restore/")
    assert restored.status_code == 200
    assert restored.json()["live_version"] == 3 and restored.json()["definition"] == live


def test_an_invalid_update_keeps_the_live_version(editor, history: History) -> None:
    url = API + f"workflows/{history.alert.pk}/"
    response = editor.put(url, definition("Big order alert", [{"key": "x", "type": "nope"}]),
                          format="json")
    assert response.status_code == 400
    assert [item["path"] for item in errors_of(response)] == ["steps[0].type"]
    assert WorkflowVersion.objects.filter(workflow=history.alert).count() == 1


@pytest.mark.parametrize("name", ["Ping partner", "Ping partner  "])
def test_a_taken_name_is_refused(editor, history: History, name: str) -> None:
    """Names are stored stripped: a trailing space does not make another name."""
    response = editor.post(API + "workflows/", definition(name, []), format="json")
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "path": "name", "message":
                                    'another workflow is already named "Ping partner"'}]
    assert Workflow.objects.filter(name="Ping partner").count() == 1
    renamed = editor.put(API + f"workflows/{history.alert.pk}/", definition(name, []),
                         format="json")
    assert renamed.status_code == 400 and errors_of(renamed)[0]["path"] == "name"


def test_activate_and_deactivate(editor, history: History) -> None:
    url = API + f"workflows/{history.alert.pk}/"
    assert editor.post(url + "deactivate/").json()["is_active"] is False
    assert editor.get(API + "workflows/?is_active=false").json()["count"] == 1
    assert editor.post(url + "activate/").json()["is_active"] is True
    assert editor.get(API + "workflows/?is_active=false").json()["count"] == 0
    history.alert.refresh_from_db()
    assert history.alert.is_active and history.alert.updated_by.username == "editor"


def test_list_filters(editor, history: History) -> None:
    def names(query: str) -> list[str]:
        response = editor.get(API + "workflows/" + query)
        assert response.status_code == 200, response.json()
        return [item["name"] for item in response.json()["results"]]

    assert names("") == ["Big order alert", "Ping partner", "Refund an order"]
    assert names("?trigger=manual") == ["Refund an order"]
    assert names("?search=PING") == ["Ping partner"]
    assert names("?is_active=true&trigger=model.created") == ["Big order alert", "Ping partner"]
    response = editor.get(API + "workflows/?trigger=nope&is_active=maybe")
    assert response.status_code == 400
    assert {item["path"] for item in errors_of(response)} == {"trigger", "is_active"}


def test_validate_without_saving(editor, history: History) -> None:
    url = API + "workflows/validate/"
    good = definition("Fine", [mail_step()], conditions=BIG_ORDERS)
    assert editor.post(url, good, format="json").json() == {"valid": True, "errors": []}

    bad = {**good, "conditions": {"all": [{"ref": "record.total_amount", "op": "starts_with",
                                           "value": "1"}]}, "extra": 1}
    result = editor.post(url, bad, format="json").json()
    assert result["valid"] is False
    assert [error["path"] for error in result["errors"]] == ["extra", "conditions.all[0]"]
    assert all(set(error) == {"path", "message"} for error in result["errors"])

    taken = {**good, "name": "Big order alert"}
    assert editor.post(url, taken, format="json").json()["errors"] == [
        {"path": "name", "message": 'another workflow is already named "Big order alert"'}]
    own = editor.post(url + f"?workflow={history.alert.pk}", taken, format="json").json()
    assert own == {"valid": True, "errors": []}
    assert editor.post(url, [1, 2], format="json").json()["valid"] is False
    assert not Workflow.objects.filter(name="Fine").exists()


def test_manual_run(editor, history: History, users: Users) -> None:
    url = API + f"workflows/{history.manual.pk}/run/"
    response = editor.post(url, {"inputs": {"order": history.big_order.pk, "amount": "12.50",
                                            "reason": "damaged"}}, format="json")
    assert response.status_code == 202, response.json()
    event = Event.objects.get(pk=response.json()["event"])
    assert event.trigger_type == "manual" and event.actor == users.editor
    assert event.payload["inputs"]["amount"] == "12.50"
    assert response.json()["url"].endswith(f"/workflows/api/events/{event.pk}/")


def test_manual_run_errors_name_each_input_and_record_nothing(editor, history: History
                                                               ) -> None:
    url = API + f"workflows/{history.manual.pk}/run/"
    before = Event.objects.count()
    response = editor.post(url, {"inputs": {"order": 99999, "amount": "lots", "colour": "red"}},
                           format="json")
    assert response.status_code == 400
    errors = {item["path"]: item for item in errors_of(response)}
    assert set(errors) == {"inputs.order", "inputs.amount", "inputs.colour"}
    assert "99999" in errors["inputs.order"]["message"]
    missing = editor.post(url, {"inputs": {}}, format="json")
    assert {(item["path"], item["code"]) for item in errors_of(missing)} == {
        ("inputs.order", "required"), ("inputs.amount", "required")}
    wrong_shape = editor.post(url, {"inputs": [1]}, format="json")
    assert [item["path"] for item in errors_of(wrong_shape)] == ["inputs"]
    not_manual = editor.post(API + f"workflows/{history.alert.pk}/run/", {}, format="json")
    assert not_manual.status_code == 400 and errors_of(not_manual)[0]["path"] == ""
    assert Event.objects.count() == before


def test_an_inactive_manual_workflow_cannot_be_started(editor, history: History) -> None:
    editor.post(API + f"workflows/{history.manual.pk}/deactivate/")
    response = editor.post(API + f"workflows/{history.manual.pk}/run/",
                           {"inputs": {"order": history.big_order.pk, "amount": 1}},
                           format="json")
    assert response.status_code == 400
    assert "not active" in errors_of(response)[0]["message"]


@pytest.mark.parametrize(("raw", "path"), [
    ('{"schema_version": 1, "name": "x",', ""),  # malformed JSON
    ('{"schema_version": 1, "name": NaN}', ""),  # not JSON
    ('{"schema_version": 1, "name": 1e999}', "name"),  # not a finite number
    ('{"schema_version": 1, "name": "a\\u0000b"}', "name"),  # PostgreSQL cannot store NUL
    ('{"steps": [{"key": "\\ud800"}]}', "steps[0].key"),  # a lone surrogate
    ("[" * 150 + "]" * 150, "[0]" * 100),  # nested deeper than 100 levels
])
def test_bodies_that_cannot_be_stored_are_refused(editor, raw: str, path: str) -> None:
    response = editor.post(API + "workflows/", raw, content_type="application/json")
    assert response.status_code == 400
    errors = errors_of(response)
    assert errors[0]["path"] == path
    assert errors[0]["code"] in {"parse_error", "invalid"}
    assert not Workflow.objects.exists()


def test_other_media_types_and_huge_bodies(editor) -> None:
    form = editor.post(API + "workflows/", {"name": "x"})  # multipart
    assert form.status_code == 415 and errors_of(form)[0]["code"] == "unsupported_media_type"
    huge = json.dumps({"schema_version": 1, "name": "x", "description": "x" * 3_000_000})
    response = editor.post(API + "workflows/", huge, content_type="application/json")
    assert response.status_code == 413 and errors_of(response)[0]["code"] == "too_large"


def test_manual_inputs_are_listed_in_the_definition(editor, history: History) -> None:
    detail = editor.get(API + f"workflows/{history.manual.pk}/").json()
    assert detail["trigger"] == {"type": "manual", "inputs": MANUAL_INPUTS}
