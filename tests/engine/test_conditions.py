"""Condition trees: structure errors, evaluation and explanations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import Condition, InvalidDefinition, ScopeField, ScopeSchema
from engine.types import Choice, Email, Number, Record, String

SCHEMA = ScopeSchema([
    ScopeField("record", Record("demo.order"), "Order"),
    ScopeField("amount", Number(), "Amount"),
    ScopeField("email", Email(), "E-mail"),
    ScopeField("status", Choice(["new", "paid"]), "Status"),
    ScopeField("name", String(), "Name"),
])

BIG_USD_OR_EXAMPLE = {"all": [
    {"ref": "record.total_amount", "op": "gte", "value": 10000},
    {"any": [
        {"ref": "record.currency", "op": "eq", "value": "USD"},
        {"ref": "record.customer.email", "op": "ends_with", "value": "@example.com"},
    ]},
]}


def order(total, currency="USD", email="ada@acme.test"):
    return {"record": {"total_amount": total, "currency": currency,
                       "customer": {"email": email}}}


@pytest.mark.parametrize("data", [None, {}, {"all": []}, {"any": []}])
def test_empty_conditions_always_match(data):
    assert Condition.compile(data, SCHEMA).evaluate({})


def test_nested_groups_evaluate():
    condition = Condition.compile(BIG_USD_OR_EXAMPLE, SCHEMA)
    assert condition.evaluate(order(Decimal("10000.00")))
    assert condition.evaluate(order(20000, currency="EUR", email="bo@EXAMPLE.com"))
    assert not condition.evaluate(order(20000, currency="EUR"))
    assert not condition.evaluate(order(Decimal("9999.99")))


def test_not_group():
    condition = Condition.compile({"not": {"ref": "status", "op": "eq", "value": "paid"}}, SCHEMA)
    assert condition.evaluate({"status": "new"})
    assert not condition.evaluate({"status": "paid"})
    result = condition.explain({"status": "paid"})
    assert result.first_failure().kind == "not"


def test_explain_names_first_failing_leaf():
    result = Condition.compile(BIG_USD_OR_EXAMPLE, SCHEMA).explain(order(Decimal("9500.00")))
    assert not result.matched
    failure = result.first_failure()
    assert failure.path == "conditions.all[0]"
    assert failure.ref == "record.total_amount"
    assert failure.actual == 9500 and failure.expected == 10000
    assert failure.message == ("Total amount (record.total_amount = 9500) is at least 10000: no")


def test_explain_inside_any_points_at_first_alternative():
    result = Condition.compile(BIG_USD_OR_EXAMPLE, SCHEMA).explain(order(20000, "EUR"))
    failure = result.first_failure()
    assert failure.path == "conditions.all[1].any[0]"
    assert failure.message == 'Currency (record.currency = "EUR") is "USD": no'
    data = result.as_dict()
    assert data["matched"] is False
    assert [child["matched"] for child in data["children"]] == [True, False]


def test_explain_success_has_no_failure():
    result = Condition.compile(BIG_USD_OR_EXAMPLE, SCHEMA).explain(order(10000))
    assert result.matched and result.first_failure() is None


def test_unreadable_runtime_value_fails_the_leaf_with_a_reason():
    condition = Condition.compile({"ref": "amount", "op": "gt", "value": 1}, SCHEMA)
    result = condition.explain({"amount": "lots"})
    assert not result.matched
    assert result.message.startswith("amount could not be read: ")


@pytest.mark.parametrize(("data", "expected"), [
    ([], "conditions: expected a condition object, got a list"),
    ({"all": {}}, "conditions.all: expected a list of conditions, got an object"),
    ({"all": [], "any": []}, 'conditions: a group has exactly one key ("all", "any" or "not"), '
                             "found: all, any"),
    ({"every": []}, 'conditions: expected "all", "any", "not" or a comparison with "ref" and '
                    '"op", found: every'),
    ({"op": "eq", "value": 1}, 'conditions: a comparison needs a "ref" (the value to test)'),
    ({"ref": "amount"}, 'conditions: a comparison needs an "op" (operator) for amount'),
    ({"ref": "amount", "op": "gt"}, 'conditions: "gt" needs a "value" (Number)'),
    ({"ref": "amount", "op": "gt", "value": 1, "extra": 2},
     "conditions: unknown key(s) in a comparison: extra"),
    ({"ref": "amount", "op": "gt", "value": {"ref": "name"}},
     "conditions.value: name is String, but Number is needed here"),
    ({"ref": "amount", "op": "between", "value": [1]},
     "conditions.value: expected exactly 2 items, got 1"),
    ({"ref": "Record..x", "op": "eq", "value": 1},
     'conditions: "Record..x" is not a reference path such as record.total_amount'),
    ({"not": [1]}, "conditions.not: expected one condition object"),
])
def test_structure_errors_name_the_place(data, expected):
    with pytest.raises(InvalidDefinition) as caught:
        Condition.compile(data, SCHEMA)
    assert [str(error) for error in caught.value.errors] == [expected]


def test_compare_two_references():
    condition = Condition.compile({"ref": "record.total_amount", "op": "gt",
                                   "value": {"ref": "amount"}}, SCHEMA)
    assert condition.evaluate({"record": {"total_amount": 5}, "amount": 4})
    assert not condition.evaluate({"record": {"total_amount": 5}, "amount": 6})
    assert not condition.evaluate({"record": {"total_amount": 5}})


def test_deep_nesting_is_refused_not_crashing():
    data: dict = {"ref": "amount", "op": "is_set"}
    for _ in range(200):
        data = {"not": data}
    with pytest.raises(InvalidDefinition) as caught:
        Condition.compile(data, SCHEMA)
    assert "at most 32 levels" in str(caught.value)


def test_huge_condition_is_refused():
    data = {"any": [{"ref": "amount", "op": "is_set"}] * 2000}
    with pytest.raises(InvalidDefinition) as caught:
        Condition.compile(data, SCHEMA)
    assert "at most 1000 parts" in str(caught.value)


def test_a_condition_of_a_version_is_compiled_once_for_all_its_runs():
    from engine.conditions import compiled
    from engine.limits import Limits, use_limits_provider

    data = {"all": [{"ref": "amount", "op": "gt", "value": 5}]}
    first = compiled(data, SCHEMA)
    assert compiled(data, SCHEMA) is first
    assert compiled({"all": [{"ref": "amount", "op": "gt", "value": 5}]},
                    SCHEMA) is not first  # another tree (another version)
    previous = use_limits_provider(lambda: Limits(list_max_items=3))
    try:
        assert compiled(data, SCHEMA) is not first  # checked against other limits
    finally:
        use_limits_provider(previous)
    assert first.evaluate({"amount": 6}) is True
    assert first.evaluate({"amount": 4}) is False
