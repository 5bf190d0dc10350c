"""Limits on every way a definition or an input comes in: durations too long to
compute with, definitions nested or sized past the limits, lists of hundreds of
thousands of values, text PostgreSQL cannot store. Each is refused with a message
naming the place, in the user's words, on every entry path: the API (validate,
create, update, manual run), the admin builder, the builder's scope endpoint, the
admin import page, the run-now form and `workflows_import` (exit 1, no traceback).
Nothing is stored."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import path, reverse
from rest_framework.test import APIClient

from config.urls import urlpatterns as project_urlpatterns
from engine import validate_definition
from engine.errors import InvalidDefinition, ValueParseError
from engine.types import Duration
from workflows_app.models import Event, Workflow, WorkflowVersion
from workflows_app.services import save_definition
from workflows_app.views.run_now import run_now_view

urlpatterns = [path("run-now/<int:workflow>/", run_now_view, name="run-now"),
               *project_urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

ROOT = Path(__file__).resolve().parents[2]
API = "/workflows/api/workflows/"
HUGE_DURATIONS = ["99999999999 days", "P99999999999D", "PT99999999999999999999H",
                  "99999999999999999999999999 weeks 3 days", "9" * 90 + " s"]


def delay_definition(duration: Any, name: str = "Wait a while") -> dict[str, Any]:
    return {"schema_version": 1, "name": name, "trigger": {"type": "manual"},
            "steps": [{"key": "wait", "type": "delay", "params": {"duration": duration}}]}


def nested_text(levels: int) -> str:
    """A definition whose description nests `levels` lists deep."""
    return ('{"schema_version": 1, "name": "Deep", "trigger": {"type": "manual"}, '
            '"description": ' + "[" * levels + "]" * levels + "}")


@pytest.fixture
def superuser(django_user_model) -> Any:
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def api(superuser) -> APIClient:
    client = APIClient()
    client.force_login(superuser)
    return client


def builder_errors(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.status_code
    return {error["path"]: error["message"] for error in response.context["errors"]}


def nothing_stored() -> bool:
    return not Workflow.objects.exists() and not WorkflowVersion.objects.exists()


# -- durations ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HUGE_DURATIONS)
def test_huge_durations_are_refused_before_any_arithmetic(raw: str) -> None:
    with pytest.raises(ValueParseError, match="longer than ten years"):
        Duration().parse(raw)
    assert Duration().parse("3650 days").days == 3650
    assert Duration().parse("PT1.5S").total_seconds() == 1.5


@pytest.mark.parametrize("raw", HUGE_DURATIONS[:2])
def test_huge_durations_through_the_api(api: APIClient, raw: str) -> None:
    validate = api.post(API + "validate/", delay_definition(raw), format="json")
    assert validate.status_code == 200
    assert validate.json()["valid"] is False
    [error] = validate.json()["errors"]
    assert error["path"] == "steps[0].params.duration"
    assert "longer than ten years" in error["message"]

    create = api.post(API, delay_definition(raw), format="json")
    assert create.status_code == 400, create.content
    assert create.json()["errors"][0]["path"] == "steps[0].params.duration"
    assert nothing_stored()

    workflow = save_definition(delay_definition("1 day")).workflow
    update = api.put(f"{API}{workflow.pk}/", delay_definition(raw), format="json")
    assert update.status_code == 400
    assert "longer than ten years" in update.json()["errors"][0]["message"]
    assert workflow.versions.count() == 1


def test_huge_durations_in_the_builder_import_page_and_command(admin: Client,
                                                              tmp_path: Path) -> None:
    raw = json.dumps(delay_definition("99999999999 days"))
    errors = builder_errors(admin.post(reverse("admin:workflows_app_workflow_add"),
                                       {"definition": raw}))
    assert "longer than ten years" in errors["steps[0].params.duration"]

    upload = SimpleUploadedFile("wait.json", raw.encode(), content_type="application/json")
    response = admin.post(reverse("admin:workflows_app_workflow_import"), {"file": upload})
    assert response.status_code == 200
    assert "steps[0].params.duration" in response.content.decode()
    assert "longer than ten years" in response.content.decode()

    file = tmp_path / "wait.json"
    file.write_text(raw)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("workflows_import", str(file), stdout=StringIO(), stderr=err)
    assert "steps[0].params.duration" in err.getvalue()
    assert "longer than ten years" in err.getvalue()
    assert nothing_stored()


MANUAL_WITH_DURATION = {
    "schema_version": 1, "name": "Snooze", "conditions": {},
    "trigger": {"type": "manual", "inputs": [{"name": "wait", "type": "Duration"},
                                             {"name": "note", "type": "Text",
                                              "required": False}]},
    "steps": [{"key": "wait", "type": "delay", "params": {"duration": {"ref": "inputs.wait"}}}],
}


def test_huge_durations_and_nul_text_in_manual_runs(api: APIClient, admin: Client) -> None:
    workflow = save_definition(MANUAL_WITH_DURATION, activate=True).workflow
    response = api.post(f"{API}{workflow.pk}/run/", {"inputs": {"wait": "99999999999 days"}},
                        format="json")
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["path"] == "inputs.wait" and "longer than ten years" in error["message"]

    response = api.post(f"{API}{workflow.pk}/run/", '{"inputs": {"wait": "1 day", '
                        '"note": "a\\u0000b"}}', content_type="application/json")
    assert response.status_code == 400
    assert "NUL" in response.json()["errors"][0]["message"]

    form = admin.post(f"/run-now/{workflow.pk}/", {"wait": "99999999999 days"})
    assert form.status_code == 200
    assert "longer than ten years" in str(form.context["form"].errors["wait"])
    form = admin.post(f"/run-now/{workflow.pk}/", {"wait": "1 day", "note": "a\x00b"})
    assert form.status_code == 200
    assert "note" in form.context["form"].errors
    assert not Event.objects.filter(trigger_type="manual").exists()


# -- depth, size and storable text of definitions -------------------------------------------


@pytest.mark.parametrize("levels", [150, 1200, 100_000])
def test_deep_definitions_in_the_builder(admin: Client, levels: int) -> None:
    response = admin.post(reverse("admin:workflows_app_workflow_add"),
                          {"definition": nested_text(levels)})
    messages = " ".join(builder_errors(response).values())
    assert "nests deeper than 100 levels" in messages
    assert nothing_stored()


@pytest.mark.parametrize("levels", [150, 1200])
def test_deep_definitions_in_the_scope_endpoint(admin: Client, levels: int) -> None:
    scope = reverse("admin:workflows_app_workflow_builder_scope")
    posted = admin.post(scope, nested_text(levels), content_type="application/json")
    assert posted.status_code == 400
    assert "nests deeper than 100 levels" in posted.json()["error"]
    got = admin.get(scope, {"definition": nested_text(levels)})
    assert got.status_code == 400
    assert "nests deeper than 100 levels" in got.json()["error"]
    nul = admin.post(scope, '{"name": "a\\u0000"}', content_type="application/json")
    assert nul.status_code == 400 and "NUL" in nul.json()["error"]


@pytest.mark.parametrize("levels", [150, 1200])
def test_deep_definitions_on_the_import_page(admin: Client, levels: int) -> None:
    upload = SimpleUploadedFile("deep.json", nested_text(levels).encode(),
                                content_type="application/json")
    response = admin.post(reverse("admin:workflows_app_workflow_import"), {"file": upload})
    assert response.status_code == 200
    assert "nests deeper than 100 levels" in response.content.decode()
    assert nothing_stored()


@pytest.mark.parametrize("levels", [150, 1200])
def test_deep_definitions_through_the_api(api: APIClient, levels: int) -> None:
    for response in (api.post(API + "validate/", nested_text(levels),
                              content_type="application/json"),
                     api.post(API, nested_text(levels), content_type="application/json")):
        assert response.status_code == 400
        assert "nests deeper than 100 levels" in response.json()["errors"][0]["message"]
    assert nothing_stored()


@pytest.mark.parametrize("content", [nested_text(150), nested_text(1200), nested_text(50_000),
                                     '{"schema_version": 1, "name": "N\\u0000L", '
                                     '"trigger": {"type": "manual"}}'])
def test_workflows_import_exits_1_with_a_message_not_a_traceback(tmp_path: Path,
                                                                 content: str) -> None:
    file = tmp_path / "hostile.json"
    file.write_text(content)
    result = subprocess.run([sys.executable, "manage.py", "workflows_import", str(file)],
                            capture_output=True, text=True, check=False, cwd=ROOT, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert str(file) in result.stderr
    assert "nests deeper than 100 levels" in result.stderr or "NUL" in result.stderr


def test_definitions_with_nul_or_surrogates_are_refused_not_a_database_error(
        admin: Client) -> None:
    for raw in ('{"schema_version": 1, "name": "N\\u0000L", "trigger": {"type": "manual"}}',
                '{"schema_version": 1, "name": "Lone \\udc00", "trigger": {"type": "manual"}}'):
        errors = builder_errors(admin.post(reverse("admin:workflows_app_workflow_add"),
                                           {"definition": raw}))
        assert "name" in errors, errors
    with pytest.raises(InvalidDefinition, match="NUL"):
        save_definition({"schema_version": 1, "name": "x\x00", "trigger": {"type": "manual"}})
    assert nothing_stored()


def test_the_definition_limits_are_settings(admin: Client, api: APIClient, settings,
                                            tmp_path: Path) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_DEFINITION_BYTES": 2000,
                          "MAX_DEFINITION_DEPTH": 6}
    big = delay_definition("1 day")
    big["description"] = "x" * 3000
    deep = delay_definition("1 day")
    deep["description"] = [[[[[["too deep"]]]]]]
    for definition, reason in ((big, "larger than 2,000 bytes"),
                               (deep, "nests deeper than 6 levels")):
        errors = builder_errors(admin.post(reverse("admin:workflows_app_workflow_add"),
                                           {"definition": json.dumps(definition)}))
        assert reason in " ".join(errors.values())
        response = api.post(API, definition, format="json")
        assert response.status_code == 400 and reason in json.dumps(response.json())
        file = tmp_path / "limit.json"
        file.write_text(json.dumps(definition))
        err = StringIO()
        with pytest.raises(CommandError):
            call_command("workflows_import", str(file), stdout=StringIO(), stderr=err)
        assert reason in err.getvalue()
    assert nothing_stored()
    assert save_definition(delay_definition("1 day")).created


# -- list sizes ----------------------------------------------------------------------------


def one_of_definition(count: int) -> dict[str, Any]:
    return {"schema_version": 1, "name": "Many numbers",
            "trigger": {"type": "model.updated", "model": "demo.order"},
            "conditions": {"ref": "record.number", "op": "one_of",
                           "value": [f"A-{index}" for index in range(count)]},
            "steps": []}


def test_a_600000_value_one_of_is_refused_quickly(api: APIClient, settings) -> None:
    # The definition-size limit alone would refuse it too; the list limit names the place.
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_DEFINITION_BYTES": 50_000_000}
    definition = one_of_definition(600_000)
    # CPU time, not wall time: other processes on a busy CI machine don't count.
    started = time.process_time()
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition)
    assert time.process_time() - started < 5
    [error] = caught.value.errors
    assert error.path == "conditions.value"
    assert "at most 1,000" in error.message and "600,000" in error.message
    response = api.post(API + "validate/", one_of_definition(1001), format="json")
    assert response.json()["errors"][0]["path"] == "conditions.value"
    assert api.post(API + "validate/", one_of_definition(1000),
                    format="json").json()["valid"] is True


def test_list_params_and_the_list_limit_setting(settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_LIST_ITEMS": 3}
    with pytest.raises(InvalidDefinition, match="at most 3"):
        validate_definition(one_of_definition(4))
    mail = {"schema_version": 1, "name": "Mail", "trigger": {"type": "manual"},
            "steps": [{"key": "mail", "type": "email.send", "params": {
                "to": [f"p{index}@example.com" for index in range(4)],
                "subject": "Hi", "body": "Hello"}}]}
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(mail)
    assert caught.value.errors[0].path == "steps[0].params.to"
    assert "at most 3" in caught.value.errors[0].message


def test_bad_limit_settings_are_system_check_errors(settings) -> None:
    from workflows_app.checks import check_settings_shape

    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_LIST_ITEMS": 0,
                          "MAX_STEP_INPUT_BYTES": "1 MB"}
    errors = {(error.id, error.msg) for error in check_settings_shape()}
    assert ("workflows.E005", "settings.WORKFLOWS['MAX_LIST_ITEMS'] must be a positive "
                              "whole number.") in errors
    assert any("MAX_STEP_INPUT_BYTES" in message for _, message in errors)

