"""A small registry, in the manner of Django's `AdminSite.register`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from engine.errors import EngineError

T = TypeVar("T")


class AlreadyRegistered(EngineError):
    """A key was registered twice."""


class NotRegistered(EngineError, KeyError):
    """A key was looked up or unregistered but nothing is registered under it."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Maps a key to a registered item; usable as a decorator or a plain call.

    The key is read from the item's attribute named `key_attribute` unless passed
    explicitly::

        steps = Registry("step", key_attribute="key")

        @steps.register
        class SendEmail(StepType):
            key = "email.send"

        steps.register(OtherStep)              # plain call
        steps.register(OtherStep, key="x.y")   # explicit key

    Registering a key twice raises `AlreadyRegistered`; `unregister` exists for
    tests and for projects that replace a built-in.
    """

    def __init__(self, kind: str, *, key_attribute: str = "key") -> None:
        self.kind = kind
        self.key_attribute = key_attribute
        self._items: dict[str, T] = {}

    def register(self, item: T | None = None, *, key: str | None = None) -> Any:
        """Register `item`; without an item, return a decorator."""
        if item is None:
            def decorator(inner: T) -> T:
                self.register(inner, key=key)
                return inner

            return decorator
        resolved_key = key if key is not None else getattr(item, self.key_attribute, None)
        if not isinstance(resolved_key, str) or not resolved_key:
            raise EngineError(
                f"Cannot register {item!r} as a {self.kind}: it has no "
                f"'{self.key_attribute}' string."
            )
        if resolved_key in self._items:
            raise AlreadyRegistered(
                f'A {self.kind} is already registered as "{resolved_key}": '
                f"{self._items[resolved_key]!r}."
            )
        self._items[resolved_key] = item
        return item

    def unregister(self, key: str) -> None:
        """Remove the item registered under `key`."""
        if key not in self._items:
            raise NotRegistered(f'No {self.kind} is registered as "{key}".')
        del self._items[key]

    def get(self, key: str) -> T:
        """Return the item under `key` or raise `NotRegistered`."""
        try:
            return self._items[key]
        except (KeyError, TypeError):
            raise NotRegistered(f'No {self.kind} is registered as "{key}".') from None

    def find(self, key: object) -> T | None:
        """Return the item under `key`, or None (also for a non-string key)."""
        if not isinstance(key, str):
            return None
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())

    def values(self) -> list[T]:
        return [item for _, item in self.items()]

    def keys(self) -> list[str]:
        return sorted(self._items)

    def temporarily(self, item: T, *, key: str | None = None) -> _Temporary[T]:
        """Context manager registering `item` for the duration of a `with` block."""
        return _Temporary(self, item, key)


class _Temporary(Generic[T]):
    def __init__(self, registry: Registry[T], item: T, key: str | None) -> None:
        self.registry = registry
        self.item = item
        self.key = key

    def __enter__(self) -> T:
        self.registry.register(self.item, key=self.key)
        return self.item

    def __exit__(self, *exc_info: object) -> None:
        resolved = self.key or getattr(self.item, self.registry.key_attribute)
        self.registry.unregister(resolved)
