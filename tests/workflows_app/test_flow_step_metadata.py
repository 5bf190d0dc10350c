"""The flow steps' params as the builder reads them: nested step lists and lists
of paths are typed, so forms render them generically by type."""

from __future__ import annotations

from engine import check_definition
from workflows_app.metadata import step_list


def _params(key):
    [step] = [item for item in step_list() if item["key"] == key]
    return {param["name"]: param for param in step["params"]}


def test_branch_paths_are_a_list_of_typed_structures():
    params = _params("branch")
    paths = params["paths"]["value_type"]
    assert paths["type"] == "Path[]"
    assert paths["input"]["widget"] == "struct" and paths["input"]["multiple"]
    fields = {f["name"]: f["value_type"] for f in paths["item"]["fields"]}
    assert fields["when"]["input"]["widget"] == "condition"
    assert fields["steps"]["type"] == "StepList"
    assert fields["steps"]["input"]["widget"] == "steps"
    assert params["otherwise"]["value_type"]["input"]["widget"] == "steps"


def test_each_flow_step_declares_its_params():
    assert list(_params("for_each")) == ["items", "steps"]
    assert list(_params("parallel")) == ["branches"]
    assert list(_params("wait_for")) == ["condition", "event", "timeout"]
    assert list(_params("approval")) == ["assignees", "title", "timeout"]
    assert list(_params("workflow.run")) == ["workflow", "inputs", "wait"]


def test_a_nested_step_is_checked_at_its_place():
    errors = check_definition({
        "schema_version": 1, "name": "x", "trigger": {"type": "manual"},
        "steps": [{"key": "choose", "type": "branch", "params": {"paths": [
            {"label": "a", "when": {"ref": "event.nothing", "op": "is_set"},
             "steps": [{"key": "mail", "type": "email.send", "params": {"to": ["nobody"]}}]},
        ]}}]})
    paths = {error.path for error in errors}
    assert "steps[0].params.paths[0].when" in paths
    assert "steps[0].params.paths[0].steps[0].params.to[0]" in paths


def test_a_nested_step_is_offered_the_item_and_the_steps_before_it():
    from workflows_app.metadata import nested_scope_metadata

    definition = {
        "schema_version": 1, "name": "x",
        "trigger": {"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]},
        "steps": [{"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [{"key": "first", "type": "filter", "params": {"condition": {}}},
                      {"key": "second", "type": "filter", "params": {}}]}}]}
    scope = nested_scope_metadata(definition, "steps[0].params.steps[1]")
    paths = {entry["path"]: entry for entry in scope["paths"]}
    assert paths["item"]["name"] == "Current item" and paths["item_index"]["type"] == "Number"
    assert "steps.first.passed" in paths
    assert "steps.second" not in paths
    outside = nested_scope_metadata(definition, "steps[0]")
    assert "item" not in {entry["path"] for entry in outside["paths"]}
    assert nested_scope_metadata(definition, "steps[7]") is None


def test_the_builder_scope_lists_what_each_nested_step_adds():
    from workflows_app.metadata import builder_scope_metadata

    definition = {
        "schema_version": 1, "name": "x",
        "trigger": {"type": "manual", "inputs": [{"name": "emails", "type": "Email[]"}]},
        "steps": [
            {"key": "route", "type": "branch", "params": {"paths": [
                {"when": {"ref": "inputs.emails", "op": "is_set"}, "steps": [
                    {"key": "look", "type": "http.request", "params": {
                        "method": "GET", "url": "https://example.com/"}},
                    {"key": "use", "type": "filter", "params": {}}]}]}},
            {"key": "each", "type": "for_each", "params": {
                "items": {"ref": "inputs.emails"},
                "steps": [{"key": "mail", "type": "filter", "params": {}}]}},
        ]}
    scope = builder_scope_metadata(definition)
    nested = scope["nested"]
    in_path = {entry["path"] for entry in nested["steps[0].params.paths[0].steps[1]"]["paths"]}
    assert "steps.look.status_code" in in_path and "item" not in in_path
    item = {entry["path"]: entry for entry in nested["steps[1].params.steps[0]"]["paths"]}
    assert item["item"]["type"] == "Email" and "item_index" in item
    assert "item" in nested["steps[1].params.steps[0]"]["compatible"]["Email"]
    assert "Email" in scope["types"]
    assert not any(entry["path"].startswith("item") for entry in scope["paths"])
