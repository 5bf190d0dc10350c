"""Connection[kinds]: the name of a stored connection (credentials live outside definitions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw, type_registry


class ConnectionProvider(Protocol):
    """What the engine needs to know about stored connections; `workflows_app`
    implements it over its `Connection` model."""

    def names(self, kinds: Sequence[str]) -> list[tuple[str, str]]:
        """`(name, label)` of the connections of any of `kinds`, by name."""

    def problem(self, name: str, kinds: Sequence[str]) -> str | None:
        """Why `name` cannot be used where one of `kinds` is needed, or None."""

    def kind_labels(self, kinds: Sequence[str]) -> list[str]:
        """Human names of `kinds` ("SMS (Twilio)")."""


class _NoProvider:
    def names(self, kinds: Sequence[str]) -> list[tuple[str, str]]:
        return []

    def problem(self, name: str, kinds: Sequence[str]) -> str | None:
        return None

    def kind_labels(self, kinds: Sequence[str]) -> list[str]:
        return list(kinds)


_provider: ConnectionProvider = _NoProvider()


def set_connection_provider(provider: ConnectionProvider) -> ConnectionProvider:
    """Install the provider that answers for every `Connection[...]`; returns the old one."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def get_connection_provider() -> ConnectionProvider:
    return _provider


@type_registry.register
class Connection(ValueType):
    """The name of a stored connection of one of `kinds`: `Connection[slack,teams]`.

    A definition holds the name only; the settings and secrets stay in the
    connection, so exports, versions and run history never carry a secret. A name
    written in a definition is checked when it is saved (the connection must exist
    and be of a fitting kind); the step checks it again when it runs.
    """

    name = "Connection"
    label = "Connection"
    widget = "select"
    help_text = "A connection set up under Workflows \u203a Connections."

    def __init__(self, kinds: Sequence[str] = ()) -> None:
        self.kinds = tuple(kinds)

    @property
    def spec(self) -> str:
        return f"Connection[{','.join(self.kinds)}]" if self.kinds else "Connection"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not the name of a connection")
        name = raw.strip()
        problem = get_connection_provider().problem(name, self.kinds)
        if problem:
            raise ValueParseError(problem)
        return name

    def options(self) -> list[tuple[Any, str]]:
        return get_connection_provider().names(self.kinds)

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, Connection) and (
            not self.kinds or set(other.kinds) <= set(self.kinds))

    def input_spec(self) -> dict[str, Any]:
        # The connections are rows of the host's database: listed on demand (the
        # metadata's options endpoint, the registered form field), never in the
        # static catalogue.
        spec: dict[str, Any] = {"widget": self.widget, "placeholder": self.placeholder,
                                "help": self.help_text, "kinds": list(self.kinds),
                                "lazy_options": True}
        return spec

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        kinds = arguments.get("kinds") or ()
        if isinstance(kinds, str):
            kinds = [kinds]
        return cls(kinds)
