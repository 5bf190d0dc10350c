"""Errors raised by the engine. Every one of them is an `EngineError`."""

from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class ValueParseError(EngineError, ValueError):
    """A raw value could not be read as a type; `reason` says why in plain words
    (naming the value and the type); `detail`, when given, is the why alone
    ("longer than ten years"), for a message that names the value otherwise."""

    def __init__(self, reason: str, *, path: str = "", detail: str = "") -> None:
        self.reason = reason
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {reason}" if path else reason)


class TemplateError(EngineError, ValueError):
    """A template string has bad syntax or names something it may not."""


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a workflow definition: where (`path`) and what (`message`)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class InvalidDefinition(EngineError):
    """Raised by `validate_definition` with every `DefinitionError` found."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


def join_path(base: str, part: str | int) -> str:
    """Join a path to a key (`a.b`) or an index (`a[0]`)."""
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part
