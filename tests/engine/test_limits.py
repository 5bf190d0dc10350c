"""The engine's limits: storable JSON checked without recursion, templates charged as
they render, list sizes, durations bounded before arithmetic."""

from __future__ import annotations

import time

import pytest

from engine import Template, validate_definition
from engine.errors import InvalidDefinition
from engine.limits import (
    LimitExceeded,
    Limits,
    current_limits,
    json_problem,
    render_budget,
    size_over,
    use_limits_provider,
)


def nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_a_million_levels_are_measured_without_recursion() -> None:
    deep = nested(1_000_000)
    started = time.process_time()
    assert json_problem(deep, max_depth=100) == ("[0]" * 100, "the data nests deeper than "
                                                               "100 levels")
    assert time.process_time() - started < 1  # stops at the limit, not at the bottom
    assert json_problem(nested(99), max_depth=100) is None


@pytest.mark.parametrize(("value", "path", "words"), [
    ({"a": ["x\x00"]}, "a[0]", "NUL"),
    ({"b\x00": 1}, "", "a key: text may not contain NUL"),
    ({"s": "\udc00"}, "s", "surrogate"),
    ({"n": float("inf")}, "n", "finite"),
    ({"n": float("nan")}, "n", "finite"),
    ({1: "non-text key"}, "", "keys must be text"),
    ({"when": object()}, "when", "not a JSON value"),
])
def test_unstorable_values_are_named_by_path(value, path, words) -> None:
    where, message = json_problem(value, max_depth=10)
    assert where == path and words in message


def test_sizes_stop_counting_at_the_limit() -> None:
    shared = "x" * 1000
    assert not size_over([shared] * 10, 20_000)
    assert size_over([shared] * 1_000_000, 20_000)  # shared values count each time
    assert json_problem({"a": shared * 3}, max_depth=5, max_bytes=2000)[1] == (
        "the data is larger than 2,000 bytes")


def test_rendering_stops_as_soon_as_the_budget_is_passed() -> None:
    template = Template.parse("{{ payload }}" * 500)
    payload = "p" * 1_000_000
    started = time.process_time()
    with render_budget(3_000_000), pytest.raises(LimitExceeded, match="3,000,000 bytes"):
        template.render({"payload": payload})
    assert time.process_time() - started < 1
    with render_budget(10_000):
        assert template.render({"payload": "ab"}) == "ab" * 500


def test_a_render_outside_any_budget_is_bounded_by_the_step_input_limit() -> None:
    previous = use_limits_provider(lambda: Limits(step_input_max_bytes=100))
    try:
        with pytest.raises(LimitExceeded):
            Template.parse("{{ a }}{{ a }}").render({"a": "z" * 60})
        assert current_limits().step_input_max_bytes == 100
    finally:
        use_limits_provider(previous)


def test_the_provider_sets_definition_limits() -> None:
    definition = {"schema_version": 1, "name": "x" * 10, "trigger": {"type": "manual"},
                  "description": "d" * 500}
    previous = use_limits_provider(lambda: Limits(definition_max_bytes=300))
    try:
        with pytest.raises(InvalidDefinition, match="larger than 300 bytes"):
            validate_definition(definition)
    finally:
        use_limits_provider(previous)
