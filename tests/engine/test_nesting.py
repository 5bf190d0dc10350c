"""Nested step lists (`StepList` params of flow steps): validated in place and
recursively, keys unique across the whole tree, each nested step seeing the
scope at its place, and what steps after a flow step may refer to of it."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Param, ScopeField, ScopeSchema, StepType
from engine.definition import MAX_NESTING, MAY_BE_MISSING, StepScopeChain, step_list_places
from engine.errors import ValueParseError
from engine.steps import StepCheck
from engine.types import JSON, ArrayType, Email, Number, String
from engine.types.condition import ConditionTree
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType

PATH = StructType((StructField("label", String(), required=False),
                   StructField("when", ConditionTree()),
                   StructField("steps", StepList())), type_name="Path")


class Paths(StepType):
    key = "paths"
    params = (Param("paths", ArrayType(PATH, min_items=1)),
              Param("otherwise", StepList(), required=False))


class Loop(StepType):
    key = "loop"
    params = (Param("items", JSON()), Param("steps", StepList(min_items=1)))
    nested_outputs_after = "none"

    def nested_scope(self, step: StepCheck, place: str) -> list[ScopeField]:
        return [ScopeField("item", JSON()), ScopeField("item_index", Number())]


class Together(StepType):
    key = "together"
    params = (Param("steps", StepList()),)
    nested_outputs_after = "always"


@pytest.fixture
def flow_world(world):
    for step in (Paths, Loop, Together):
        world.steps.register(step)
    return world


def mail(key: str, to: Any = "ops@example.com", subject: str = "Hi") -> dict[str, Any]:
    return {"key": key, "type": "email.send",
            "params": {"to": [to], "subject": subject, "body": "x"}}


def definition(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "name": "Nested",
            "trigger": {"type": "model.created", "model": "demo.order"},
            "steps": list(steps)}


def paths_step(key: str, *paths: list[dict[str, Any]], otherwise=None) -> dict[str, Any]:
    params: dict[str, Any] = {"paths": [
        {"label": f"P{index}", "when": {"ref": "record.total_amount", "op": "gt",
                                        "value": index}, "steps": steps}
        for index, steps in enumerate(paths)]}
    if otherwise is not None:
        params["otherwise"] = otherwise
    return {"key": key, "type": "paths", "params": params}


def test_nested_lists_are_compiled_in_place(flow_world):
    validated = flow_world.validate(definition(
        mail("first"),
        paths_step("choose", [mail("big", subject="{{ steps.first.message_id }}")],
                   [mail("small")], otherwise=[mail("neither")]),
    ))
    choose = validated.step("choose")
    assert list(choose.children) == ["paths[0].steps", "paths[1].steps", "otherwise"]
    assert [s.key for s in choose.children["paths[0].steps"]] == ["big"]
    assert validated.step("big").path == "steps[1].params.paths[0].steps[0]"
    assert [s.key for s in validated.all_steps()] == ["first", "choose", "big", "small",
                                                      "neither"]


def test_keys_are_unique_across_the_whole_tree(flow_world):
    errors = flow_world.errors(definition(
        mail("notify"),
        paths_step("choose", [mail("notify")], [mail("inner")], otherwise=[mail("inner")]),
    ))
    assert errors == [
        'steps[1].params.paths[0].steps[0].key: duplicate step key "notify" (also steps[0])',
        'steps[1].params.otherwise[0].key: duplicate step key "inner" '
        "(also steps[1].params.paths[1].steps[0])",
    ]


def test_nested_step_errors_name_their_place(flow_world):
    errors = flow_world.errors(definition(
        paths_step("choose", [mail("big", to="not an address")]),
    ))
    assert len(errors) == 1
    assert errors[0].startswith("steps[0].params.paths[0].steps[0].params.to[0]: ")


def test_a_path_cannot_see_a_sibling_paths_steps(flow_world):
    errors = flow_world.errors(definition(
        paths_step("choose", [mail("big")],
                   [mail("small", subject="{{ steps.big.message_id }}")]),
    ))
    assert len(errors) == 1
    assert errors[0].startswith("steps[0].params.paths[1].steps[0].params.subject:")
    assert 'inside a path, loop or branch this step is not part of' in errors[0]


def test_loop_items_are_in_scope_inside_only(flow_world):
    loop = {"key": "each", "type": "loop", "params": {
        "items": [{"email": "a@example.com"}],
        "steps": [mail("per_item", subject="Item {{ item_index }}: {{ item.email }}")]}}
    flow_world.validate(definition(loop))
    after = mail("after", subject="{{ item.email }}")
    errors = flow_world.errors(definition(loop, after))
    assert len(errors) == 1 and errors[0].startswith("steps[1].params.subject:")
    uses_inner = mail("after", subject="{{ steps.per_item.message_id }}")
    errors = flow_world.errors(definition(loop, uses_inner))
    assert len(errors) == 1 and "cannot be used here" in errors[0]


def test_steps_after_a_branch_see_its_steps_as_may_be_missing(flow_world):
    validated = flow_world.validate(definition(
        paths_step("choose", [mail("big")]),
        {"key": "both", "type": "together", "params": {"steps": [mail("side")]}},
        mail("after", subject='{{ steps.big.message_id | default:"-" }} '
                              "{{ steps.side.message_id }}"),
    ))
    scope = validated.step("after").schema
    assert scope.lookup("steps.big").extra[MAY_BE_MISSING] == "choose"
    assert MAY_BE_MISSING not in scope.lookup("steps.side").extra


def test_a_value_that_may_be_missing_must_be_handled(flow_world):
    errors = flow_world.errors(definition(
        paths_step("choose", [mail("big")]),
        mail("after", subject="{{ steps.big.message_id }}"),
    ))
    assert errors == ['steps[1].params.subject: {{ steps.big.message_id }}: may be missing (it '
                      'comes from a step inside "choose" that may not have run); give a '
                      'default: {{ steps.big.message_id | default:"..." }}']
    errors = flow_world.errors(definition(
        paths_step("choose", [mail("big")]),
        mail("after", to={"ref": "steps.big.message_id"}),
    ))
    assert len(errors) == 1 and errors[0].startswith(
        "steps[1].params.to[0]: steps.big.message_id may be missing")
    flow_world.validate(definition(  # a condition on it is fine: is_set, or unset fails
        paths_step("choose", [mail("big")]),
        {**mail("after"), "when": {"ref": "steps.big.message_id", "op": "is_set"}},
    ))


def test_nesting_depth_is_limited(flow_world):
    innermost: list[dict[str, Any]] = [mail("deep")]
    for level in range(MAX_NESTING + 1):
        innermost = [{"key": f"level_{level}", "type": "together",
                      "params": {"steps": innermost}}]
    errors = flow_world.errors(definition(*innermost))
    assert any(f"at most {MAX_NESTING} levels deep" in error for error in errors)


def test_bad_shapes_are_named(flow_world):
    errors = flow_world.errors(definition(
        {"key": "choose", "type": "paths", "params": {"paths": [{"when": {}, "steps": "x"}]}},
    ))
    assert errors == ['steps[0].params.paths[0]: steps: "x" is not a list of steps']
    errors = flow_world.errors(definition(
        {"key": "choose", "type": "paths", "params": {"paths": [{"steps": [], "if": 1}]}},
    ))
    assert errors == ['steps[0].params.paths[0]: unknown key "if" (expected: label, when, '
                      'steps)']


def test_step_list_places_follow_declared_types():
    raw = [{"when": {}, "steps": [{"key": "a"}]}, {"when": {}, "steps": []}]
    assert step_list_places(ArrayType(PATH), raw, "paths") == [
        ("paths[0].steps", [{"key": "a"}]), ("paths[1].steps", [])]
    assert step_list_places(Email(), "x@example.com") == []


def test_structure_parse_and_input_spec():
    assert PATH.parse({"when": {"all": []}, "steps": []}) == {"when": {"all": []}, "steps": []}
    with pytest.raises(ValueParseError, match="when: missing"):
        PATH.parse({"steps": []})
    spec = PATH.input_spec()
    assert spec["widget"] == "struct"
    assert [(f["name"], f["input"]["widget"]) for f in spec["fields"]] == [
        ("label", "text"), ("when", "condition"), ("steps", "steps")]


def test_nested_chain_keeps_outer_steps():
    chain = StepScopeChain(ScopeSchema())
    chain.add("outer", [ScopeField("x", Number())])
    inner = chain.nested([ScopeField("item", JSON())])
    assert inner.scope.contains("steps.outer.x") and inner.scope.contains("item.anything")
    assert not chain.scope.contains("item")
