"""Templates: `{{ path | filter }}`, checked against the scope, never executing code."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from engine import ScopeField, ScopeSchema, Template, TemplateError
from engine.types import DateTime, Number, ObjectType, String

SCHEMA = ScopeSchema([
    ScopeField("record", ObjectType([
        ScopeField("number", String()),
        ScopeField("total", Number()),
        ScopeField("created_at", DateTime()),
        ScopeField("note", String()),
    ])),
])
VALUES = {"record": {"number": "A-1001", "total": Decimal("12000.50"),
                     "created_at": datetime(2026, 3, 4, 9, 5, tzinfo=UTC), "note": None}}


@pytest.mark.parametrize(("source", "expected"), [
    ("Order {{ record.number }}", "Order A-1001"),
    ("{{record.number}}!", "A-1001!"),
    ("{{ record.number | lower }}", "a-1001"),
    ("{{ record.number | upper }}", "A-1001"),
    ("Total {{ record.total }}", "Total 12000.50"),
    ('{{ record.note | default:"none" }}', "none"),
    ('{{ record.number | default:"none" }}', "A-1001"),
    ('{{ record.created_at | date:"%d %b %Y" }}', "04 Mar 2026"),
    ("{{ record.created_at | date }}", "2026-03-04 09:05"),
    ("{{ record.created_at }}", "2026-03-04T09:05:00+00:00"),
    ('{{ record.note | default:"a | b" | upper }}', "A | B"),
    ('{{ record.note | default:"say \\"hi\\"" }}', 'say "hi"'),
    ("no placeholders at all", "no placeholders at all"),
    ("{{ record.note }}", ""),
])
def test_render(source, expected):
    template = Template.parse(source)
    assert template.check(SCHEMA) == []
    assert template.render(VALUES, SCHEMA) == expected


@pytest.mark.parametrize(("source", "message"), [
    ("{{ record.number", '"{{" is not closed with "}}"'),
    ("record.number }}", '"}}" has no opening "{{"'),
    ("{{ }}", "{{ }} names no variable"),
    ("{{ record.number() }}", '{{ record.number() }}: "record.number()" is not a variable path'),
    ("{{ record.__class__.__mro__ }}", None),
    ("{{ record.number | title }}", '{{ record.number | title }}: unknown filter "title"'),
    ("{{ record.number | upper:\"x\" }}", 'the filter "upper" takes no argument'),
    ("{{ record.note | default }}", 'the filter "default" needs an argument'),
    ('{{ record.created_at | date:"%Q" }}', "is not a date format"),
    ('{{ record.note | default:"open }}', "a quoted argument is not closed"),
    (42, "a template must be text"),
])
def test_syntax_errors(source, message):
    if message is None:  # parses as a path, then refused as not in scope
        problems = Template.parse(source).check(SCHEMA)
        assert problems and '"record.__class__.__mro__" is not in scope' in problems[0]
        assert Template.parse(source).render({"record": VALUES["record"]}) == ""
        return
    with pytest.raises(TemplateError) as caught:
        Template.parse(source)
    assert message in str(caught.value)


def test_unknown_path_is_reported_by_check():
    problems = Template.parse("{{ record.nmber }} {{ event.x }}").check(SCHEMA)
    assert problems == [
        '{{ record.nmber }}: "record.nmber" is not in scope: record (Object) has no "nmber"',
        '{{ event.x }}: "event.x" is not in scope (available: record)',
    ]


def test_rendering_does_not_touch_object_attributes():
    class Secretive:
        secret = "leaked"

        def __str__(self):
            return "safe"

    rendered = Template.parse("{{ record.secret }}|{{ record }}").render({"record": Secretive()})
    assert rendered == "|safe"


def test_placeholder_values_are_not_reinterpreted():
    values = {"record": {"number": "{{ record.total }}"}}
    assert Template.parse("{{ record.number }}").render(values) == "{{ record.total }}"
