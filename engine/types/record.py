"""Record[model] and User: hooks that `workflows_app` fills with Django models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw, type_registry

if TYPE_CHECKING:
    from engine.scope import ScopeField


class RecordProvider(Protocol):
    """What the engine needs to know about records; `workflows_app` implements it
    over Django models. Engine tests use a small in-memory one."""

    def exists(self, model: str) -> bool:
        """Whether `model` ("app_label.modelname") may be used in workflows."""

    def model_label(self, model: str) -> str:
        """A human name for the model ("Order")."""

    def fields(self, model: str) -> Mapping[str, ScopeField]:
        """The typed fields the model exposes, by name."""

    def options(self, model: str, search: str = "", offset: int = 0,
                limit: int = 20) -> list[tuple[Any, str]]:
        """Records to choose from, as `(primary key, label)` pairs."""


@runtime_checkable
class RecordValue(Protocol):
    """A record as scope values see it: its key and its exposed fields only."""

    @property
    def record_pk(self) -> Any: ...

    def scope_child(self, name: str) -> Any: ...


#: Types whose values are never records (the common scope values).
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), dict, list, tuple})
_record_types: set[type] = set()


def is_record_value(value: Any) -> bool:
    """`isinstance(value, RecordValue)`, fast: checking a runtime protocol looks
    for its members on every call, and paths are resolved for every step of every
    run. A type that has both members itself is remembered."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return False
    if kind in _record_types:
        return True
    if hasattr(kind, "record_pk") and hasattr(kind, "scope_child"):
        _record_types.add(kind)
        return True
    return isinstance(value, RecordValue)


class _NoProvider:
    def exists(self, model: str) -> bool:
        return False

    def model_label(self, model: str) -> str:
        return model

    def fields(self, model: str) -> Mapping[str, ScopeField]:
        return {}

    def options(self, model: str, search: str = "", offset: int = 0,
                limit: int = 20) -> list[tuple[Any, str]]:
        return []


_provider: RecordProvider = _NoProvider()


def set_record_provider(provider: RecordProvider) -> RecordProvider:
    """Install the provider that answers for every `Record[...]`; returns the old one."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def get_record_provider() -> RecordProvider:
    return _provider


@type_registry.register
class Record(ValueType):
    """A reference to one record of a registered model: `Record[demo.order]`.

    Its fields are followed in paths (`record.customer.email`). Values are
    `RecordValue`s at run time or primary keys in definitions.
    """

    name = "Record"
    label = "Record"
    widget = "record"

    def __init__(self, model: str) -> None:
        self.model = model

    @property
    def spec(self) -> str:
        return f"Record[{self.model}]"

    @property
    def model_label(self) -> str:
        return get_record_provider().model_label(self.model)

    def parse(self, raw: object) -> Any:
        if is_record_value(raw):
            return raw
        if isinstance(raw, bool) or not isinstance(raw, int | str) or raw == "":
            raise ValueParseError(
                f"{describe_raw(raw)} is not the id of a record ({self.model_label})")
        return raw

    def to_json(self, value: Any) -> Any:
        if is_record_value(value):
            return value.record_pk
        return value

    def comparable(self, value: Any) -> Any:
        pk = value.record_pk if is_record_value(value) else value
        return str(pk) if pk is not None else None

    def child(self, name: str) -> ScopeField | None:
        return get_record_provider().fields(self.model).get(name)

    def children(self) -> Mapping[str, ScopeField]:
        return get_record_provider().fields(self.model)

    def options(self) -> list[tuple[Any, str]] | None:
        return None  # too many to list: use `search_options`

    def search_options(self, search: str = "", offset: int = 0,
                       limit: int = 20) -> list[tuple[Any, str]]:
        return get_record_provider().options(self.model, search, offset, limit)

    def _same_parameters(self, other: ValueType) -> bool:
        return isinstance(other, Record) and other.model == self.model

    def input_spec(self) -> dict[str, Any]:
        spec = super().input_spec()
        spec["model"] = self.model
        return spec

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        model = arguments.get("model")
        if not isinstance(model, str) or not get_record_provider().exists(model):
            raise ValueParseError(f"{describe_raw(model)} is not a model registered for workflows")
        return cls(model)


@type_registry.register
class User(Record):
    """A user of the host project (`Record` over the user model)."""

    name = "User"
    label = "User"
    widget = "user"
    user_model = "auth.user"

    def __init__(self, model: str | None = None) -> None:
        super().__init__(model or self.user_model)

    @property
    def spec(self) -> str:
        return "User"

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        return cls()
