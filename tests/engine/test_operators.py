"""Operators through the public API: `Condition.compile(data, schema).evaluate(values)`,
on the edge values staff meet (unset, blank, mixed number forms, bounds, timezones,
case) and the type checks that refuse an operator a type does not offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Condition, InvalidDefinition, ScopeField, ScopeSchema, parse_type_spec
from engine.operators import EvalContext, Operator
from engine.types import (
    JSON,
    URL,
    ArrayType,
    Bool,
    Choice,
    DateTime,
    Duration,
    Email,
    Number,
    ObjectType,
    Phone,
    Record,
    String,
    Text,
    User,
    ValueType,
)

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
ABSENT = object()
STATUS = Choice([("new", "New"), ("paid", "Paid")])

CONTRACT_OPERATORS = {
    "eq", "ne", "gt", "gte", "lt", "lte", "between", "contains", "not_contains", "starts_with",
    "ends_with", "is_set", "is_not_set", "one_of", "not_one_of", "before", "after",
    "within_last", "older_than", "changed", "changed_from", "changed_to",
}


def leaf(value_type: ValueType, op: str, value: Any = ABSENT) -> Condition:
    schema = ScopeSchema([ScopeField("x", value_type, "X")])
    data: dict[str, Any] = {"ref": "x", "op": op}
    if value is not ABSENT:
        data["value"] = value
    return Condition.compile(data, schema)


def holds(value_type: ValueType, op: str, subject: Any, value: Any = ABSENT, *,
          now: datetime = NOW) -> bool:
    """Whether `x <op> value` holds when the scope value of `x` is `subject`."""
    values = {} if subject is ABSENT else {"x": subject}
    return leaf(value_type, op, value).evaluate(values, now=now)


def compile_error(value_type: ValueType, op: str, value: Any = ABSENT) -> str:
    with pytest.raises(InvalidDefinition) as caught:
        leaf(value_type, op, value)
    return str(caught.value)


class FakeRecord:
    def __init__(self, pk: Any) -> None:
        self.record_pk = pk

    def scope_child(self, name: str) -> Any:
        return None


# -- which type offers which operator ------------------------------------------

EVERY_TYPE = {"eq", "ne", "is_set", "is_not_set", "changed", "changed_from", "changed_to"}
MEMBERSHIP = {"one_of", "not_one_of"}
TEXT = {"contains", "not_contains", "starts_with", "ends_with"}
ORDERING = {"gt", "gte", "lt", "lte", "between"}
TEMPORAL = {"between", "before", "after", "within_last", "older_than"}


@pytest.mark.parametrize(("value_type", "extra"), [
    (Bool(), set()),
    (Number(), ORDERING | MEMBERSHIP),
    (Duration(), ORDERING),
    (DateTime(), TEMPORAL),
    (String(), TEXT | MEMBERSHIP),
    (Text(), TEXT | MEMBERSHIP),
    (Email(), TEXT | MEMBERSHIP),
    (Phone(), TEXT | MEMBERSHIP),
    (URL(), TEXT | MEMBERSHIP),
    (STATUS, MEMBERSHIP),
    (Record("demo.order"), MEMBERSHIP),
    (User(), MEMBERSHIP),
    (JSON(), {"contains", "not_contains", "gt", "gte", "lt", "lte", "between", "starts_with",
              "ends_with", "one_of"}),
    (ArrayType(Email()), {"contains", "not_contains"}),
], ids=lambda item: getattr(item, "spec", None) or "")
def test_each_type_offers_exactly_its_operators(value_type, extra):
    assert set(value_type.operators()) == EVERY_TYPE | extra


def test_every_contract_operator_is_offered_by_some_type():
    offered: set[str] = set()
    for value_type in (Bool(), Number(), Duration(), DateTime(), String(), STATUS, JSON(),
                       ArrayType(Email()), Record("demo.order")):
        offered |= set(value_type.operators())
    assert offered == CONTRACT_OPERATORS


@pytest.mark.parametrize(("value_type", "op", "value"), [
    (Email(), "gt", "a@example.com"),
    (String(), "gte", "b"),
    (Phone(), "lt", "+442071838750"),
    (STATUS, "lte", "new"),
    (Bool(), "between", [True, False]),
    (DateTime(), "gt", "2026-01-01T00:00:00Z"),
    (Number(), "contains", 1),
    (Duration(), "before", "P1D"),
    (Number(), "within_last", "P1D"),
    (Bool(), "one_of", [True]),
])
def test_an_operator_the_type_does_not_offer_is_refused_naming_both(value_type, op, value):
    message = compile_error(value_type, op, value)
    assert message.startswith(f'conditions: "{op}" is not an operator of {value_type.spec} (x); '
                              "it offers: ")
    offered = message.split("it offers: ")[1].split(", ")
    assert op not in offered
    assert "eq" in offered and "changed" not in offered  # no value before the change here


def test_ordering_is_offered_on_number_and_duration():
    assert holds(Number(), "gt", 5, 4)
    assert holds(Duration(), "gt", "2 hours", "90 minutes")


# -- eq / ne -------------------------------------------------------------------


@pytest.mark.parametrize("subject", [10000, 10000.0, "10000", "10000.00", " 1e4 ",
                                     Decimal("10000.000"), "10_000"])
@pytest.mark.parametrize("literal", [10000, 10000.0, "10000.00", "1E4"])
def test_number_eq_across_int_float_decimal_and_numeric_text(subject, literal):
    assert holds(Number(), "eq", subject, literal)
    assert not holds(Number(), "ne", subject, literal)


def test_number_floats_are_read_by_their_shortest_text():
    assert holds(Number(), "eq", 0.1, "0.1")
    assert holds(Number(), "eq", 0.1, 0.1)
    assert not holds(Number(), "eq", 0.1 + 0.2, "0.3")  # 0.30000000000000004
    # Beyond float precision: Decimals stay exact.
    assert holds(Number(), "gt", Decimal("10000.0000000000000000000000000001"), 10000)
    assert not holds(Number(), "eq", "10000.0000000000000000000000000001", 10000)


def test_unreadable_number_fails_every_operator_with_a_reason():
    condition = leaf(Number(), "ne", 5)
    result = condition.explain({"x": "12abc"}, now=NOW)
    assert not result.matched
    assert result.message == ('x could not be read: "12abc" is not a valid Number: expected a '
                              "number such as 12 or 12.50")
    assert not holds(Number(), "eq", True, 1)
    assert not holds(Number(), "ne", True, 1)


@pytest.mark.parametrize(("value_type", "literal"), [
    (Number(), 1), (String(), "a"), (Email(), "a@example.com"), (STATUS, "new"),
    (DateTime(), "2026-01-01T00:00:00Z"), (Bool(), False), (JSON(), 0),
    (Record("demo.order"), 1), (Duration(), "PT0S"),
], ids=lambda item: getattr(item, "spec", None) or repr(item))
@pytest.mark.parametrize("subject", [None, ABSENT], ids=["null", "missing"])
def test_unset_is_never_eq_and_always_ne(value_type, literal, subject):
    assert not holds(value_type, "eq", subject, literal)
    assert holds(value_type, "ne", subject, literal)


@pytest.mark.parametrize(("subject", "literal"), [
    (" ACME ", "acme"), ("Straße", "STRASSE"), ("ACME Ltd", "  acme ltd\t"),
])
def test_string_eq_ignores_case_and_surrounding_spaces(subject, literal):
    assert holds(String(), "eq", subject, literal)
    assert holds(Text(), "eq", subject, literal)
    assert not holds(String(), "ne", subject, literal)


def test_string_eq_keeps_inner_spaces_and_accents():
    assert not holds(String(), "eq", "ACME  Ltd", "acme ltd")
    assert not holds(String(), "eq", "café", "cafe")


def test_blank_text_is_unset_so_eq_blank_never_matches():
    # Use is_not_set to test for "no text": a blank subject is unset, and unset is not eq.
    assert not holds(String(), "eq", "", "")
    assert not holds(String(), "eq", "   ", "")
    assert holds(String(), "is_not_set", "   ")


def test_email_eq_ignores_case_in_both_parts():
    assert holds(Email(), "eq", "Ops@Example.COM", "ops@example.com")
    assert holds(Email(), "eq", " ops@example.com ", "OPS@EXAMPLE.COM")
    assert holds(Email(), "ne", "ops@example.com", "sales@example.com")


def test_phone_eq_compares_normalised_numbers():
    assert holds(Phone(), "eq", "+44 20 7183 8750", "0044 (20) 7183-8750")
    assert holds(Phone(), "starts_with", "+44 20 7183 8750", "+4420")


def test_choice_eq_is_exact_and_the_literal_must_be_an_option():
    assert holds(STATUS, "eq", "paid", "paid")
    assert holds(STATUS, "ne", "paid", "new")
    assert compile_error(STATUS, "eq", "Paid") == (
        'conditions.value: "Paid" is not one of the options: "new", "paid"')
    # A value outside the options at run time is unreadable: neither eq nor ne hold.
    result = leaf(STATUS, "ne", "new").explain({"x": "PAID"}, now=NOW)
    assert not result.matched
    assert result.message.startswith('x could not be read: "PAID" is not one of the options')


def test_url_eq_and_text_tests_are_exact():
    assert holds(URL(), "eq", "https://example.com/a", " https://example.com/a ")
    assert not holds(URL(), "eq", "https://Example.com/a", "https://example.com/a")
    assert not holds(URL(), "eq", "https://example.com/A", "https://example.com/a")
    assert not holds(URL(), "contains", "https://Example.com/a", "example.com")
    assert holds(URL(), "starts_with", "https://example.com/a", "https://")
    assert holds(URL(), "not_contains", "https://Example.com/a", "example.com")


def test_datetime_eq_compares_moments_across_timezones():
    assert holds(DateTime(), "eq", "2026-01-31T10:00:00+01:00", "2026-01-31T09:00:00Z")
    assert holds(DateTime(), "eq", datetime(2026, 1, 31, 4, tzinfo=timezone(timedelta(hours=-5))),
                 "2026-01-31T09:00:00Z")
    assert not holds(DateTime(), "ne", "2026-01-31T10:00:00+01:00", "2026-01-31T09:00:00Z")


def test_naive_datetime_at_run_time_is_unreadable():
    result = leaf(DateTime(), "eq", "2026-01-31T09:00:00Z").explain(
        {"x": datetime(2026, 1, 31, 9)}, now=NOW)
    assert not result.matched
    assert result.message.endswith("has no timezone (add Z or an offset such as +01:00)")
    assert compile_error(DateTime(), "eq", "2026-01-31T09:00:00") == (
        'conditions.value: "2026-01-31T09:00:00" is not a valid DateTime: has no timezone '
        "(add Z or an offset such as +01:00)")


def test_bool_eq_and_false_is_set():
    assert holds(Bool(), "eq", False, False)
    assert holds(Bool(), "eq", "yes", True)
    assert holds(Bool(), "is_set", False)
    assert not holds(Bool(), "eq", None, False)


def test_record_eq_compares_keys_as_text():
    order = Record("demo.order")
    assert holds(order, "eq", FakeRecord(7), "7")
    assert holds(order, "eq", 7, "7")
    assert holds(order, "ne", FakeRecord(7), 8)


def test_json_eq_is_plain_equality():
    assert holds(JSON(), "eq", [1, {"a": "b"}], [1, {"a": "b"}])
    assert not holds(JSON(), "eq", [1, 2], [2, 1])
    assert not holds(JSON(), "eq", "Shipped", "shipped")  # JSON text is compared exactly
    assert holds(JSON(), "eq", 1.0, 1)
    # An object without "ref" is a literal JSON object; with "ref" it is a reference.
    assert holds(JSON(), "eq", {"a": 1}, {"a": 1})
    assert not holds(JSON(), "eq", {"a": 1}, {"a": 2})
    assert compile_error(JSON(), "eq", {"ref": "x", "a": 1}) == (
        'conditions.value: a value is a literal or {"ref": PATH}; expected JSON')


# -- gt gte lt lte -------------------------------------------------------------


@pytest.mark.parametrize(("op", "below", "equal", "above"), [
    ("gt", False, False, True),
    ("gte", False, True, True),
    ("lt", True, False, False),
    ("lte", True, True, False),
])
def test_ordering_at_the_boundary(op, below, equal, above):
    assert holds(Number(), op, "9999.99", 10000) is below
    assert holds(Number(), op, "10000.00", 10000) is equal
    assert holds(Number(), op, 10000.01, "10000") is above
    assert holds(Duration(), op, "59 minutes", "PT1H") is below
    assert holds(Duration(), op, "60 min", "PT1H") is equal
    assert holds(Duration(), op, "P1D", "PT1H") is above


@pytest.mark.parametrize("op", ["gt", "gte", "lt", "lte"])
@pytest.mark.parametrize("subject", [None, ABSENT])
def test_ordering_on_unset_is_false_both_ways(op, subject):
    assert not holds(Number(), op, subject, 0)
    assert not holds(Duration(), op, subject, "PT0S")


def test_negative_numbers_and_zero_order_correctly():
    assert holds(Number(), "lt", -1, 0)
    assert holds(Number(), "gte", "-0", 0)
    assert holds(Number(), "gt", "-0.5", "-1")


def test_ordering_refuses_a_literal_of_the_wrong_type():
    assert compile_error(Number(), "gte", "lots") == (
        'conditions.value: "lots" is not a valid Number: expected a number such as 12 or 12.50')
    assert compile_error(Number(), "gte", True) == (
        "conditions.value: true is not a valid Number: expected a number, not true/false")
    assert compile_error(Number(), "gte", "NaN") == (
        'conditions.value: "NaN" is not a valid Number: must be a finite number')
    assert compile_error(Duration(), "gt", "P1M") == (
        'conditions.value: "P1M" is not a valid Duration: months and years have no fixed '
        "length; use days")


# -- between -------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [[10, 20], [20, 10], ["20.00", 10.0]])
def test_between_is_inclusive_and_takes_bounds_in_either_order(bounds):
    assert holds(Number(), "between", 10, bounds)
    assert holds(Number(), "between", "20.000", bounds)
    assert holds(Number(), "between", 15, bounds)
    assert not holds(Number(), "between", "9.999", bounds)
    assert not holds(Number(), "between", 20.0001, bounds)
    assert not holds(Number(), "between", None, bounds)


def test_between_equal_bounds_is_equality():
    assert holds(Number(), "between", 5, [5, 5])
    assert not holds(Number(), "between", 5.1, [5, 5])


def test_between_on_datetime_and_duration():
    bounds = ["2026-01-31T10:00:00+01:00", "2026-01-31T12:00:00Z"]
    assert holds(DateTime(), "between", "2026-01-31T09:00:00Z", bounds)  # = the first bound
    assert holds(DateTime(), "between", "2026-01-31T07:00:00-05:00", bounds)  # = 12:00Z
    assert not holds(DateTime(), "between", "2026-01-31T08:59:59Z", bounds)
    assert holds(Duration(), "between", "90 minutes", ["2 hours", "1 hour"])


@pytest.mark.parametrize(("value", "reason"), [
    ([1], "expected exactly 2 items, got 1"),
    ([1, 2, 3], "expected exactly 2 items, got 3"),
    (5, "5 is not a list of Number"),
    ([None, 10], "[0]: null is not a valid Number: expected a number"),
    ([1, "x"], '[1]: "x" is not a valid Number: expected a number such as 12 or 12.50'),
])
def test_between_needs_exactly_two_valid_bounds(value, reason):
    assert compile_error(Number(), "between", value) == f"conditions.value: {reason}"


# -- contains not_contains starts_with ends_with --------------------------------


@pytest.mark.parametrize(("op", "needle", "expected"), [
    ("contains", "acme", True),
    ("contains", " LTD ", True),
    ("contains", "inc", False),
    ("starts_with", "  Acme", True),
    ("starts_with", "ltd", False),
    ("ends_with", "LTD", True),
    ("ends_with", "acme", False),
])
def test_text_tests_ignore_case_and_surrounding_spaces(op, needle, expected):
    assert holds(String(), op, " ACME Ltd ", needle) is expected


def test_email_text_tests_take_plain_text_not_an_address():
    assert holds(Email(), "ends_with", "Ops@Example.com", "@EXAMPLE.COM")
    assert holds(Email(), "starts_with", "ops@example.com", "OPS@")
    assert holds(Email(), "contains", "ops@example.com", "example")
    assert holds(Email(), "not_contains", "ops@example.com", "acme")


@pytest.mark.parametrize("subject", [None, ABSENT, "", "   "])
@pytest.mark.parametrize(("op", "expected"), [
    ("contains", False), ("starts_with", False), ("ends_with", False), ("not_contains", True),
])
def test_text_tests_on_unset_or_blank_text(subject, op, expected):
    assert holds(String(), op, subject, "a") is expected


@pytest.mark.parametrize(("value_type", "literal"), [
    (Email(), "a@example.com"), (Phone(), "+442071838750"), (URL(), "https://example.com"),
], ids=["Email", "Phone", "URL"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_email_phone_url_are_unset_not_unreadable(value_type, literal, blank):
    # Django stores an empty EmailField/URLField as "": that is "not set".
    assert holds(value_type, "is_not_set", blank)
    assert not holds(value_type, "is_set", blank)
    assert holds(value_type, "ne", blank, literal)
    assert not holds(value_type, "eq", blank, literal)
    assert holds(value_type, "not_contains", blank, "zzz")
    assert holds(value_type, "not_one_of", blank, [literal])


def test_list_contains_compares_items_like_the_item_type():
    emails = parse_type_spec("Email[]")
    team = ["ops@example.com", "Sales@Example.com"]
    assert holds(emails, "contains", team, "OPS@example.com")
    assert holds(emails, "contains", team, "sales@example.com")
    assert not holds(emails, "contains", team, "ceo@example.com")
    assert holds(emails, "not_contains", team, "ceo@example.com")
    assert not holds(emails, "not_contains", team, "ops@example.com")
    for empty in ([], None):
        assert not holds(emails, "contains", empty, "ops@example.com")
        assert holds(emails, "not_contains", empty, "ops@example.com")
    assert compile_error(emails, "contains", "ops").startswith(
        'conditions.value: "ops" is not a valid Email')
    numbers = parse_type_spec("Number[]")
    assert holds(numbers, "contains", [1.5, "2"], "2.00")


def test_json_contains_keys_items_and_text():
    assert holds(JSON(), "contains", {"vip": True}, "vip")
    assert not holds(JSON(), "contains", {"vip": True}, "VIP")
    assert holds(JSON(), "contains", ["a", 2], 2)
    assert holds(JSON(), "contains", "order shipped", "shipped")
    assert not holds(JSON(), "contains", 42, 4)
    assert holds(JSON(), "not_contains", 42, 4)
    assert holds(JSON(), "not_contains", {}, "vip")  # empty JSON is unset


# -- is_set / is_not_set -------------------------------------------------------


@pytest.mark.parametrize(("value_type", "subject", "is_set"), [
    (String(), None, False),
    (String(), ABSENT, False),
    (String(), "", False),
    (String(), " \t\n", False),
    (String(), " x ", True),
    (Email(), "", False),
    (Number(), 0, True),
    (Number(), "0.00", True),
    (Bool(), False, True),
    (parse_type_spec("Email[]"), [], False),
    (parse_type_spec("Email[]"), ["a@example.com"], True),
    (JSON(), {}, False),
    (JSON(), [], False),
    (JSON(), "", False),
    (JSON(), 0, True),
    (JSON(), False, True),
    (Record("demo.order"), FakeRecord(1), True),
    (Duration(), "PT0S", True),
])
def test_is_set_and_is_not_set_are_opposites(value_type, subject, is_set):
    assert holds(value_type, "is_set", subject) is is_set
    assert holds(value_type, "is_not_set", subject) is not is_set


def test_presence_takes_no_value():
    assert compile_error(String(), "is_set", "x") == (
        'conditions.value: "is_set" takes no value; remove "value"')
    assert holds(String(), "is_set", "x", None)  # an explicit null is the same as none


# -- one_of / not_one_of -------------------------------------------------------


def test_one_of_on_text_ignores_case():
    assert holds(String(), "one_of", " usd", ["EUR", "USD"])
    assert not holds(String(), "one_of", "GBP", ["EUR", "USD"])
    assert holds(String(), "not_one_of", "GBP", ["EUR", "USD"])
    assert holds(Email(), "one_of", "OPS@example.com", ["ops@example.com"])


def test_one_of_on_numbers_compares_values():
    assert holds(Number(), "one_of", 2, [1, "2.0", 3.5])
    assert holds(Number(), "one_of", "3.50", [1, "2.0", 3.5])
    assert holds(Number(), "not_one_of", 4, [1, "2.0", 3.5])


def test_one_of_on_choice_is_exact_and_options_are_checked():
    assert holds(STATUS, "one_of", "paid", ["new", "paid"])
    assert not holds(STATUS, "one_of", "paid", ["new"])
    assert holds(STATUS, "not_one_of", "paid", ["new"])
    assert compile_error(STATUS, "one_of", ["new", "Paid"]) == (
        'conditions.value: [1]: "Paid" is not one of the options: "new", "paid"')


def test_one_of_on_records_compares_keys():
    assert holds(Record("demo.order"), "one_of", FakeRecord(7), [1, "7"])
    assert holds(Record("demo.order"), "not_one_of", FakeRecord(7), [1, 2])


@pytest.mark.parametrize("subject", [None, ABSENT, "  "])
def test_one_of_on_unset_is_false_and_not_one_of_true(subject):
    assert not holds(String(), "one_of", subject, ["a"])
    assert holds(String(), "not_one_of", subject, ["a"])


@pytest.mark.parametrize(("value", "reason"), [
    ([], "expected at least 1 items, got 0"),
    ("paid", '"paid" is not a list of Choice[new,paid]'),
    ([None], "[0]: null is not one of the options: \"new\", \"paid\""),
])
def test_one_of_needs_a_non_empty_list(value, reason):
    assert compile_error(STATUS, "one_of", value) == f"conditions.value: {reason}"


# -- before / after ------------------------------------------------------------


def test_before_and_after_compare_moments_across_timezones():
    ten_paris = "2026-01-31T10:00:00+01:00"  # 09:00Z
    assert holds(DateTime(), "before", ten_paris, "2026-01-31T09:30:00Z")
    assert not holds(DateTime(), "after", ten_paris, "2026-01-31T09:30:00Z")
    assert holds(DateTime(), "after", ten_paris, "2026-01-31T08:59:59Z")
    # The same moment is neither before nor after.
    assert not holds(DateTime(), "before", ten_paris, "2026-01-31T09:00:00Z")
    assert not holds(DateTime(), "after", ten_paris, "2026-01-31T04:00:00-05:00")


@pytest.mark.parametrize("op", ["before", "after", "within_last", "older_than"])
@pytest.mark.parametrize("subject", [None, ABSENT])
def test_temporal_operators_on_unset_are_false(op, subject):
    value = "P1D" if op in {"within_last", "older_than"} else "2026-01-01T00:00:00Z"
    assert not holds(DateTime(), op, subject, value)


# -- within_last / older_than --------------------------------------------------


def test_within_last_and_older_than_at_the_boundary():
    boundary = NOW - timedelta(days=2)
    assert holds(DateTime(), "within_last", boundary, "2 days")
    assert not holds(DateTime(), "older_than", boundary, "2 days")
    just_before = boundary - timedelta(microseconds=1)
    assert not holds(DateTime(), "within_last", just_before, "P2D")
    assert holds(DateTime(), "older_than", just_before, "P2D")
    assert holds(DateTime(), "within_last", NOW, "P2D")
    assert holds(DateTime(), "within_last", NOW, "0 seconds")


def test_future_moments_are_neither_within_last_nor_older_than():
    future = NOW + timedelta(seconds=1)
    assert not holds(DateTime(), "within_last", future, "P2D")
    assert not holds(DateTime(), "older_than", future, "P2D")


def test_within_last_reads_subjects_in_any_timezone():
    # 12:30+01:00 is 11:30Z: thirty minutes before NOW (12:00Z).
    assert holds(DateTime(), "within_last", "2026-01-31T12:30:00+01:00", "30 minutes")
    assert not holds(DateTime(), "within_last", "2026-01-31T12:30:00+01:00", "29 minutes")
    assert holds(DateTime(), "older_than", "2026-01-31T12:30:00+01:00", "29 minutes")


def test_within_last_takes_a_duration():
    assert compile_error(DateTime(), "within_last", "P1M") == (
        'conditions.value: "P1M" is not a valid Duration: months and years have no fixed '
        "length; use days")
    assert compile_error(DateTime(), "older_than", 3600).startswith(
        "conditions.value: 3600 is not a valid Duration")


# -- changed / changed_from / changed_to ---------------------------------------


def change_condition(value_type: ValueType, op: str, value: Any = ABSENT) -> Condition:
    schema = ScopeSchema([
        ScopeField("record", ObjectType([ScopeField("x", value_type)], type_name="Order")),
        ScopeField("previous", ObjectType([ScopeField("x", value_type)], type_name="Before")),
    ], before_change={"record": "previous"})
    data: dict[str, Any] = {"ref": "record.x", "op": op}
    if value is not ABSENT:
        data["value"] = value
    return Condition.compile(data, schema)


def changes(value_type: ValueType, op: str, current: Any, before: Any = ABSENT,
            value: Any = ABSENT) -> bool:
    """Evaluate `record.x <op> value` with `previous.x` = `before` (ABSENT: the values
    carry no `previous` at all)."""
    values: dict[str, Any] = {"record": {"x": current}}
    if before is not ABSENT:
        values["previous"] = {"x": before}
    return change_condition(value_type, op, value).evaluate(values, now=NOW)


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("changed", ABSENT, True),
    ("changed_from", "new", True),
    ("changed_from", "paid", False),
    ("changed_to", "paid", True),
    ("changed_to", "new", False),
])
def test_changed_with_a_previous_value(op, value, expected):
    assert changes(STATUS, op, "paid", "new", value) is expected
    # Nothing changed: every change test is false.
    assert not changes(STATUS, op, "paid", "paid", value)
    assert not changes(STATUS, op, "new", "new", value)


@pytest.mark.parametrize(("op", "value"), [
    ("changed", ABSENT), ("changed_from", "new"), ("changed_to", "paid"),
])
def test_without_previous_in_the_values_nothing_changed(op, value):
    assert not changes(STATUS, op, "paid", ABSENT, value)


@pytest.mark.parametrize(("value_type", "previous", "current", "other"), [
    (STATUS, {"x": None}, "paid", "new"),
    (STATUS, {}, "paid", "new"),
    (String(), {"x": "  "}, "paid", "new"),
    (Email(), {"x": ""}, "paid@example.com", "new@example.com"),
], ids=["null", "missing", "blank text", "blank email"])
def test_changed_from_unset_previous(value_type, previous, current, other):
    values = {"record": {"x": current}, "previous": previous}
    assert change_condition(value_type, "changed").evaluate(values, now=NOW)
    assert change_condition(value_type, "changed_to", current).evaluate(values, now=NOW)
    assert not change_condition(value_type, "changed_from", other).evaluate(values, now=NOW)


def test_changed_to_unset():
    assert changes(STATUS, "changed", None, "paid")
    assert changes(STATUS, "changed_from", None, "paid", "paid")
    assert not changes(STATUS, "changed_to", None, "paid", "paid")
    assert not changes(STATUS, "changed", None, None)
    assert not changes(STATUS, "changed_to", None, None, "paid")


@pytest.mark.parametrize(("value_type", "before", "after"), [
    (String(), None, ""), (String(), "", None), (String(), None, "  "),
    (parse_type_spec("Email[]"), None, []), (JSON(), {}, None),
])
def test_unset_to_unset_is_not_a_change(value_type, before, after):
    # A form saving "" over NULL changes nothing a person can see.
    assert not changes(value_type, "changed", after, before)


def test_unset_to_set_and_back_are_changes():
    assert changes(String(), "changed", "x", "")
    assert changes(String(), "changed", "", "x")
    assert changes(parse_type_spec("Email[]"), "changed", ["a@example.com"], [])


def test_changed_compares_like_eq():
    assert not changes(String(), "changed", "ACME ", "acme")  # case and spaces only
    assert changes(String(), "changed", "ACME Ltd", "acme")
    assert not changes(Number(), "changed", "10000.00", 10000)
    assert not changes(DateTime(), "changed", "2026-01-31T10:00:00+01:00", "2026-01-31T09:00:00Z")
    assert changes(Email(), "changed_to", "ops@example.com", "", "OPS@example.com")


def test_change_operators_need_a_field_with_a_previous_value():
    message = compile_error(STATUS, "changed")
    assert message == ('conditions: "changed" compares with the value before the change; '
                       "this trigger keeps no values from before the change")
    # A root called "previous" means nothing by itself: the trigger declares the pair.
    undeclared = ScopeSchema([
        ScopeField("record", ObjectType([ScopeField("x", STATUS)])),
        ScopeField("previous", ObjectType([ScopeField("x", STATUS)]))])
    with pytest.raises(InvalidDefinition, match="keeps no values from before the change"):
        Condition.compile({"ref": "record.x", "op": "changed_to", "value": "paid"}, undeclared)
    declared = ScopeSchema([
        ScopeField("item", ObjectType([ScopeField("x", STATUS)])),
        ScopeField("earlier", ObjectType([ScopeField("x", STATUS)])),
        ScopeField("other", ObjectType([ScopeField("x", STATUS)]))],
        before_change={"item": "earlier"})
    assert Condition.compile({"ref": "item.x", "op": "changed_to", "value": "paid"}, declared
                             ).evaluate({"item": {"x": "paid"}, "earlier": {"x": "new"}})
    with pytest.raises(InvalidDefinition, match=r"only item\.\* fields have one, and other\.x "
                                                "is not one"):
        Condition.compile({"ref": "other.x", "op": "changed"}, declared)


def test_changed_takes_no_value_and_changed_to_needs_one():
    with pytest.raises(InvalidDefinition, match='"changed" takes no value; remove "value"'):
        change_condition(STATUS, "changed", "paid")
    with pytest.raises(InvalidDefinition, match=r'"changed_to" needs a "value" \(Choice'):
        change_condition(STATUS, "changed_to")


# -- comparing a reference with another reference ------------------------------

PAIR = ScopeSchema([
    ScopeField("a", Number()), ScopeField("b", Number()), ScopeField("name", String()),
    ScopeField("email", Email()), ScopeField("wait", Duration()),
    ScopeField("when", DateTime()),
])


def test_ref_against_ref():
    condition = Condition.compile({"ref": "a", "op": "gt", "value": {"ref": "b"}}, PAIR)
    assert condition.evaluate({"a": "10.5", "b": 10}, now=NOW)
    assert not condition.evaluate({"a": 10, "b": "10.00"}, now=NOW)
    assert not condition.evaluate({"a": 10}, now=NOW)  # b unset
    ne = Condition.compile({"ref": "a", "op": "ne", "value": {"ref": "b"}}, PAIR)
    assert ne.evaluate({"a": 10}, now=NOW)
    within = Condition.compile({"ref": "when", "op": "within_last", "value": {"ref": "wait"}},
                               PAIR)
    assert within.evaluate({"when": NOW - timedelta(hours=1), "wait": "2 hours"}, now=NOW)
    assert not within.evaluate({"when": NOW - timedelta(hours=3), "wait": "2 hours"}, now=NOW)


@pytest.mark.parametrize(("data", "message"), [
    ({"ref": "a", "op": "gt", "value": {"ref": "name"}},
     "conditions.value: name is String, but Number is needed here"),
    ({"ref": "email", "op": "eq", "value": {"ref": "name"}},
     "conditions.value: name is String, but Email is needed here"),
    ({"ref": "when", "op": "within_last", "value": {"ref": "a"}},
     "conditions.value: a is Number, but Duration is needed here"),
    ({"ref": "a", "op": "gt", "value": {"ref": "missing"}},
     'conditions.value: "missing" is not in scope (available: a, b, email, name, wait, when)'),
    ({"ref": "a", "op": "gt", "value": {"ref": "b", "op": "eq"}},
     'conditions.value: a value is a literal or {"ref": PATH}; expected Number'),
])
def test_ref_against_ref_of_the_wrong_type_is_refused(data, message):
    with pytest.raises(InvalidDefinition) as caught:
        Condition.compile(data, PAIR)
    assert [str(error) for error in caught.value.errors] == [message]


def test_a_text_field_may_be_compared_with_an_email_field_but_not_the_reverse():
    condition = Condition.compile({"ref": "name", "op": "eq", "value": {"ref": "email"}}, PAIR)
    assert condition.evaluate({"name": "OPS@example.com", "email": "ops@example.com"})
    contains = Condition.compile({"ref": "email", "op": "contains", "value": {"ref": "name"}},
                                 PAIR)
    assert contains.evaluate({"name": "Ops", "email": "ops@example.com"})


# -- operators registered by a project -----------------------------------------


class HasDigits(Operator):
    name = "has_digits"
    label = "has digits"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return None

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return any(ch.isdigit() for ch in subject)


def test_an_operator_registered_on_string_is_inherited_by_its_subtypes():
    String.register_operator(HasDigits)
    try:
        for subtype in (String(), Text(), Email(), Phone(), URL()):
            assert "has_digits" in subtype.operators()
        assert holds(Email(), "has_digits", "ops2@example.com")
        assert not holds(Email(), "has_digits", "ops@example.com")
        assert holds(Phone(), "has_digits", "+442071838750")
        assert not holds(Email(), "has_digits", None)  # unset never reaches `test`
        assert "has_digits" not in Number().operators()
        assert "has_digits" not in STATUS.operators()
        assert compile_error(Number(), "has_digits").startswith(
            'conditions: "has_digits" is not an operator of Number')
    finally:
        String.unregister_operator("has_digits")
    assert "has_digits" not in Email().operators()
    assert compile_error(Email(), "has_digits").startswith(
        'conditions: "has_digits" is not an operator of Email')


# -- properties ----------------------------------------------------------------

numbers = st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False,
                      allow_infinity=False, places=4)
maybe_numbers = st.none() | numbers
number_forms = st.one_of(
    numbers, numbers.map(str), numbers.map(float), st.integers(-10**12, 10**12),
)


@given(number_forms, number_forms)
def test_gte_is_the_negation_of_lt_and_gt_of_lte_for_set_numbers(a, b):
    assert holds(Number(), "gte", a, b) is not holds(Number(), "lt", a, b)
    assert holds(Number(), "gt", a, b) is not holds(Number(), "lte", a, b)
    assert holds(Number(), "gte", a, b) is (Number().parse(a) >= Number().parse(b))


@given(maybe_numbers, numbers)
def test_ne_is_the_negation_of_eq_even_when_unset(a, b):
    assert holds(Number(), "ne", a, b) is not holds(Number(), "eq", a, b)


@given(maybe_numbers, st.lists(numbers, min_size=1, max_size=4))
def test_not_one_of_is_the_negation_of_one_of(a, options):
    assert holds(Number(), "not_one_of", a, options) is not holds(Number(), "one_of", a, options)


@given(numbers, numbers, numbers)
def test_between_ignores_bound_order_and_includes_both_bounds(x, low, high):
    forward = holds(Number(), "between", x, [low, high])
    assert forward is holds(Number(), "between", x, [high, low])
    assert forward is (min(low, high) <= x <= max(low, high))
    assert holds(Number(), "between", low, [low, high])


@given(st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, allow_infinity=False))
def test_number_text_and_decimal_forms_are_equal(value):
    assert holds(Number(), "eq", str(value), value)
    assert holds(Number(), "eq", value, str(value))


@given(st.one_of(st.none(), st.text(max_size=12)), st.text(min_size=1, max_size=4))
def test_not_contains_is_the_negation_of_contains(subject, needle):
    assert holds(String(), "not_contains", subject, needle) is not holds(
        String(), "contains", subject, needle)


@given(st.text(max_size=12), st.text(max_size=12))
def test_string_eq_is_casefolded_and_stripped(a, b):
    expected = bool(a.strip()) and a.strip().casefold() == b.strip().casefold()
    assert holds(String(), "eq", a, b) is expected


@given(st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
       st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                        timezone(timedelta(hours=-8))]))
def test_past_moments_are_within_last_or_older_than_never_both(age, window, zone):
    moment = (NOW - age).astimezone(zone)
    within = holds(DateTime(), "within_last", moment, window)
    older = holds(DateTime(), "older_than", moment, window)
    if moment > NOW:
        assert not within and not older
    else:
        assert within is not older
        assert within is (age <= window)


def test_json_values_compare_as_numbers_or_text():
    assert holds(JSON(), "gte", 150, 100)
    assert holds(JSON(), "gte", "100.00", 100)  # numeric text reads as a number
    assert not holds(JSON(), "gt", "lots", 1)
    assert not holds(JSON(), "gt", {"amount": 5}, 1)
    assert not holds(JSON(), "gt", True, 0)  # true is not the number 1 here
    assert holds(JSON(), "between", 5, [10, 1])
    assert holds(JSON(), "starts_with", "GOLD-42", "gold")
    assert not holds(JSON(), "starts_with", ["gold"], "gold")
    assert holds(JSON(), "one_of", "gold", ["silver", "gold"])
    assert not holds(JSON(), "one_of", 1, [True])
