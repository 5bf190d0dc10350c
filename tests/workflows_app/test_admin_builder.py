"""The admin builder, versions, import/export and permissions, through the test client.

Every refused change is checked the same way: the response names the path and
the reason, and the stored workflow and its versions are exactly as before.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from workflows_app.models import Workflow, WorkflowVersion
from workflows_app.services import import_definition

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows"
CHANGELIST = reverse("admin:workflows_app_workflow_changelist")
ADD = reverse("admin:workflows_app_workflow_add")
SCOPE = reverse("admin:workflows_app_workflow_builder_scope")
CRON = reverse("admin:workflows_app_workflow_builder_cron")
IMPORT = reverse("admin:workflows_app_workflow_import")


def sample(name: str = "big_order_alert") -> dict[str, Any]:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def change_url(workflow: Workflow) -> str:
    return reverse("admin:workflows_app_workflow_change", args=[workflow.pk])


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:workflows_app_workflow_{name}", args=args)


def make_user(username: str, *codenames: str, superuser: bool = False) -> Any:
    user_model = get_user_model()
    if superuser:
        return user_model.objects.create_superuser(username, f"{username}@example.com", "pw")
    user = user_model.objects.create_user(username, f"{username}@example.com", "pw",
                                          is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(
            codename=codename, content_type__app_label="workflows_app"))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser() -> Any:
    return make_user("root", superuser=True)


@pytest.fixture
def admin_client_(superuser: Any) -> Client:
    return client_for(superuser)


@pytest.fixture
def editor() -> Client:
    return client_for(make_user("editor", "view_workflow", "change_workflow", "add_workflow"))


@pytest.fixture
def viewer() -> Client:
    return client_for(make_user("viewer", "view_workflow"))


@pytest.fixture
def workflow(superuser: Any) -> Workflow:
    return import_definition(sample(), user=superuser).workflow


def snapshot(workflow: Workflow) -> tuple[Any, ...]:
    """Everything a refused change must leave as it was."""
    fresh = Workflow.objects.get(pk=workflow.pk)
    versions = list(fresh.versions.order_by("number").values_list("number", "checksum",
                                                                  "definition"))
    return (fresh.name, fresh.trigger_type, fresh.trigger_config, fresh.is_active,
            fresh.live_version_id, fresh.updated_at, versions, fresh.history.count())


def post_definition(client: Client, target: str, definition: Any, **extra: str) -> Any:
    raw = definition if isinstance(definition, str) else json.dumps(definition)
    return client.post(target, {"definition": raw, **extra})


def error_paths(response: Any) -> dict[str, str]:
    return {error["path"]: error["message"] for error in response.context["errors"]}


# -- permissions -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["changelist", "add", "change", "compare", "scope", "cron",
                                  "import", "history"])
def test_anonymous_users_are_sent_to_the_login_page(client: Client, workflow: Workflow,
                                                    name: str) -> None:
    target = {
        "changelist": CHANGELIST, "add": ADD, "change": change_url(workflow),
        "compare": url("compare", workflow.pk), "scope": SCOPE, "cron": CRON,
        "import": IMPORT, "history": url("history", workflow.pk),
    }[name]
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("name", ["change", "activate", "deactivate", "restore", "add",
                                  "import", "scope"])
def test_anonymous_posts_change_nothing(client: Client, workflow: Workflow, name: str) -> None:
    before = snapshot(workflow)
    target = {"change": change_url(workflow), "activate": url("activate", workflow.pk),
              "deactivate": url("deactivate", workflow.pk),
              "restore": url("restore", workflow.pk, 1),
              "add": ADD, "import": IMPORT, "scope": SCOPE}[name]
    response = client.post(target, {"definition": json.dumps(sample())})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert snapshot(workflow) == before


def test_view_only_user_sees_the_builder_read_only(viewer: Client, workflow: Workflow) -> None:
    response = viewer.get(change_url(workflow))
    assert response.status_code == 200
    assert response.context["readonly"] is True
    assert response.context["metadata"]["readonly"] is True
    content = response.content.decode()
    assert "View workflow" in content
    assert 'name="_continue"' not in content
    assert 'name="_save"' not in content
    assert "wb-activate" not in content and "wb-deactivate" not in content
    assert "Restore this version" not in content
    assert 'name="definition"' in content  # the definition is shown, read-only


def test_view_only_user_cannot_add_import_or_see_import(viewer: Client) -> None:
    assert viewer.get(ADD).status_code == 403
    assert viewer.get(IMPORT).status_code == 403
    response = viewer.get(CHANGELIST)
    assert response.status_code == 200
    assert "Import JSON" not in response.content.decode()
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "download_json" in actions
    assert "activate_selected" not in actions


@pytest.mark.parametrize("name", ["change", "activate", "deactivate", "restore", "add",
                                  "import", "scope_post", "history_revert"])
def test_view_only_user_posts_are_refused(viewer: Client, workflow: Workflow,
                                          name: str) -> None:
    second = copy.deepcopy(sample())
    second["description"] = "changed"
    import_definition(second)  # a version 2, so that version 1 could be restored
    before = snapshot(workflow)
    history_id = Workflow.objects.get(pk=workflow.pk).history.last().history_id
    target = {"change": change_url(workflow), "activate": url("activate", workflow.pk),
              "deactivate": url("deactivate", workflow.pk),
              "restore": url("restore", workflow.pk, 1), "add": ADD, "import": IMPORT,
              "scope_post": SCOPE,
              "history_revert": reverse("admin:workflows_app_workflow_simple_history",
                                        args=[workflow.pk, history_id])}[name]
    response = viewer.post(target, {"definition": json.dumps(sample()), "name": "x"})
    assert response.status_code == 403
    assert snapshot(workflow) == before


def test_view_only_user_may_read_scope_cron_and_compare(viewer: Client,
                                                        workflow: Workflow) -> None:
    response = viewer.get(SCOPE, {"definition": json.dumps(sample())})
    assert response.status_code == 200
    assert any(entry["path"] == "record.total_amount" for entry in response.json()["paths"])
    assert viewer.get(CRON, {"cron": "0 9 * * 1-5"}).status_code == 200
    assert viewer.get(url("compare", workflow.pk)).status_code == 200


def test_editor_can_save_a_change(editor: Client, workflow: Workflow) -> None:
    definition = sample()
    definition["conditions"]["all"][0]["value"] = 20000
    response = post_definition(editor, change_url(workflow), definition,
                               change_note="Raise the threshold", _continue="Save")
    assert response.status_code == 302
    assert response["Location"] == change_url(workflow)
    workflow.refresh_from_db()
    assert workflow.live_version.number == 2
    assert workflow.live_version.definition == definition
    assert workflow.live_version.change_note == "Raise the threshold"
    assert workflow.live_version.created_by.username == "editor"
    assert workflow.updated_by.username == "editor"
    page = editor.get(change_url(workflow)).content.decode()
    assert "was saved as version 2" in page


def test_editor_can_create_a_workflow(editor: Client) -> None:
    definition = sample()
    response = post_definition(editor, ADD, definition, _save="Save and close")
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    workflow = Workflow.objects.get(name=definition["name"])
    assert workflow.live_version.number == 1
    assert workflow.created_by.username == "editor"
    assert workflow.trigger_type == "model.created"
    assert workflow.trigger_target == "demo.order"


def test_saving_an_unchanged_definition_makes_no_version(admin_client_: Client,
                                                         workflow: Workflow) -> None:
    before = snapshot(workflow)
    response = post_definition(admin_client_, change_url(workflow), sample())
    assert response.status_code == 302
    assert snapshot(workflow)[6] == before[6]
    page = admin_client_.get(change_url(workflow)).content.decode()
    assert "Nothing changed" in page


def test_superuser_gets_the_full_builder(admin_client_: Client, workflow: Workflow) -> None:
    response = admin_client_.get(change_url(workflow))
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["readonly"] is False
    for marker in ('name="_continue"', 'id="wb-activate"', 'id="workflow-builder-metadata"',
                   'name="definition"', "Versions", url("history", workflow.pk)):
        assert marker in content
    definition = json.loads(response.context["definition_json"])
    assert definition == sample()


# -- the embedded metadata ---------------------------------------------------------------


def test_metadata_describes_triggers_steps_and_scope(admin_client_: Client,
                                                     workflow: Workflow) -> None:
    metadata = admin_client_.get(change_url(workflow)).context["metadata"]
    triggers = {item["key"]: item for group in metadata["triggers"] for item in group["items"]}
    assert {"model.created", "model.updated", "schedule", "manual", "webhook", "event"} <= set(
        triggers)
    assert triggers["schedule"]["config"][0]["input"]["widget"] == "schedule"
    steps = {item["key"]: item for group in metadata["steps"] for item in group["items"]}
    assert {"email.send", "record.update", "http.request", "delay", "filter"} <= set(steps)
    fields = {param["name"]: param for param in steps["record.update"]["params"]}
    assert fields["fields"]["input"]["widget"] == "record_fields"
    http = {param["name"]: param for param in steps["http.request"]["params"]}
    assert http["timeout_seconds"]["default"] == 10
    paths = {entry["path"]: entry for entry in metadata["scope"]["paths"]}
    assert paths["record.total_amount"]["type"] == "Number"
    assert paths["record.customer.email"]["label"] == "Order now \u203a Customer \u203a Email"
    # model.created has no value from before the save: no changed* operators
    assert "changed" not in paths["record.total_amount"]["ops"]
    assert "gte" in paths["record.total_amount"]["ops"]
    assert "demo.order" in metadata["models"]


def test_scope_endpoint_offers_changed_only_on_updated_record_fields(
        admin_client_: Client) -> None:
    definition = sample("confirm_submitted_orders")
    response = admin_client_.post(SCOPE, json.dumps(definition), content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    paths = {entry["path"]: entry for entry in data["paths"]}
    assert "changed_to" in paths["record.status"]["ops"]
    assert "changed_to" not in paths["previous.status"]["ops"]
    assert "changed" not in paths["event.occurred_at"]["ops"]
    # Operators and their value inputs come from the type.
    status_type = data["types"][paths["record.status"]["type"]]
    one_of = next(op for op in status_type["operators"] if op["name"] == "one_of")
    assert one_of["value"]["item"]["input"]["widget"] == "select"
    number = data["types"]["Number"]
    between = next(op for op in number["operators"] if op["name"] == "between")
    assert (between["value"]["min_items"], between["value"]["max_items"]) == (2, 2)
    assert next(op for op in number["operators"] if op["name"] == "is_set")["value"] is None
    # Earlier steps' outputs, and which references fit which type.
    assert paths["steps.confirm.record"]["type"] == "Record[demo.order]"
    assert paths["steps.confirm.record"]["step"] == 0
    assert "record.customer.email" in data["compatible"]["Email"]
    assert "record.total_amount" not in data["compatible"]["Email"]
    assert data["trigger_errors"] == []


def test_scope_endpoint_reports_a_bad_trigger_and_bad_json(admin_client_: Client) -> None:
    response = admin_client_.post(SCOPE, json.dumps({"trigger": {"type": "model.created"}}),
                                  content_type="application/json")
    assert response.status_code == 200
    assert response.json()["paths"] == []
    assert response.json()["trigger_errors"][0]["path"] == "trigger.model"
    response = admin_client_.post(SCOPE, "{nope", content_type="application/json")
    assert response.status_code == 400


def test_cron_endpoint_reads_and_refuses(admin_client_: Client) -> None:
    good = admin_client_.get(CRON, {"cron": "0 9 * * 1-5"}).json()
    assert good["problem"] is None
    assert "09:00" in good["description"] and "Monday through Friday" in good["description"]
    bad = admin_client_.get(CRON, {"cron": "0 9 * *"}).json()
    assert "has 4 fields" in bad["problem"]
    assert bad["description"] == ""


# -- bad input -------------------------------------------------------------------------


def _tampered(change: str) -> Any:
    definition = sample()
    if change == "unknown_param":
        definition["steps"][0]["params"]["bcc"] = ["spy@example.com"]
        return definition, "steps[0].params.bcc", 'email.send has no param "bcc"'
    if change == "operator_not_offered":
        definition["conditions"]["all"][0]["op"] = "starts_with"
        return definition, "conditions.all[0]", '"starts_with" is not an operator of Number'
    if change == "changed_on_created":
        definition["conditions"]["all"][0]["op"] = "changed"
        definition["conditions"]["all"][0].pop("value")
        return definition, "conditions.all[0]", "keeps no values from before the change"
    if change == "ref_outside_scope":
        definition["steps"][0]["params"]["to"] = [{"ref": "record.customer.password"}]
        return definition, "steps[0].params.to[0]", "is not in scope"
    if change == "template_outside_scope":
        definition["steps"][0]["params"]["subject"] = "Order {{ previous.number }}"
        return definition, "steps[0].params.subject", "previous.number"
    if change == "unknown_step_type":
        definition["steps"][0]["type"] = "shell.run"
        return definition, "steps[0].type", 'unknown step type "shell.run"'
    if change == "wrong_type":
        definition["conditions"]["all"][0]["value"] = "12abc"
        # The builder checks values with their form fields (the API says the engine's).
        return definition, "conditions.all[0].value", "Enter a number."
    if change == "missing_required":
        definition["steps"][0]["params"]["subject"] = ""
        return definition, "steps[0].params.subject", 'missing required param "subject"'
    if change == "invalid_json":
        return '{"schema_version": 1, "name": ', "", "not valid JSON"
    if change == "not_an_object":
        return "[1, 2]", "", "must be a JSON object"
    raise AssertionError(change)


@pytest.mark.parametrize("change", [
    "unknown_param", "operator_not_offered", "changed_on_created", "ref_outside_scope",
    "template_outside_scope", "unknown_step_type", "wrong_type", "missing_required",
    "invalid_json", "not_an_object",
])
def test_tampered_posts_are_refused_and_store_nothing(admin_client_: Client, workflow: Workflow,
                                                      change: str) -> None:
    before = snapshot(workflow)
    definition, path, reason = _tampered(change)
    response = post_definition(admin_client_, change_url(workflow), definition)
    assert response.status_code == 200
    errors = error_paths(response)
    assert path in errors, errors
    assert reason in errors[path]
    content = response.content.decode()
    assert "Nothing was saved" in content
    assert f'data-error-path="{path}"' in content  # listed with its path, placed by the script
    assert snapshot(workflow) == before


def test_a_refused_new_workflow_is_not_created(admin_client_: Client) -> None:
    definition = sample()
    definition["steps"][0]["params"]["surprise"] = True
    response = post_definition(admin_client_, ADD, definition)
    assert response.status_code == 200
    assert "steps[0].params.surprise" in error_paths(response)
    assert not Workflow.objects.exists()
    assert not WorkflowVersion.objects.exists()
    # The page comes back with what was sent, so nothing typed is lost.
    assert json.loads(response.context["definition_json"]) == definition


def test_a_taken_name_is_refused(admin_client_: Client, workflow: Workflow) -> None:
    other = sample("confirm_submitted_orders")
    import_definition(other)
    renamed = sample()
    renamed["name"] = other["name"]
    before = snapshot(workflow)
    response = post_definition(admin_client_, change_url(workflow), renamed)
    assert "already named" in error_paths(response)["name"]
    assert snapshot(workflow) == before


# -- activation --------------------------------------------------------------------------


def test_activate_and_deactivate_from_the_builder(editor: Client, workflow: Workflow) -> None:
    response = editor.post(url("activate", workflow.pk))
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.is_active and workflow.updated_by.username == "editor"
    assert workflow.versions.count() == 1
    assert "wb-deactivate" in editor.get(change_url(workflow)).content.decode()
    editor.post(url("deactivate", workflow.pk))
    workflow.refresh_from_db()
    assert not workflow.is_active
    assert editor.get(url("activate", workflow.pk)).status_code == 405


def test_activate_and_deactivate_actions(admin_client_: Client, workflow: Workflow) -> None:
    response = admin_client_.post(CHANGELIST, {"action": "activate_selected",
                                               "_selected_action": [workflow.pk]}, follow=True)
    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.is_active
    admin_client_.post(CHANGELIST, {"action": "deactivate_selected",
                                    "_selected_action": [workflow.pk]})
    workflow.refresh_from_db()
    assert not workflow.is_active


# -- versions ----------------------------------------------------------------------------


def test_version_diff_lists_changed_paths(admin_client_: Client, workflow: Workflow) -> None:
    definition = sample()
    definition["conditions"]["all"][0]["value"] = 20000
    definition["steps"][0]["params"]["subject"] = "Huge order {{ record.number }}"
    definition["steps"][0]["params"]["cc"] = ["boss@example.com"]
    post_definition(admin_client_, change_url(workflow), definition)
    response = admin_client_.get(url("compare", workflow.pk), {"a": 1, "b": 2})
    assert response.status_code == 200
    lines = [str(change) for change, _ in response.context["changes"]]
    assert [where for _, where in response.context["changes"]] == [
        "Only if \u203a Compare with",
        "Step 1, Send an e-mail \u203a Cc",
        "Step 1, Send an e-mail \u203a Subject",
    ]
    assert lines == [
        "conditions.all[0].value: changed from 10000 to 20000",
        'steps[0].params.cc: added ["boss@example.com"]',
        'steps[0].params.subject: changed from "Big order {{ record.number }}" to '
        '"Huge order {{ record.number }}"',
    ]
    content = response.content.decode()
    assert "conditions.all[0].value" in content
    assert "Restore version 1" in content
    assert any(kind == "add" and "20000" in line for kind, line in response.context["diff_lines"])
    assert admin_client_.get(url("compare", workflow.pk), {"a": 1, "b": 9}).status_code == 404


def test_version_diff_shows_choices_by_their_labels(admin_client_: Client,
                                                    superuser: Any) -> None:
    definition = sample("confirm_submitted_orders")
    workflow = import_definition(definition, user=superuser).workflow
    definition["conditions"]["all"][0]["value"] = "paid"
    definition["steps"][0]["params"]["fields"]["status"] = "shipped"
    post_definition(admin_client_, change_url(workflow), definition)
    response = admin_client_.get(url("compare", workflow.pk), {"a": 1, "b": 2})
    lines = [str(change) for change, _ in response.context["changes"]]
    assert lines == [
        'conditions.all[0].value: changed from "Submitted" to "Paid"',
        'steps[0].params.fields.status: changed from "Confirmed" to "Shipped"',
    ]
    assert '<span class="wb-old">&quot;Confirmed&quot;</span>' in response.content.decode()


def test_restore_makes_a_new_version(admin_client_: Client, workflow: Workflow) -> None:
    first = sample()
    changed = sample()
    changed["description"] = "Changed"
    post_definition(admin_client_, change_url(workflow), changed)
    response = admin_client_.post(url("restore", workflow.pk, 1))
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert list(workflow.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert workflow.live_version.number == 3
    assert workflow.live_version.definition == first
    assert workflow.live_version.change_note == "Restored version 1"
    assert WorkflowVersion.objects.get(workflow=workflow, number=2).definition == changed
    assert admin_client_.get(url("restore", workflow.pk, 1)).status_code == 405
    assert admin_client_.post(url("restore", workflow.pk, 42)).status_code == 404


def test_history_names_the_user_and_the_changed_fields(editor: Client,
                                                       workflow: Workflow) -> None:
    definition = sample()
    definition["description"] = "For the ops team"
    post_definition(editor, change_url(workflow), definition)
    response = editor.get(url("history", workflow.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "editor" in content
    assert "For the ops team" in content
    # The first change names both versions (the creation row holds version 1).
    assert "Live version: version 1 &rarr; version 2" in re.sub(
        r"(\s|&nbsp;)+", " ", re.sub(r"</?strong>", "", content))
    assert "pk=None" not in content


def test_version_admin_is_read_only(admin_client_: Client, workflow: Workflow) -> None:
    version = workflow.live_version
    response = admin_client_.get(reverse("admin:workflows_app_workflowversion_change",
                                         args=[version.pk]))
    assert response.status_code == 200
    assert "ops@example.com" in response.content.decode()
    assert admin_client_.get(reverse("admin:workflows_app_workflowversion_add")).status_code == 403


# -- import / export ---------------------------------------------------------------------


def upload(client: Client, name: str, data: bytes, **kwargs: Any) -> Any:
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "application/json")},
                       **kwargs)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_import_the_same_file_twice_makes_no_new_version(admin_client_: Client) -> None:
    data = json.dumps([sample(), sample("confirm_submitted_orders")]).encode()
    response = upload(admin_client_, "two.json", data, follow=True)
    assert "Imported two.json: 2 created, 0 updated, 0 unchanged." in messages_of(response)
    assert WorkflowVersion.objects.count() == 2
    response = upload(admin_client_, "two.json", data, follow=True)
    assert "Imported two.json: 0 created, 0 updated, 2 unchanged." in messages_of(response)
    assert WorkflowVersion.objects.count() == 2
    changed = sample()
    changed["description"] = "New words"
    response = upload(admin_client_, "one.json", json.dumps(changed).encode(), follow=True)
    assert "Imported one.json: 0 created, 1 updated, 0 unchanged." in messages_of(response)
    assert Workflow.objects.get(name=changed["name"]).live_version.number == 2


@pytest.mark.parametrize(("data", "expected"), [
    (b"{not json", "not valid JSON (line 1, column 2"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[]", "empty list"),
])
def test_import_refuses_unreadable_files(admin_client_: Client, workflow: Workflow,
                                         data: bytes, expected: str) -> None:
    before = snapshot(workflow)
    response = upload(admin_client_, "bad.json", data)
    assert response.status_code == 200
    assert any(expected in message for message in messages_of(response))
    assert snapshot(workflow) == before
    assert Workflow.objects.count() == 1


def test_import_of_an_invalid_definition_stores_nothing(admin_client_: Client,
                                                        workflow: Workflow) -> None:
    before = snapshot(workflow)
    good = sample("confirm_submitted_orders")
    changed = sample()
    changed["description"] = "would be version 2"
    bad = sample("payment_received")
    bad["steps"][1]["type"] = "teleport"
    response = upload(admin_client_, "mixed.json", json.dumps([good, changed, bad]).encode())
    assert response.status_code == 200
    messages = messages_of(response)
    assert any("mixed.json: [2].steps[1].type: unknown step type" in message
               for message in messages), messages
    assert "Nothing was imported" in response.content.decode()
    assert snapshot(workflow) == before
    assert Workflow.objects.count() == 1


def test_import_refuses_duplicate_names_in_one_file(admin_client_: Client) -> None:
    response = upload(admin_client_, "dupes.json", json.dumps([sample(), sample()]).encode())
    assert any('2 workflows named "Big order alert"' in message
               for message in messages_of(response))
    assert not Workflow.objects.exists()


def test_import_page_needs_add_and_change_permission() -> None:
    only_change = client_for(make_user("changer", "view_workflow", "change_workflow"))
    assert only_change.get(IMPORT).status_code == 403
    assert "Import JSON" not in only_change.get(CHANGELIST).content.decode()


def test_download_json_round_trips_every_sample(admin_client_: Client, superuser: Any) -> None:
    files = sorted(SAMPLES.glob("*.json"))
    for path in files:
        import_definition(json.loads(path.read_text(encoding="utf-8")), user=superuser)
    ids = list(Workflow.objects.values_list("pk", flat=True))
    response = admin_client_.post(CHANGELIST, {"action": "download_json",
                                               "_selected_action": ids})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert 'filename="workflows.json"' in response["Content-Disposition"]
    exported = json.loads(response.content)
    originals = {data["name"]: data for data in
                 (json.loads(path.read_text(encoding="utf-8")) for path in files)}
    assert {item["name"]: item for item in exported} == originals
    versions = WorkflowVersion.objects.count()
    response = upload(admin_client_, "workflows.json", response.content, follow=True)
    assert f"0 created, 0 updated, {len(files)} unchanged" in messages_of(response)[0]
    assert WorkflowVersion.objects.count() == versions


def test_download_json_of_one_workflow_names_the_file(admin_client_: Client,
                                                      workflow: Workflow) -> None:
    response = admin_client_.post(CHANGELIST, {"action": "download_json",
                                               "_selected_action": [workflow.pk]})
    assert 'filename="big-order-alert.json"' in response["Content-Disposition"]
    assert json.loads(response.content) == [sample()]


# -- the changelist ----------------------------------------------------------------------


def test_changelist_columns_filters_and_search(admin_client_: Client, workflow: Workflow) -> None:
    import_definition(sample("confirm_submitted_orders"))
    response = admin_client_.get(CHANGELIST)
    content = response.content.decode()
    assert "A record is created \u00b7 demo.order" in content
    assert "Import JSON" in content
    response = admin_client_.get(CHANGELIST, {"trigger_type": "model.updated"})
    names = [str(obj) for obj in response.context["cl"].result_list]
    assert names == ["Confirm submitted orders"]
    response = admin_client_.get(CHANGELIST, {"q": "big"})
    assert [str(obj) for obj in response.context["cl"].result_list] == ["Big order alert"]
    assert re.search(r'<td class="field-live_version_number">1</td>', content)


def test_history_records_can_be_viewed_but_not_reverted(admin_client_: Client,
                                                        workflow: Workflow) -> None:
    record = Workflow.objects.get(pk=workflow.pk).history.last()
    target = reverse("admin:workflows_app_workflow_simple_history",
                     args=[workflow.pk, record.history_id])
    response = admin_client_.get(target)
    assert response.status_code == 200
    assert "Big order alert" in response.content.decode()
    assert 'name="_change_history"' not in response.content.decode()
    before = snapshot(workflow)
    assert admin_client_.post(target, {"name": "Renamed"}).status_code == 403
    assert snapshot(workflow) == before


def test_webhook_address_is_shown_to_editors_only(editor: Client, viewer: Client) -> None:
    result = import_definition({"schema_version": 1, "name": "Hook", "description": "",
                                "trigger": {"type": "webhook"}, "steps": []})
    token = result.workflow.webhook_token
    assert token in editor.get(change_url(result.workflow)).content.decode()
    assert token not in viewer.get(change_url(result.workflow)).content.decode()


# -- "Run now" and webhook address tools -------------------------------------------


def _manual_workflow():
    from workflows_app.services import save_definition

    return save_definition({
        "schema_version": 1, "name": "Refund by hand",
        "trigger": {"type": "manual", "inputs": [
            {"name": "amount", "type": "Number", "label": "Amount"},
            {"name": "reason", "type": "Text", "required": False}]},
        "steps": [{"key": "tell", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Refund {{ inputs.amount }}",
            "body": "{{ inputs.reason }}"}}],
    }, activate=True).workflow


@pytest.mark.django_db
def test_run_now_form_starts_a_manual_workflow(client, django_user_model):
    from django.urls import reverse

    from workflows_app.models import Event

    workflow = _manual_workflow()
    editor = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(editor)
    url = reverse("admin:workflows_app_workflow_run_now", args=[workflow.pk])
    page = client.get(reverse("admin:workflows_app_workflow_change", args=[workflow.pk]))
    assert url in page.content.decode()
    form = client.get(url)
    assert form.status_code == 200 and 'name="amount"' in form.content.decode()
    bad = client.post(url, {"amount": "lots"})
    assert bad.status_code == 200 and Event.objects.count() == 0
    good = client.post(url, {"amount": "12.50", "reason": "broken"})
    assert good.status_code == 302
    event = Event.objects.get()
    assert event.trigger_type == "manual" and event.actor == editor
    assert event.payload["inputs"]["amount"] == "12.50"


@pytest.mark.django_db
def test_run_now_needs_change_permission(client, django_user_model):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    workflow = _manual_workflow()
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    client.force_login(viewer)
    url = reverse("admin:workflows_app_workflow_run_now", args=[workflow.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "1"}).status_code == 403


@pytest.mark.django_db
def test_webhook_address_can_be_replaced_and_signed(client, django_user_model):
    from django.urls import reverse

    from workflows_app.models import Workflow
    from workflows_app.services import save_definition

    workflow = save_definition({"schema_version": 1, "name": "Hook",
                                "trigger": {"type": "webhook", "require_signature": True},
                                "steps": []}).workflow
    old_token = workflow.webhook_token
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    rotate = reverse("admin:workflows_app_workflow_webhook_rotate", args=[workflow.pk])
    assert client.get(rotate).status_code == 403  # only the button's POST
    assert client.post(rotate).status_code == 302
    workflow = Workflow.objects.get(pk=workflow.pk)
    assert workflow.webhook_token != old_token
    assert client.post(f"/workflows/hooks/{old_token}/", "{}",
                       content_type="application/json").status_code == 404
    secret_url = reverse("admin:workflows_app_workflow_webhook_secret", args=[workflow.pk])
    response = client.post(secret_url, follow=True)
    workflow.refresh_from_db()
    assert workflow.webhook_secret.startswith("whsec_")
    assert workflow.webhook_secret in response.content.decode()
