"""Object: a structure with declared, typed fields (`event.*`, `steps.*`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw

if TYPE_CHECKING:
    from engine.scope import ScopeField


class ObjectType(ValueType):
    """A group of named, typed fields. Scopes are built from these: the scope root
    is an `ObjectType` whose fields are `record`, `previous`, `event`, ..."""

    name = "Object"
    label = "Group"
    widget = "none"

    def __init__(self, fields: Iterable[ScopeField] = (), *, label: str = "",
                 type_name: str = "Object") -> None:
        self._fields: dict[str, ScopeField] = {field.name: field for field in fields}
        self._label = label
        self._type_name = type_name

    @property
    def spec(self) -> str:
        return self._type_name

    def parse(self, raw: object) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueParseError(f"{describe_raw(raw)} is not an object")
        return raw

    def child(self, name: str) -> ScopeField | None:
        return self._fields.get(name)

    def children(self) -> Mapping[str, ScopeField]:
        return dict(self._fields)

    def with_field(self, field: ScopeField) -> ObjectType:
        return ObjectType([*self._fields.values(), field], label=self._label,
                          type_name=self._type_name)

    def accepts(self, other: ValueType) -> bool:
        return other is self
