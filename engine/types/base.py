"""The base class of every value type of the workflow language."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from engine.errors import ValueParseError
from engine.registry import Registry

if TYPE_CHECKING:
    from engine.operators.base import Operator
    from engine.scope import ScopeField


def describe_raw(raw: object) -> str:
    """A short, safe description of a raw value for error messages."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        return json.dumps(shown)
    if isinstance(raw, int | float):
        return repr(raw)
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__


class ValueType:
    """A value type: parses and validates raw values, renders inputs, offers operators.

    Subclasses set the class attributes below and override `parse`. Operators are
    registered per class and inherited along the class hierarchy, the way Django
    lookups are::

        @String.register_operator
        class SoundsLike(Operator):
            name = "sounds_like"
            ...

    `Email` (a subclass of `String`) then offers `sounds_like` too.

    Instances are values of the type system: `Number()`, `Choice(options=...)`,
    `ArrayType(Email())`. Two instances are equal when their `spec` is equal.
    """

    #: Registry key and the name users see in messages ("Number", "Email").
    name: ClassVar[str] = "Value"
    #: Plain-English label for pickers.
    label: ClassVar[str] = "Value"
    description: ClassVar[str] = ""
    #: The kind of input a form should render (see `input_spec`).
    widget: ClassVar[str] = "text"
    placeholder: ClassVar[str] = ""
    help_text: ClassVar[str] = ""
    #: Whether `{{ ... }}` templates are allowed in params of this type.
    is_template: ClassVar[bool] = False
    #: Whether a JSON object given as a param value is a literal of this type (JSON,
    #: condition trees) rather than a `{"ref": PATH}` reference.
    literal_objects: ClassVar[bool] = False
    #: Whether a param of this type may be a `{"ref": PATH}` reference. False for
    #: types whose raw value is itself a structure with `ref` keys (a condition tree).
    accepts_references: ClassVar[bool] = True

    _own_operators: ClassVar[dict[str, type[Operator]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._own_operators = {}

    # -- operators -------------------------------------------------------------

    @classmethod
    def register_operator(cls, operator: type[Operator] | None = None) -> Any:
        """Register an operator class on this type (decorator or call)."""
        if operator is None:
            def decorator(inner: type[Operator]) -> type[Operator]:
                cls.register_operator(inner)
                return inner

            return decorator
        from engine.registry import AlreadyRegistered

        if operator.name in cls._own_operators:
            raise AlreadyRegistered(
                f'{cls.name} already has an operator "{operator.name}".'
            )
        cls._own_operators[operator.name] = operator
        return operator

    @classmethod
    def unregister_operator(cls, name: str) -> None:
        """Remove an operator registered on exactly this class."""
        cls._own_operators.pop(name)

    @classmethod
    def class_operators(cls) -> dict[str, type[Operator]]:
        """Operators of this class, inherited ones first, overridable by subclasses."""
        merged: dict[str, type[Operator]] = {}
        for klass in reversed(cls.__mro__):
            own = klass.__dict__.get("_own_operators")
            if own:
                merged.update(own)
        return merged

    def operators(self) -> dict[str, Operator]:
        """Operator instances offered by this type, by name."""
        return {name: op_class() for name, op_class in self.class_operators().items()}

    def operator(self, name: str) -> Operator | None:
        op_class = self.class_operators().get(name)
        return op_class() if op_class else None

    # -- values ----------------------------------------------------------------

    def parse(self, raw: object) -> Any:
        """Read `raw` (JSON or a Python value) into this type's value or raise
        `ValueParseError` with the reason. `None` means "unset" and is returned as is."""
        return raw

    def parse_value(self, raw: object) -> Any:
        """`parse`, but with None passed through as unset."""
        if raw is None:
            return None
        return self.parse(raw)

    def to_json(self, value: Any) -> Any:
        """Serialise a parsed value to JSON-compatible data."""
        return value

    def to_display(self, value: Any) -> str:
        """How a value reads in a rendered template or an explanation."""
        if value is None:
            return ""
        return str(value)

    def comparable(self, value: Any) -> Any:
        """The form used by equality and ordering operators (e.g. case-folded text)."""
        return value

    def is_empty(self, value: Any) -> bool:
        """Whether a value counts as unset for `is_set` / `is_not_set`."""
        return value is None

    # -- structure -------------------------------------------------------------

    @property
    def spec(self) -> str:
        """Text form of the type, e.g. "Number", "Email[]", "Record[demo.order]"."""
        return self.name

    def accepts(self, other: ValueType) -> bool:
        """Whether a value of `other` type can be used where this type is expected."""
        return isinstance(other, type(self)) and self._same_parameters(other)

    def _same_parameters(self, other: ValueType) -> bool:
        return True

    def child(self, name: str) -> ScopeField | None:
        """The typed field `name` inside a value of this type (for `a.b` paths)."""
        return None

    def children(self) -> Mapping[str, ScopeField]:
        """The declared fields inside a value of this type."""
        return {}

    def options(self) -> list[tuple[Any, str]] | None:
        """Enumerated `(value, label)` options, if the type has a closed set."""
        return None

    def input_spec(self) -> dict[str, Any]:
        """What input a form should render for this type."""
        spec: dict[str, Any] = {
            "widget": self.widget,
            "placeholder": self.placeholder,
            "help": self.help_text,
        }
        options = self.options()
        if options is not None:
            spec["options"] = [
                {"value": self.to_json(value), "label": label} for value, label in options
            ]
        return spec

    # -- dunder ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueType) and type(self) is type(other) and (
            self.spec == other.spec
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.spec))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"

    def __str__(self) -> str:
        return self.spec

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        """Build an instance from a declaration (`{"type": "Choice", "options": [...]}`).

        Types without parameters ignore `arguments`; parameterised types override.
        """
        return cls()

    def error(self, raw: object, reason: str) -> ValueParseError:
        """A `ValueParseError` that names the raw value and this type."""
        return ValueParseError(f"{describe_raw(raw)} is not a valid {self.name}: {reason}",
                               detail=reason)


#: Every value type class, by name (`type_registry.get("Number")`).
type_registry: Registry[type[ValueType]] = Registry("type", key_attribute="name")
