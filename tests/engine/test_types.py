"""Value types: what each reads, what it refuses (and why), how values serialise and
which input a form renders for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine import ValueParseError, parse_type_spec
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
    Phone,
    Record,
    String,
    Text,
    User,
    type_registry,
)


def reason(value_type, raw) -> str:
    with pytest.raises(ValueParseError) as caught:
        value_type.parse(raw)
    return caught.value.reason


# -- Bool ----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), (False, False), ("yes", True), (" TRUE ", True), ("on", True), ("1", True),
    ("no", False), ("False", False), ("off", False), ("0", False),
])
def test_bool_reads_booleans_and_words(raw, expected):
    assert Bool().parse(raw) is expected


@pytest.mark.parametrize(("raw", "shown"), [
    (1, "1"), (0, "0"), ("maybe", '"maybe"'), ("", '""'), (None, "null"), ([True], "a list"),
])
def test_bool_refuses_numbers_and_other_words(raw, shown):
    assert reason(Bool(), raw) == f"{shown} is not a valid Bool: expected true or false"


def test_bool_display_and_input():
    assert [Bool().to_display(value) for value in (True, False, None)] == ["yes", "no", ""]
    assert Bool().input_spec()["widget"] == "checkbox"
    assert Bool().input_spec()["options"] == [{"value": True, "label": "Yes"},
                                              {"value": False, "label": "No"}]


# -- Number --------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (12, Decimal(12)),
    (-3, Decimal(-3)),
    ("12.50", Decimal("12.50")),
    (" 1_000 ", Decimal(1000)),
    ("1e3", Decimal(1000)),
    ("-0.5", Decimal("-0.5")),
    (Decimal("7.25"), Decimal("7.25")),
    (2.5, Decimal("2.5")),
])
def test_number_reads_ints_decimals_floats_and_numeric_text(raw, expected):
    value = Number().parse(raw)
    assert isinstance(value, Decimal)
    assert value == expected


def test_number_reads_floats_through_their_shortest_text():
    assert Number().parse(0.1) == Decimal("0.1")
    binary = Decimal.from_float(0.1)  # 0.1000000000000000055511151231257827...
    assert Number().parse(0.1) != binary
    assert str(Number().parse(0.1)) == "0.1"
    # A float sum that is not 0.3 stays not 0.3: the float's own digits are kept.
    assert Number().parse(0.1 + 0.2) == Decimal("0.30000000000000004")


def test_number_keeps_trailing_zeros_but_compares_by_value():
    value = Number().parse("10000.00")
    assert str(value) == "10000.00"
    assert value == 10000
    assert value == Number().parse(10000)


@pytest.mark.parametrize(("raw", "expected"), [
    ("12abc", '"12abc" is not a valid Number: expected a number such as 12 or 12.50'),
    ("1,000", '"1,000" is not a valid Number: expected a number such as 12 or 12.50'),
    ("", '"" is not a valid Number: expected a number such as 12 or 12.50'),
    ("   ", '"   " is not a valid Number: expected a number such as 12 or 12.50'),
    (True, "true is not a valid Number: expected a number, not true/false"),
    (False, "false is not a valid Number: expected a number, not true/false"),
    (float("nan"), "nan is not a valid Number: must be a finite number"),
    (float("inf"), "inf is not a valid Number: must be a finite number"),
    (float("-inf"), "-inf is not a valid Number: must be a finite number"),
    ("NaN", '"NaN" is not a valid Number: must be a finite number'),
    ("Infinity", '"Infinity" is not a valid Number: must be a finite number'),
    (Decimal("NaN"), "Decimal is not a valid Number: must be a finite number"),
    (None, "null is not a valid Number: expected a number"),
    ([1], "a list is not a valid Number: expected a number"),
    ({"amount": 1}, "an object is not a valid Number: expected a number"),
])
def test_number_refusals_say_why(raw, expected):
    assert reason(Number(), raw) == expected


@pytest.mark.parametrize("raw", ["1e999999999", "1e-999999999", "1e1000", "1e-1001",
                                 Decimal("1E+5000")])
def test_number_refuses_absurd_magnitudes_that_would_print_as_huge_text(raw):
    assert reason(Number(), raw).endswith(
        "has more than 1000 digits before or after the decimal point")


def test_number_accepts_the_largest_and_smallest_floats():
    assert Number().parse(1.7976931348623157e308) == Decimal("1.7976931348623157E+308")
    assert Number().parse(5e-324) == Decimal("5E-324")


def test_number_parse_value_passes_unset_through():
    assert Number().parse_value(None) is None


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("10000.00"), 10000),
    (Decimal("1E+3"), 1000),
    (Decimal("-7"), -7),
    (Decimal("12.50"), "12.50"),
    (Decimal("0.1"), "0.1"),
    (Decimal(2**53 - 1), 2**53 - 1),
    (Decimal(2**53), str(2**53)),  # beyond what a JavaScript number holds exactly
])
def test_number_to_json_is_an_int_when_whole_else_exact_text(value, expected):
    serialised = Number().to_json(value)
    assert serialised == expected
    assert type(serialised) is type(expected)
    assert Number().parse(serialised) == value


def test_number_display_writes_plain_digits():
    assert Number().to_display(Decimal("1E+3")) == "1000"
    assert Number().to_display(Decimal("12.50")) == "12.50"
    assert Number().to_display(None) == ""
    assert Number().input_spec()["widget"] == "number"


# -- String and Text -----------------------------------------------------------


def test_string_keeps_text_as_written():
    assert String().parse("  ACME Ltd ") == "  ACME Ltd "
    assert String().parse("") == ""


@pytest.mark.parametrize(("raw", "expected"), [
    (12, "12 is not a valid String: expected text"),
    (None, "null is not a valid String: expected text"),
    (["a"], "a list is not a valid String: expected text"),
    ("x" * 10_001, '"' + "x" * 57 + '..." is not a valid String: longer than 10000 characters'),
])
def test_string_refusals(raw, expected):
    assert reason(String(), raw) == expected


def test_string_blank_counts_as_unset_and_compares_folded():
    assert String().is_empty("   ")
    assert String().is_empty(None)
    assert not String().is_empty(" a ")
    assert String().comparable("  Straße ") == String().comparable("STRASSE")


def test_text_is_a_multiline_template_with_a_larger_limit():
    assert Text().parse("Hello {{ record.number }}\nBye") == "Hello {{ record.number }}\nBye"
    assert Text().parse("x" * 100_000)
    assert reason(Text(), "x" * 100_001).endswith("longer than 100000 characters")
    assert Text.is_template and not String.is_template
    assert Text().input_spec()["widget"] == "template"
    assert String().input_spec()["widget"] == "text"


# -- Email ---------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("ops@example.com", "ops@example.com"),
    ("  Ops.Team@Example.COM ", "Ops.Team@example.com"),  # domain lower-cased, local kept
    ("first+tag@sub.example.co.uk", "first+tag@sub.example.co.uk"),
])
def test_email_reads_addresses(raw, expected):
    assert Email().parse(raw) == expected


@pytest.mark.parametrize("raw", ["ops", "ops@", "@example.com", "ops@example", "ops@example.c",
                                 "ops @example.com", "ops@exa_mple.com", "a@b@example.com",
                                 "", "x" * 250 + "@example.com"])
def test_email_refuses_what_is_not_an_address(raw):
    assert reason(Email(), raw).endswith(
        "is not a valid Email: expected an address such as name@example.com")


def test_email_refuses_non_text_and_renders_an_email_input():
    assert reason(Email(), 12) == "12 is not a valid Email: expected an e-mail address"
    assert Email().input_spec() == {"widget": "email", "placeholder": "name@example.com",
                                    "help": ""}


# -- Phone ---------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("+442071838750", "+442071838750"),
    ("+44 20 7183 8750", "+442071838750"),
    ("0044 (20) 7183-8750", "+442071838750"),
    (" +1.415.555.0100 ", "+14155550100"),
])
def test_phone_reads_international_numbers_into_e164(raw, expected):
    assert Phone().parse(raw) == expected


@pytest.mark.parametrize(("raw", "why"), [
    ("+44 12", "has 4 digits; an E.164 number has 8 to 15"),
    ("+1234567890123456", "has 16 digits; an E.164 number has at most 15"),
    ("020 7183 8750", "must start with + and the country code"),
    ("+44 20 ABCD 8750", "may only contain digits after the +"),
    ("+0442071838750", "country codes do not start with 0"),
    (442071838750, "expected a phone number in international form"),
])
def test_phone_refusals_say_why(raw, why):
    assert reason(Phone(), raw).endswith(f"is not a valid Phone: {why}")


def test_phone_input_is_tel():
    assert Phone().input_spec()["widget"] == "tel"


# -- URL -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://example.com/hook", "https://example.com/hook"),
    (" http://example.com:8080/a?b=c ", "http://example.com:8080/a?b=c"),
    ("HTTPS://Example.com/Path", "HTTPS://Example.com/Path"),  # kept exactly as written
])
def test_url_reads_http_and_https(raw, expected):
    assert URL().parse(raw) == expected


@pytest.mark.parametrize(("raw", "why"), [
    ("ftp://example.com/file", "must start with http:// or https://"),
    ("example.com", "must start with http:// or https://"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("https://", "has no host name"),
    ("https://exa mple.com", "may not contain spaces"),
    ("http://example.com:0/", "port 0 is not allowed"),
    ("http://example.com:99999/", "Port out of range 0-65535"),
    ("https://example.com/" + "a" * 2048, "longer than 2048 characters"),
    (42, "expected a web address"),
])
def test_url_refusals_say_why(raw, why):
    assert reason(URL(), raw).endswith(f"is not a valid URL: {why}")


def test_url_input_is_url():
    assert URL().input_spec()["widget"] == "url"


# -- DateTime ------------------------------------------------------------------


def test_datetime_reads_iso_text_with_z_or_offset():
    assert DateTime().parse("2026-01-31T09:00:00Z") == datetime(2026, 1, 31, 9, tzinfo=UTC)
    moment = DateTime().parse(" 2026-01-31T10:00:00+01:00 ")
    assert moment.utcoffset() == timedelta(hours=1)
    assert moment == datetime(2026, 1, 31, 9, tzinfo=UTC)  # the same moment


def test_datetime_reads_aware_datetimes_as_they_are():
    moment = datetime(2026, 1, 31, 9, tzinfo=timezone(timedelta(hours=-5)))
    assert DateTime().parse(moment) is moment


@pytest.mark.parametrize("raw", [datetime(2026, 1, 31, 9), "2026-01-31T09:00:00", "2026-01-31"])
def test_datetime_refuses_moments_without_a_timezone(raw):
    assert reason(DateTime(), raw).endswith(
        "is not a valid DateTime: has no timezone (add Z or an offset such as +01:00)")


@pytest.mark.parametrize(("raw", "why"), [
    ("tomorrow", "expected a date and time such as 2026-01-31T09:00:00Z"),
    ("", "expected a date and time such as 2026-01-31T09:00:00Z"),
    ("2026-02-30T09:00:00Z", "expected a date and time such as 2026-01-31T09:00:00Z"),
    (1767171600, "expected a date and time"),
])
def test_datetime_refusals_say_why(raw, why):
    assert reason(DateTime(), raw).endswith(f"is not a valid DateTime: {why}")


def test_datetime_to_json_is_isoformat_keeping_the_offset_and_round_trips():
    moment = DateTime().parse("2026-01-31T10:00:00+01:00")
    assert DateTime().to_json(moment) == "2026-01-31T10:00:00+01:00"
    assert DateTime().to_json(DateTime().parse("2026-01-31T09:00:00Z")) == \
        "2026-01-31T09:00:00+00:00"
    again = DateTime().parse(DateTime().to_json(moment))
    assert again == moment and again.utcoffset() == moment.utcoffset()
    assert DateTime().to_json(None) is None
    assert DateTime().input_spec()["widget"] == "datetime"


# -- Duration ------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("2 days", timedelta(days=2)),
    ("1 hour 30 minutes", timedelta(minutes=90)),
    ("1 hour and 30 minutes", timedelta(minutes=90)),
    ("2 days, 3 hours", timedelta(days=2, hours=3)),
    ("90 min", timedelta(minutes=90)),
    ("90min", timedelta(minutes=90)),
    ("1.5 hours", timedelta(minutes=90)),
    ("1 week", timedelta(weeks=1)),
    ("45s", timedelta(seconds=45)),
    ("P2D", timedelta(days=2)),
    ("PT1H30M", timedelta(minutes=90)),
    ("pt90m", timedelta(minutes=90)),
    ("P1W", timedelta(weeks=1)),
    ("P1DT0.5S", timedelta(days=1, seconds=0.5)),
    ("0 seconds", timedelta(0)),
    (timedelta(hours=2), timedelta(hours=2)),
])
def test_duration_reads_words_and_iso_8601(raw, expected):
    assert Duration().parse(raw) == expected


@pytest.mark.parametrize(("raw", "why"), [
    ("P1M", "months and years have no fixed length; use days"),
    ("P1Y2D", "months and years have no fixed length; use days"),
    ("P", "is not an ISO 8601 duration such as P2D or PT1H30M"),
    ("PT", "is not an ISO 8601 duration such as P2D or PT1H30M"),
    ("P1DT", "is not an ISO 8601 duration such as P2D or PT1H30M"),
    ("P1.5D", "is not an ISO 8601 duration such as P2D or PT1H30M"),
    ("3 fortnights", 'unknown unit "fortnights" (use seconds, minutes, hours, days or weeks)'),
    ("2 months", 'unknown unit "months" (use seconds, minutes, hours, days or weeks)'),
    ("soon", 'expected something like "2 days" or "1 hour 30 minutes"'),
    ("-2 days", 'expected something like "2 days" or "1 hour 30 minutes"'),
    ("", 'expected text such as "2 days" or "PT90M"'),
    (90, 'expected text such as "2 days" or "PT90M"'),
    (timedelta(seconds=-1), "may not be negative"),
    ("3651 days", "longer than ten years"),
])
def test_duration_refusals_say_why(raw, why):
    assert reason(Duration(), raw).endswith(f"is not a valid Duration: {why}")


@pytest.mark.parametrize(("value", "iso"), [
    (timedelta(minutes=90), "PT1H30M"),
    (timedelta(days=2), "P2D"),
    (timedelta(weeks=1), "P7D"),
    (timedelta(days=1, hours=2, minutes=3, seconds=4), "P1DT2H3M4S"),
    (timedelta(seconds=1.5), "PT1.5S"),
    (timedelta(0), "PT0S"),
])
def test_duration_to_json_is_iso_8601_and_round_trips(value, iso):
    assert Duration().to_json(value) == iso
    assert Duration().parse(iso) == value


def test_duration_display_and_input():
    assert Duration().to_display(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert Duration().to_display(timedelta(days=1, seconds=1)) == "1 day 1 second"
    assert Duration().to_display(timedelta(0)) == "0 seconds"
    assert Duration().input_spec()["widget"] == "duration"


# -- Choice --------------------------------------------------------------------


def status_choice() -> Choice:
    return parse_type_spec({"type": "Choice", "options": [
        {"value": "new", "label": "New"}, {"value": "paid", "label": "Paid"}]})


def test_choice_reads_its_option_values_exactly():
    assert status_choice().parse("paid") == "paid"
    assert status_choice().spec == "Choice[new,paid]"


@pytest.mark.parametrize(("raw", "shown"), [
    ("Paid", '"Paid"'), (" paid", '" paid"'), ("refunded", '"refunded"'), (None, "null"),
])
def test_choice_refuses_unknown_options_listing_the_valid_ones(raw, shown):
    assert reason(status_choice(), raw) == f'{shown} is not one of the options: "new", "paid"'


def test_choice_with_number_options_reads_their_text_form():
    sizes = parse_type_spec({"type": "Choice", "options": [1, 2, 3]})
    assert sizes.parse(2) == 2
    assert sizes.parse("2") == 2
    assert reason(sizes, True) == "true is not one of the options: 1, 2, 3"


def test_choice_input_is_a_select_with_labelled_options():
    assert status_choice().input_spec() == {
        "widget": "select", "placeholder": "", "help": "",
        "options": [{"value": "new", "label": "New"}, {"value": "paid", "label": "Paid"}],
    }


@pytest.mark.parametrize(("spec", "expected"), [
    ("Choice", 'a Choice needs a non-empty list of "options"'),
    ({"type": "Choice", "options": []}, 'a Choice needs a non-empty list of "options"'),
    ({"type": "Choice", "options": "new,paid"}, 'a Choice needs a non-empty list of "options"'),
    ({"type": "Choice", "options": ["new", True]},
     "options[1]: an option must be text or a whole number"),
    ({"type": "Choice", "options": [1.5]}, "options[0]: an option must be text or a whole number"),
])
def test_choice_spec_errors(spec, expected):
    with pytest.raises(ValueParseError) as caught:
        parse_type_spec(spec)
    assert caught.value.reason == expected


# -- JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    {"a": [1, 2.5, "x", None, True, {"b": {}}]}, [], "text", 0, None, False,
])
def test_json_reads_any_json_value(raw):
    assert JSON().parse(raw) == raw


@pytest.mark.parametrize(("raw", "shown"), [
    ({1, 2}, "set"),
    (float("nan"), "nan"),
    ([1, float("nan")], "a list"),
    ({"total": float("inf")}, "an object"),
    ({1: "one"}, "an object"),
    ((1, 2), "tuple"),
    (Decimal("1.5"), "Decimal"),
    (datetime(2026, 1, 1, tzinfo=UTC), "datetime"),
])
def test_json_refuses_what_json_cannot_hold(raw, shown):
    assert reason(JSON(), raw) == (
        f"{shown} is not a valid JSON: is not JSON data (or nests deeper than 64 levels)")


def test_json_refuses_very_deep_nesting():
    deep: list = []
    for _ in range(70):
        deep = [deep]
    assert reason(JSON(), deep).endswith("nests deeper than 64 levels)")


def test_json_empty_values_count_as_unset_but_zero_and_false_do_not():
    assert all(JSON().is_empty(value) for value in (None, "", [], {}))
    assert not any(JSON().is_empty(value) for value in (0, False, " ", [None]))


def test_json_display_and_input():
    assert JSON().to_display({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    assert JSON().to_display("plain") == "plain"
    assert JSON().input_spec()["widget"] == "json"


# -- arrays --------------------------------------------------------------------


def test_array_spec_builds_a_list_type():
    emails = parse_type_spec("Email[]")
    assert isinstance(emails, ArrayType)
    assert emails.spec == "Email[]"
    assert emails.item_type == Email()
    assert emails.parse(["ops@example.com", " Sales@Example.COM "]) == [
        "ops@example.com", "Sales@example.com"]
    assert emails.parse([]) == []
    assert emails.parse(("a@example.com",)) == ["a@example.com"]


def test_array_bad_item_names_its_index():
    assert reason(parse_type_spec("Email[]"), ["ops@example.com", "sales", "x@example.com"]) == (
        '[1]: "sales" is not a valid Email: expected an address such as name@example.com')
    assert reason(parse_type_spec("Number[]"), [1, 2, "3x"]) == (
        '[2]: "3x" is not a valid Number: expected a number such as 12 or 12.50')


def test_array_refuses_null_items():
    assert reason(parse_type_spec("Email[]"), ["ops@example.com", None]) == (
        "[1]: null is not a valid Email: expected an e-mail address")
    assert reason(parse_type_spec("Number[]"), [None, 10]) == (
        "[0]: null is not a valid Number: expected a number")
    assert parse_type_spec("JSON[]").parse([None]) == [None]  # null is a JSON value


def test_array_refuses_a_single_value():
    assert reason(parse_type_spec("Email[]"), "ops@example.com") == (
        '"ops@example.com" is not a list of Email')


@pytest.mark.parametrize(("array", "raw", "expected"), [
    (ArrayType(Number(), min_items=2, max_items=2), [1], "expected exactly 2 items, got 1"),
    (ArrayType(Number(), min_items=1), [], "expected at least 1 items, got 0"),
    (ArrayType(Number(), min_items=1, max_items=3), [1, 2, 3, 4],
     "expected 1 to 3 items, got 4"),
])
def test_array_item_count_limits(array, raw, expected):
    assert reason(array, raw) == expected


def test_array_serialises_each_item():
    durations = parse_type_spec("Duration[]")
    assert durations.to_json(durations.parse(["90 minutes", "P2D"])) == ["PT1H30M", "P2D"]
    numbers = parse_type_spec("Number[]")
    assert numbers.to_json(numbers.parse([0.1, "10000.00"])) == ["0.1", 10000]


def test_array_input_is_the_item_input_marked_multiple():
    assert parse_type_spec("Email[]").input_spec() == {
        "widget": "email", "placeholder": "name@example.com", "help": "", "multiple": True}
    statuses = parse_type_spec({"type": "Choice[]", "options": ["new", "paid"]})
    assert statuses.spec == "Choice[new,paid][]"
    assert statuses.input_spec()["multiple"] is True
    assert [option["value"] for option in statuses.input_spec()["options"]] == ["new", "paid"]


def test_array_of_arrays_and_empty_list_unset():
    assert parse_type_spec("Number[][]").parse([[1], []]) == [[Decimal(1)], []]
    assert parse_type_spec("Email[]").is_empty([])
    assert not parse_type_spec("Email[]").is_empty(["ops@example.com"])


# -- Record and User -----------------------------------------------------------


class OrderValue:
    record_pk = 7

    def scope_child(self, name):
        return {"number": "A-7"}.get(name)


def test_record_spec_needs_a_registered_model():
    orders = parse_type_spec("Record[demo.order]")
    assert isinstance(orders, Record)
    assert orders.spec == "Record[demo.order]"
    assert orders.model_label == "Order"
    assert orders.child("customer").type == Record("demo.customer")
    assert "total_amount" in orders.children()
    assert parse_type_spec({"type": "Record", "model": "demo.order"}) == orders


@pytest.mark.parametrize(("spec", "expected"), [
    ("Record[demo.invoice]", '"demo.invoice" is not a model registered for workflows'),
    ("Record", "null is not a model registered for workflows"),
    ({"type": "Record", "model": 3}, "3 is not a model registered for workflows"),
])
def test_record_of_an_unregistered_model_is_refused(spec, expected):
    with pytest.raises(ValueParseError) as caught:
        parse_type_spec(spec)
    assert caught.value.reason == expected


def test_record_reads_keys_and_record_values():
    orders = parse_type_spec("Record[demo.order]")
    assert orders.parse(12) == 12
    assert orders.parse("A-12") == "A-12"
    record = OrderValue()
    assert orders.parse(record) is record
    assert orders.to_json(record) == 7
    assert orders.comparable(record) == orders.comparable("7") == "7"


@pytest.mark.parametrize(("raw", "shown"), [
    (True, "true"), ("", '""'), (1.5, "1.5"), ({"id": 1}, "an object"),
])
def test_record_refuses_what_is_not_a_key(raw, shown):
    expected = f"{shown} is not the id of a record (Order)"
    assert reason(parse_type_spec("Record[demo.order]"), raw) == expected


def test_record_and_user_inputs():
    assert parse_type_spec("Record[demo.order]").input_spec() == {
        "widget": "record", "placeholder": "", "help": "", "model": "demo.order"}
    users = parse_type_spec("User")
    assert isinstance(users, User)
    assert users.spec == "User"
    assert users.model == "auth.user"
    assert users.input_spec()["widget"] == "user"
    assert users.input_spec()["model"] == "auth.user"
    assert users.parse(3) == 3


# -- parse_type_spec -----------------------------------------------------------


@pytest.mark.parametrize(("spec", "expected"), [
    ("Number", Number()), ("Bool", Bool()), ("String", String()), ("Text", Text()),
    ("Email", Email()), ("Phone", Phone()), ("URL", URL()), ("DateTime", DateTime()),
    ("Duration", Duration()), ("JSON", JSON()), ({"type": "Number"}, Number()),
])
def test_parse_type_spec_names(spec, expected):
    built = parse_type_spec(spec)
    assert built == expected
    assert type(built) is type(expected)


def test_parse_type_spec_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueParseError) as caught:
        parse_type_spec("Numbr")
    known = ", ".join(type_registry.keys())
    assert caught.value.reason == f'unknown type "Numbr" (known types: {known})'
    assert "Number" in known and "Email" in known
    with pytest.raises(ValueParseError, match='unknown type "number"'):
        parse_type_spec("number")  # names are case-sensitive
    with pytest.raises(ValueParseError, match='unknown type "Array"'):
        parse_type_spec("Array")  # arrays are written Item[]


@pytest.mark.parametrize(("spec", "expected"), [
    ("", '"" is not a type name'),
    (12, "12 is not a type name"),
    (None, "null is not a type name"),
    ({"options": ["a"]}, "null is not a type name"),
    ("Numbr[]", 'unknown type "Numbr"'),
])
def test_parse_type_spec_refuses_non_names(spec, expected):
    with pytest.raises(ValueParseError) as caught:
        parse_type_spec(spec)
    assert caught.value.reason.startswith(expected)


def test_is_record_value_answers_as_the_protocol_does():
    from engine.types import RecordValue, is_record_value

    class Row:
        record_pk = 3

        def scope_child(self, name: str) -> object:
            return name

    class Loose:  # the members on the instance only
        def __init__(self, complete: bool) -> None:
            self.record_pk = 1
            if complete:
                self.scope_child = lambda name: name

    values = [Row(), Row(), Loose(True), Loose(False), {"record_pk": 1}, "x", 1, None, [Row()]]
    assert [is_record_value(value) for value in values] == [
        isinstance(value, RecordValue) for value in values]
    assert [is_record_value(value) for value in values] == [
        True, True, True, False, False, False, False, False, False]
