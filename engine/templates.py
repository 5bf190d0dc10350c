"""Templates for Text params: `Order {{ record.number }} for {{ record.customer.name | upper }}`.

The only syntax is `{{ PATH }}` optionally followed by filters `| name` or
`| name:"argument"`. Paths are looked up in the scope (unknown ones are errors
when the definition is saved); filters come from a registry. There is no
attribute access beyond declared paths, no calls, no loops: rendering never
executes code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.errors import TemplateError, ValueParseError
from engine.limits import active_budget
from engine.registry import Registry
from engine.scope import PathError, ScopeSchema, resolve_path
from engine.types.base import ValueType
from engine.types.datetime import DateTime

MAX_TEMPLATE_LENGTH = 100_000
MAX_PLACEHOLDERS = 500
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FILTER = re.compile(r'^\s*([a-z_]+)\s*(?::\s*"((?:[^"\\]|\\.)*)")?\s*$')
_STRFTIME_ALLOWED = re.compile(r"^(?:[^%]|%[aAbBdHIjmMpSUwWyYzZ%])*$")


@dataclass(frozen=True)
class TemplateFilter:
    """A named transformation of a rendered value, optionally with one text argument."""

    name: str
    apply: Callable[[Any, ValueType | None, str | None], Any]
    takes_argument: bool = False
    requires_argument: bool = False
    description: str = ""
    check_argument: Callable[[str], str | None] | None = None


filter_registry: Registry[TemplateFilter] = Registry("template filter", key_attribute="name")


def _default(value: Any, value_type: ValueType | None, argument: str | None) -> Any:
    empty = value is None or value == "" or value == []
    return argument if empty else value


def _upper(value: Any, value_type: ValueType | None, argument: str | None) -> Any:
    return _display(value, value_type).upper()


def _lower(value: Any, value_type: ValueType | None, argument: str | None) -> Any:
    return _display(value, value_type).lower()


def _date(value: Any, value_type: ValueType | None, argument: str | None) -> Any:
    fmt = argument or "%Y-%m-%d %H:%M"
    moment = value
    if isinstance(value, str):
        try:
            moment = DateTime().parse(value)
        except ValueParseError:
            return value
    if isinstance(moment, datetime | date):
        return moment.strftime(fmt)
    return value


def _check_strftime(argument: str) -> str | None:
    if len(argument) > 100 or not _STRFTIME_ALLOWED.match(argument):
        return f'"{argument}" is not a date format (use %Y %m %d %H %M %S %b %A ...)'
    return None


for _filter in (
    TemplateFilter("default", _default, takes_argument=True, requires_argument=True,
                   description="Use the argument when the value is not set."),
    TemplateFilter("upper", _upper, description="Upper-case the text."),
    TemplateFilter("lower", _lower, description="Lower-case the text."),
    TemplateFilter("date", _date, takes_argument=True, check_argument=_check_strftime,
                   description='Format a date and time, e.g. date:"%d %b %Y".'),
):
    filter_registry.register(_filter)


def _display(value: Any, value_type: ValueType | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value_type is not None:
        try:
            return value_type.to_display(value)
        except (TypeError, ValueError, AttributeError, ArithmeticError):
            return str(value)
    return str(value)


@dataclass(frozen=True)
class _Placeholder:
    path: str
    filters: tuple[tuple[str, str | None], ...]
    source: str


class Template:
    """A parsed template. `Template.parse(text)` raises `TemplateError` on bad syntax;
    `check(schema)` lists paths that are not in scope; `render(values)` fills it in."""

    def __init__(self, source: str, parts: list[str | _Placeholder]) -> None:
        self.source = source
        self.parts = parts

    @classmethod
    def parse(cls, source: object) -> Template:
        if not isinstance(source, str):
            raise TemplateError("a template must be text")
        if len(source) > MAX_TEMPLATE_LENGTH:
            raise TemplateError(f"a template may be at most {MAX_TEMPLATE_LENGTH} characters")
        parts: list[str | _Placeholder] = []
        position = 0
        for count, match in enumerate(_PLACEHOLDER.finditer(source), start=1):
            literal = source[position:match.start()]
            cls._check_literal(literal)
            if literal:
                parts.append(literal)
            if count > MAX_PLACEHOLDERS:
                raise TemplateError(f"a template may hold at most {MAX_PLACEHOLDERS} variables")
            parts.append(cls._parse_placeholder(match.group(1), match.group(0)))
            position = match.end()
        tail = source[position:]
        cls._check_literal(tail)
        if tail:
            parts.append(tail)
        return cls(source, parts)

    @staticmethod
    def _check_literal(literal: str) -> None:
        if "{{" in literal:
            raise TemplateError('"{{" is not closed with "}}"')
        if "}}" in literal:
            raise TemplateError('"}}" has no opening "{{"')

    @staticmethod
    def _parse_placeholder(body: str, source: str) -> _Placeholder:
        pieces = _split_filters(body)
        path = pieces[0].strip()
        if not path:
            raise TemplateError(f"{source} names no variable")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$", path):
            raise TemplateError(f'{source}: "{path}" is not a variable path such as record.number')
        filters: list[tuple[str, str | None]] = []
        for piece in pieces[1:]:
            match = _FILTER.match(piece)
            if not match:
                raise TemplateError(f'{source}: "{piece.strip()}" is not a filter such as upper '
                                    'or default:"n/a"')
            name, argument = match.group(1), match.group(2)
            template_filter = filter_registry.find(name)
            if template_filter is None:
                known = ", ".join(filter_registry.keys())
                raise TemplateError(f'{source}: unknown filter "{name}" (available: {known})')
            if argument is not None:
                argument = re.sub(r"\\(.)", r"\1", argument)
                if not template_filter.takes_argument:
                    raise TemplateError(f'{source}: the filter "{name}" takes no argument')
                if template_filter.check_argument:
                    problem = template_filter.check_argument(argument)
                    if problem:
                        raise TemplateError(f"{source}: {problem}")
            elif template_filter.requires_argument:
                raise TemplateError(f'{source}: the filter "{name}" needs an argument, '
                                    f'e.g. {name}:"..."')
            filters.append((name, argument))
        return _Placeholder(path, tuple(filters), source)

    @property
    def paths(self) -> list[str]:
        return [part.path for part in self.parts if isinstance(part, _Placeholder)]

    @property
    def unguarded_paths(self) -> list[str]:
        """Paths of placeholders without a `default` filter (a missing value would
        render as nothing)."""
        return [part.path for part in self.parts if isinstance(part, _Placeholder)
                and not any(name == "default" for name, _ in part.filters)]

    def check(self, schema: ScopeSchema) -> list[str]:
        """Messages for every placeholder whose path is not in `schema`."""
        problems = []
        for part in self.parts:
            if isinstance(part, _Placeholder):
                try:
                    schema.lookup(part.path)
                except PathError as exc:
                    problems.append(f"{part.source}: {exc}")
        return problems

    def render(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> str:
        """Fill the placeholders in from `values` (unset paths render as "").

        The text produced is charged to the active rendering budget
        (`engine.limits.render_budget`): a template that would expand a large
        value past the limit of a step's inputs raises `LimitExceeded` as soon as
        it passes it, not after building the whole text."""
        budget = active_budget()
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                budget.charge(part)
                out.append(part)
                continue
            value_type: ValueType | None = None
            if schema is not None:
                try:
                    value_type = schema.lookup(part.path).type
                except PathError:
                    value_type = None
            value = resolve_path(values, part.path)
            for name, argument in part.filters:
                value = filter_registry.get(name).apply(value, value_type, argument)
            text = _display(value, value_type)
            budget.charge(text)
            out.append(text)
        return "".join(out)


def _split_filters(body: str) -> list[str]:
    """Split on `|` outside double-quoted arguments."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in body:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == "|" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise TemplateError(f'{{{{{body}}}}}: a quoted argument is not closed')
    pieces.append("".join(current))
    return pieces
