"""Conditions: trees of typed comparisons on scope references.

    {"all": [...]}  {"any": [...]}  {"not": {...}}
    {"ref": "record.total_amount", "op": "gte", "value": 10000}
    {"ref": "record.total_amount", "op": "gt", "value": {"ref": "previous.total_amount"}}

`Condition.compile(data, schema)` parses and type-checks a tree (raising
`InvalidDefinition` with every error and its path); the compiled condition then
`evaluate`s scope values or `explain`s them leaf by leaf. Nothing in a condition
executes code: references are looked up in the scope, operators are registered
functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import DefinitionError, InvalidDefinition, ValueParseError, join_path
from engine.limits import current_limits
from engine.operators.base import EvalContext, Operator
from engine.scope import PathError, ScopeField, ScopeSchema, resolve_path
from engine.types.base import ValueType, describe_raw

MAX_DEPTH = 32
MAX_NODES = 1000
GROUP_KEYS = ("all", "any", "not")
LEAF_KEYS = {"ref", "op", "value"}


@dataclass
class ConditionResult:
    """The outcome of one node, with its children; `explain` returns the root."""

    path: str
    kind: str  # "all", "any", "not", "leaf", "empty"
    matched: bool
    children: list[ConditionResult] = field(default_factory=list)
    ref: str = ""
    op: str = ""
    expected: Any = None
    actual: Any = None
    message: str = ""

    def first_failure(self) -> ConditionResult | None:
        """The first leaf (or `not` node) that made this node fail, or None."""
        if self.matched:
            return None
        if self.kind in {"leaf", "not"}:
            return self
        for child in self.children:
            if not child.matched:
                return child.first_failure()
        return self

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "kind": self.kind, "matched": self.matched}
        if self.kind == "leaf":
            data.update(ref=self.ref, op=self.op, expected=self.expected,
                        actual=self.actual, message=self.message)
        if self.children:
            data["children"] = [child.as_dict() for child in self.children]
        if self.kind == "not":
            data["message"] = self.message
        return data


class Condition:
    """A compiled, type-checked condition node."""

    path: str = ""

    @staticmethod
    def compile(data: object, schema: ScopeSchema, *, path: str = "conditions") -> Condition:
        """Parse and type-check `data`; raise `InvalidDefinition` listing every error."""
        errors: list[DefinitionError] = []
        compiler = _Compiler(schema, errors)
        node = compiler.compile(data, path, 0)
        if errors:
            raise InvalidDefinition(errors)
        return node

    @staticmethod
    def check(data: object, schema: ScopeSchema, *, path: str = "conditions"
              ) -> list[DefinitionError]:
        """Every error in `data`, without raising."""
        errors: list[DefinitionError] = []
        _Compiler(schema, errors).compile(data, path, 0)
        return errors

    def evaluate(self, values: Mapping[str, Any], *, now: datetime | None = None) -> bool:
        return self.explain(values, now=now).matched

    def explain(self, values: Mapping[str, Any], *, now: datetime | None = None
                ) -> ConditionResult:
        context = EvalContext() if now is None else EvalContext(now=now)
        return self._explain(values, context)

    def _explain(self, values: Mapping[str, Any], context: EvalContext) -> ConditionResult:
        raise NotImplementedError


class _Empty(Condition):
    def __init__(self, path: str) -> None:
        self.path = path

    def _explain(self, values: Mapping[str, Any], context: EvalContext) -> ConditionResult:
        return ConditionResult(self.path, "empty", True, message="no conditions")


class _Group(Condition):
    def __init__(self, kind: str, path: str, children: list[Condition]) -> None:
        self.kind = kind
        self.path = path
        self.children = children

    def _explain(self, values: Mapping[str, Any], context: EvalContext) -> ConditionResult:
        results = [child._explain(values, context) for child in self.children]
        if not results:
            matched = True  # an empty group never blocks a workflow
        elif self.kind == "all":
            matched = all(result.matched for result in results)
        else:
            matched = any(result.matched for result in results)
        return ConditionResult(self.path, self.kind, matched, results)


class _Not(Condition):
    def __init__(self, path: str, child: Condition) -> None:
        self.path = path
        self.child = child

    def _explain(self, values: Mapping[str, Any], context: EvalContext) -> ConditionResult:
        inner = self.child._explain(values, context)
        message = "" if not inner.matched else "the negated condition held"
        return ConditionResult(self.path, "not", not inner.matched, [inner], message=message)


class _Leaf(Condition):
    def __init__(self, path: str, ref: str, field_: ScopeField, operator: Operator,
                 value_type: ValueType | None, literal: Any, value_ref: str | None,
                 previous_path: str | None) -> None:
        self.path = path
        self.ref = ref
        self.field = field_
        self.operator = operator
        self.value_type = value_type
        self.literal = literal
        self.value_ref = value_ref
        self.previous_path = previous_path

    def _explain(self, values: Mapping[str, Any], context: EvalContext) -> ConditionResult:
        subject_type = self.field.type
        result = ConditionResult(self.path, "leaf", False, ref=self.ref, op=self.operator.name)
        try:
            subject = _read(subject_type, resolve_path(values, self.ref))
            value = self.literal
            if self.value_ref is not None and self.value_type is not None:
                value = _read(self.value_type, resolve_path(values, self.value_ref))
            leaf_context = context
            if self.previous_path is not None:
                raw_previous = resolve_path(values, self.previous_path)
                leaf_context = EvalContext(
                    now=context.now,
                    previous=_read(subject_type, raw_previous),
                    has_previous=_has_path(values, self.previous_path),
                )
            result.actual = _json_safe(subject_type, subject)
            result.expected = (
                _json_safe(self.value_type, value) if self.value_type is not None else None
            )
            result.matched = self.operator.evaluate(subject_type, subject, value, leaf_context)
        except ValueParseError as exc:
            result.message = f"{self.ref} could not be read: {exc.reason}"
            return result
        except (TypeError, ValueError, ArithmeticError) as exc:
            result.message = f"{self.ref} could not be compared: {exc}"
            return result
        result.message = self.sentence(result)
        return result

    def sentence(self, result: ConditionResult) -> str:
        """Plain words: `Total amount (9500) is at least 10000: no`."""
        label = self.field.display_label
        actual = "not set" if result.actual in (None, "", []) else _show(result.actual)
        wanted = ""
        if self.value_type is not None:
            wanted = " " + (self.value_ref if self.value_ref else _show(result.expected))
        verdict = "yes" if result.matched else "no"
        return f"{label} ({self.ref} = {actual}) {self.operator.label}{wanted}: {verdict}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _read(value_type: ValueType, raw: Any) -> Any:
    """Parse a scope value. Blank text that the type counts as unset but does not
    parse (an empty e-mail, phone or URL field is stored as "") reads as unset, so
    that `is_not_set`, `ne` and `changed` see it as unset rather than unreadable."""
    try:
        return value_type.parse_value(raw)
    except ValueParseError:
        if isinstance(raw, str) and value_type.is_empty(raw):
            return None
        raise


def _json_safe(value_type: ValueType | None, value: Any) -> Any:
    if value_type is None or value is None:
        return value
    try:
        return value_type.to_json(value)
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return str(value)


def _has_path(values: Mapping[str, Any], path: str) -> bool:
    head, _, _ = path.partition(".")
    return isinstance(values, Mapping) and values.get(head) is not None


class _Compiler:
    def __init__(self, schema: ScopeSchema, errors: list[DefinitionError]) -> None:
        self.schema = schema
        self.errors = errors
        self.nodes = 0

    def fail(self, path: str, message: str) -> Condition:
        self.errors.append(DefinitionError(path, message))
        return _Empty(path)

    def compile(self, data: object, path: str, depth: int) -> Condition:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                return self.fail(path, f"a condition may have at most {MAX_NODES} parts")
            return _Empty(path)
        if depth > MAX_DEPTH:
            return self.fail(path, f"conditions may nest at most {MAX_DEPTH} levels deep")
        if data is None or data == {}:
            return _Empty(path)
        if not isinstance(data, Mapping):
            return self.fail(path, f"expected a condition object, got {describe_raw(data)}")
        groups = [key for key in GROUP_KEYS if key in data]
        if groups:
            if len(data) != 1:
                extra = ", ".join(sorted(str(key) for key in data))
                return self.fail(path, f'a group has exactly one key ("all", "any" or "not"), '
                                       f"found: {extra}")
            return self.compile_group(groups[0], data[groups[0]], path, depth)
        if "ref" in data or "op" in data:
            return self.compile_leaf(data, path)
        keys = ", ".join(sorted(str(key) for key in data)) or "nothing"
        return self.fail(path, f'expected "all", "any", "not" or a comparison with "ref" and '
                               f'"op", found: {keys}')

    def compile_group(self, kind: str, body: object, path: str, depth: int) -> Condition:
        group_path = join_path(path, kind)
        if kind == "not":
            if not isinstance(body, Mapping):
                return self.fail(group_path, "expected one condition object")
            return _Not(group_path, self.compile(body, group_path, depth + 1))
        if not isinstance(body, list):
            return self.fail(group_path, f"expected a list of conditions, got {describe_raw(body)}")
        children = [self.compile(item, join_path(group_path, index), depth + 1)
                    for index, item in enumerate(body)]
        return _Group(kind, group_path, children)

    def compile_leaf(self, data: Mapping[str, Any], path: str) -> Condition:
        unknown = sorted(str(key) for key in data if key not in LEAF_KEYS)
        if unknown:
            return self.fail(path, f"unknown key(s) in a comparison: {', '.join(unknown)}")
        ref = data.get("ref")
        if ref is None:
            return self.fail(path, 'a comparison needs a "ref" (the value to test)')
        try:
            field_ = self.schema.lookup(ref)
        except PathError as exc:
            return self.fail(path, str(exc))
        op_name = data.get("op")
        if not isinstance(op_name, str) or not op_name:
            return self.fail(path, f'a comparison needs an "op" (operator) for {ref}')
        operator = field_.type.operator(op_name)
        if operator is None:
            offered = ", ".join(sorted(available_operators(self.schema, ref))) or "none"
            return self.fail(path, f'"{op_name}" is not an operator of {field_.type.spec} '
                                   f"({ref}); it offers: {offered}")
        previous_path = None
        if operator.needs_previous:
            previous_path = self.schema.previous_path(ref)
            if previous_path is None:
                return self.fail(path, f'"{op_name}" compares with the value before the change; '
                                       f"{_fields_with_previous(self.schema, ref)}")
        value_type = operator.value_type(field_.type)
        has_value = "value" in data
        literal: Any = None
        value_ref: str | None = None
        if value_type is None:
            if has_value and data["value"] is not None:
                return self.fail(join_path(path, "value"),
                                 f'"{op_name}" takes no value; remove "value"')
        elif not has_value:
            return self.fail(path, f'"{op_name}" needs a "value" ({value_type.spec})')
        else:
            raw = data["value"]
            if isinstance(raw, Mapping) and "ref" in raw:
                value_ref = self.check_value_ref(raw, value_type, join_path(path, "value"))
                if value_ref is None:
                    return _Empty(path)
            else:
                max_items = current_limits().list_max_items
                if isinstance(raw, list) and len(raw) > max_items:
                    return self.fail(join_path(path, "value"),
                                     f"a list of {len(raw):,} values; at most {max_items:,} "
                                     "are allowed in one condition")
                try:
                    literal = value_type.parse(raw)
                except ValueParseError as exc:
                    return self.fail(join_path(path, "value"), exc.reason)
        return _Leaf(path, ref, field_, operator, value_type, literal, value_ref, previous_path)

    def check_value_ref(self, raw: Mapping[str, Any], value_type: ValueType,
                        path: str) -> str | None:
        if set(raw) != {"ref"}:
            self.fail(path, f'a value is a literal or {{"ref": PATH}}; expected {value_type.spec}')
            return None
        try:
            other = self.schema.lookup(raw["ref"])
        except PathError as exc:
            self.fail(path, str(exc))
            return None
        if not value_type.accepts(other.type):
            self.fail(path, f"{raw['ref']} is {other.type.spec}, but {value_type.spec} is "
                            f"needed here")
            return None
        return str(raw["ref"])



_compiled: dict[tuple[int, int], tuple[object, ScopeSchema, int, Condition]] = {}
_COMPILED_KEPT = 512


def compiled(data: object, schema: ScopeSchema) -> Condition:
    """`Condition.compile(data, schema)`, remembered. A step's condition param is
    the same object in every run of a version (a version's definition is compiled
    once), so the steps of many runs compile it once, not once per run. Looked up
    by the identity of the tree and the schema (kept alive by the entry) and the
    list limit it was checked against."""
    limit = current_limits().list_max_items
    key = (id(data), id(schema))
    entry = _compiled.get(key)
    if entry is not None and entry[0] is data and entry[1] is schema and entry[2] == limit:
        return entry[3]
    condition = Condition.compile(data, schema)
    if len(_compiled) >= _COMPILED_KEPT:
        _compiled.clear()
    _compiled[key] = (data, schema, limit, condition)
    return condition

def available_operators(schema: ScopeSchema, ref: str) -> dict[str, Operator]:
    """The operators a builder should offer for `ref`: those of its type, less the
    `changed*` ones where the scope keeps no value from before the change."""
    field_ = schema.lookup(ref)
    has_previous = schema.previous_path(ref) is not None
    return {name: operator for name, operator in field_.type.operators().items()
            if has_previous or not operator.needs_previous}


def _fields_with_previous(schema: ScopeSchema, ref: str) -> str:
    """Which fields have a value from before the change, in words."""
    roots = sorted(schema.before_change)
    if not roots:
        return "this trigger keeps no values from before the change"
    fields = " and ".join(f"{root}.*" for root in roots)
    return f"only {fields} fields have one, and {ref} is not one"


def evaluate_condition(data: object, schema: ScopeSchema, values: Mapping[str, Any], *,
                       now: datetime | None = None) -> bool:
    """Compile `data` against `schema` and evaluate it; raises `InvalidDefinition`."""
    return Condition.compile(data, schema).evaluate(values, now=now)


def explain_condition(data: object, schema: ScopeSchema, values: Mapping[str, Any], *,
                      now: datetime | None = None) -> ConditionResult:
    """Compile `data` and explain it leaf by leaf; raises `InvalidDefinition`."""
    return Condition.compile(data, schema).explain(values, now=now)
