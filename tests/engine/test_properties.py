"""Property-based tests: arbitrary JSON given to the parser, the condition
evaluator or the template renderer yields the engine's own errors, never a crash."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine import (
    Condition,
    DefinitionError,
    InvalidDefinition,
    ScopeField,
    ScopeSchema,
    Template,
    TemplateError,
    ValueParseError,
)
from engine.types import (
    JSON,
    Choice,
    DateTime,
    Duration,
    Email,
    Number,
    Phone,
    Record,
    String,
    type_registry,
)
from tests.engine.conftest import FORMAT_EXAMPLE, World

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                | st.text(max_size=30))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
words = st.sampled_from([
    "all", "any", "not", "ref", "op", "value", "record", "record.total_amount",
    "record.customer.email", "record.status", "amount", "email", "eq", "gte", "between",
    "one_of", "changed", "within_last", "is_set", "steps", "type", "key", "params",
    "email.send", "record.update", "{{ record.number }}", "{{", "}}", "P2D", "10000",
])
structured = st.recursive(
    json_scalars | words,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(words | st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)

OPERATOR_NAMES = ["eq", "ne", "gt", "gte", "lt", "lte", "between", "contains", "not_contains",
                  "starts_with", "ends_with", "is_set", "is_not_set", "one_of", "not_one_of",
                  "before", "after", "within_last", "older_than", "changed", "changed_from",
                  "changed_to"]
REFS = ["amount", "email", "phone", "status", "name", "when", "wait", "payload", "payload.a.b",
        "record.total_amount", "record.status", "record.customer.email", "record.created_at"]
leaves = st.fixed_dictionaries(
    {"ref": st.sampled_from(REFS), "op": st.sampled_from(OPERATOR_NAMES)},
    optional={"value": json_values | st.fixed_dictionaries({"ref": st.sampled_from(REFS)})
              | st.sampled_from(["P2D", "2026-01-01T00:00:00Z", "new", "a@b.co", "+4420718387"])},
)
condition_trees = st.recursive(
    leaves,
    lambda children: st.fixed_dictionaries({"all": st.lists(children, max_size=3)})
    | st.fixed_dictionaries({"any": st.lists(children, max_size=3)})
    | st.fixed_dictionaries({"not": children}),
    max_leaves=8,
)
scope_values = st.fixed_dictionaries({}, optional={
    name: json_values | st.sampled_from(["2026-01-01T00:00:00+02:00", "P1D", "a@b.co", "new"])
    for name in ["amount", "email", "phone", "status", "name", "when", "wait", "payload"]
} | {"record": st.dictionaries(st.sampled_from(["total_amount", "status", "customer",
                                               "created_at"]), json_values, max_size=4)})

SCHEMA = ScopeSchema([
    ScopeField("record", Record("demo.order")),
    ScopeField("amount", Number()),
    ScopeField("email", Email()),
    ScopeField("phone", Phone()),
    ScopeField("status", Choice(["new", "paid"])),
    ScopeField("name", String()),
    ScopeField("when", DateTime()),
    ScopeField("wait", Duration()),
    ScopeField("payload", JSON()),
])
relaxed = settings(max_examples=300, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


@relaxed
@given(structured)
def test_any_json_definition_gives_errors_not_crashes(data):
    errors = World().errors(data)
    assert all(isinstance(error, str) and error for error in errors)


PATHS = [("trigger",), ("conditions",), ("conditions", "all", 0), ("conditions", "all", 1),
         ("steps",), ("steps", 0), ("steps", 0, "params"), ("steps", 1, "params", "to"),
         ("steps", 1, "when"), ("steps", 1, "retry"), ("steps", 1, "params", "subject"),
         ("schema_version",), ("name",)]


@relaxed
@given(st.sampled_from(PATHS), structured)
def test_mutated_example_gives_errors_not_crashes(path, replacement):
    data = copy.deepcopy(FORMAT_EXAMPLE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = replacement
    world = World()
    errors = world.errors(data)
    if not errors:
        event("mutated example still valid")
        world.validate(data)  # whatever passes the check also compiles


@relaxed
@given(structured | condition_trees,
       scope_values | st.dictionaries(words | st.text(max_size=6), structured, max_size=6))
def test_any_condition_compiles_or_errs_and_evaluates_to_a_bool(data, values):
    errors = Condition.check(data, SCHEMA)
    assert all(isinstance(error, DefinitionError) for error in errors)
    if errors:
        try:
            Condition.compile(data, SCHEMA)
        except InvalidDefinition:
            return
        raise AssertionError("check found errors but compile did not")
    condition = Condition.compile(data, SCHEMA)
    event("condition compiled")
    result = condition.explain(values)
    assert isinstance(result.matched, bool)
    assert condition.evaluate(values) is result.matched


@relaxed
@given(st.text(max_size=80) | words
       | st.lists(st.sampled_from(["{{ ", " }}", "record.number", "|", "upper", 'default:"x"',
                                   "date", ':"%Y"', "a", '"', "\\", "{", "}"]), max_size=12
                  ).map("".join),
       st.dictionaries(words, json_values, max_size=4))
def test_any_template_parses_or_errs_and_renders_text(source, values):
    try:
        template = Template.parse(source)
    except TemplateError:
        event("template refused")
        return
    event("template parsed")
    assert isinstance(template.check(SCHEMA), list)
    assert isinstance(template.render(values, SCHEMA), str)


@relaxed
@given(st.sampled_from(sorted(set(type_registry.keys()) - {"Choice", "Record", "User"})),
       json_values)
def test_every_type_parses_or_gives_a_reason(type_name, raw):
    value_type = type_registry.get(type_name)()
    try:
        value = value_type.parse(raw)
    except ValueParseError as exc:
        assert exc.reason
        return
    value_type.to_json(value)
    assert isinstance(value_type.to_display(value), str)
