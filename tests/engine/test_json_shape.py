"""Types learned from a sample JSON document (a webhook's sample payload)."""

from __future__ import annotations

from engine.scope import PathError, ScopeField, ScopeSchema
from engine.types import JSON, ArrayType, Bool, JSONObject, Number, String, sample_problem, shape_of

SAMPLE = {
    "alert": {"severity": "critical", "count": 3, "acknowledged": False,
              "tags": ["db", "eu"], "owner": None},
    "items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "note": "gift"}],
    "mixed": [1, "one"],
    "content-type": "not a path segment",
}


def schema() -> ScopeSchema:
    return ScopeSchema([ScopeField("payload", shape_of(SAMPLE), "Payload")])


def test_fields_are_typed_as_the_sample_shows_them() -> None:
    scope = schema()
    assert scope.lookup("payload.alert.severity").type == String()
    assert scope.lookup("payload.alert.severity").display_label == "Severity"
    assert scope.lookup("payload.alert.count").type == Number()
    assert scope.lookup("payload.alert.acknowledged").type == Bool()
    tags = scope.lookup("payload.alert.tags").type
    assert isinstance(tags, ArrayType) and tags.item_type == String()
    assert isinstance(scope.lookup("payload.alert").type, JSONObject)
    # Unknown in the sample (null, mixed lists): free-form JSON, any path below.
    assert type(scope.lookup("payload.alert.owner").type) is JSON
    assert type(scope.lookup("payload.mixed").type) is JSON
    assert scope.contains("payload.alert.owner.name")


def test_lists_of_objects_merge_their_items_fields_and_take_positions() -> None:
    scope = schema()
    items = scope.lookup("payload.items").type
    assert isinstance(items, ArrayType) and isinstance(items.item_type, JSONObject)
    assert set(items.item_type.children()) == {"sku", "qty", "note"}
    assert scope.lookup("payload.items.0.sku").type == String()
    assert scope.lookup("payload.items.1.qty").type == Number()


def test_paths_the_sample_does_not_have_are_refused() -> None:
    scope = schema()
    for path in ("payload.alert.severty", "payload.content-type", "payload.items.x"):
        try:
            scope.lookup(path)
        except PathError as exc:
            assert "not" in str(exc)
        else:
            raise AssertionError(f"{path} was accepted")


def test_what_cannot_be_a_sample() -> None:
    assert sample_problem({"a": 1}) is None
    assert sample_problem([{"a": 1}]) is None
    assert "JSON object" in (sample_problem("critical") or "")
    assert "characters" in (sample_problem({"text": "x" * 70_000}) or "")
