"""What a kind of connection declares: its settings, typed, some of them secret."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.errors import ValueParseError
from engine.registry import Registry
from engine.types import ValueType


@dataclass(frozen=True)
class Setting:
    """One typed setting of a kind of connection.

    A `secret` setting (a token, a password, a webhook address with a key in it)
    is encrypted at rest and never shown again once saved: the admin says "set,
    last changed <date>" and offers a field to replace it.
    """

    name: str
    type: ValueType
    label: str = ""
    required: bool = True
    secret: bool = False
    default: Any = None
    help: str = ""

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class ConnectionKind:
    """Base class of a kind of connection; one module per kind, registered in
    `connection_kinds`::

        @connection_kinds.register
        class Mattermost(ConnectionKind):
            key = "mattermost"
            label = "Mattermost (incoming webhook)"
            settings = (Setting("webhook_url", URL(), "Webhook URL", secret=True),)

    `clean(values)` may check settings together; it returns errors by setting name.
    """

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    settings: ClassVar[tuple[Setting, ...]] = ()

    @classmethod
    def setting(cls, name: str) -> Setting | None:
        for setting in cls.settings:
            if setting.name == name:
                return setting
        return None

    @classmethod
    def public_settings(cls) -> tuple[Setting, ...]:
        return tuple(setting for setting in cls.settings if not setting.secret)

    @classmethod
    def secret_settings(cls) -> tuple[Setting, ...]:
        return tuple(setting for setting in cls.settings if setting.secret)

    @classmethod
    def parse_setting(cls, setting: Setting, raw: Any) -> Any:
        """The typed value of `raw` for `setting` (raises `ValueParseError`)."""
        if raw in (None, ""):
            if setting.required and setting.default is None:
                raise ValueParseError("this setting is required")
            return setting.default
        return setting.type.to_json(setting.type.parse(raw))

    @classmethod
    def clean(cls, values: Mapping[str, Any]) -> dict[str, str]:
        return {}


#: Every kind of connection, by key ("twilio_sms").
connection_kinds: Registry[type[ConnectionKind]] = Registry("connection kind")
