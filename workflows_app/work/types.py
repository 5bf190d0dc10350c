"""Value types of the work steps: users and groups by name, an assignee, a due date.

Names written in a definition are checked against the database when the workflow
is saved (a user or group that does not exist is an error naming the place), and
again when the step runs.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from engine.errors import ValueParseError
from engine.types import DateTime, Duration, Record, String, ValueType, is_record_value
from engine.types.base import describe_raw
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy.events import visible_now
from workflows_app.tenancy.scoping import scope_by_path

USER_PREFIX = "user:"
GROUP_PREFIX = "group:"


class LazyOptions:
    """Options read from the database: listed on demand (the metadata's options
    endpoint, the registered form field), never in the static step catalogue."""

    def input_spec(self) -> dict[str, Any]:
        return {"widget": self.widget, "placeholder": self.placeholder,  # type: ignore[attr-defined]
                "help": self.help_text, "lazy_options": True}  # type: ignore[attr-defined]


def _users() -> Any:
    """Active users; with tenancy on, of the tenants the code running now sees (the
    run's tenant in a step, the builder's tenants in a picker)."""
    users = get_user_model()._default_manager.filter(is_active=True)
    registration = get_registration(user_model_label())
    return scope_by_path(users, registration.tenant_path if registration else None,
                         visible_now())


def user_options() -> list[tuple[str, str]]:
    field = get_user_model().USERNAME_FIELD
    return [(str(getattr(user, field)), user.get_full_name() or str(getattr(user, field)))
            for user in _users().filter(is_staff=True).order_by(field)[:500]]


def group_options() -> list[tuple[str, str]]:
    return [(name, name) for name in Group.objects.order_by("name")
            .values_list("name", flat=True)[:500]]


def find_user(value: Any) -> Any:
    """The active user for a username, a primary key or a `User` record value; or None."""
    model = get_user_model()
    if is_record_value(value):
        return _users().filter(pk=value.record_pk).first()
    if isinstance(value, model):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _users().filter(pk=value).first()
    if isinstance(value, str):
        return _users().filter(**{model.USERNAME_FIELD: value}).first()
    return None


class UserName(LazyOptions, String):
    """A staff user, written by user name (`"alice"`); a reference to a `User` works too."""

    name = "UserName"
    label = "User"
    widget = "select"

    def parse(self, raw: object) -> Any:
        if is_record_value(raw):
            return raw
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not a user name")
        if find_user(raw.strip()) is None:
            raise ValueParseError(f'there is no active user "{raw.strip()}"')
        return raw.strip()

    def to_json(self, value: Any) -> Any:
        return value.record_pk if is_record_value(value) else value

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, UserName | Record) and (
            not isinstance(other, Record) or other.spec == "User")

    def options(self) -> list[tuple[Any, str]]:
        return user_options()

    @property
    def spec(self) -> str:
        return "UserName"


class GroupName(LazyOptions, String):
    """A group of users, by name (`"Sales managers"`)."""

    name = "GroupName"
    label = "Group"
    widget = "select"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not a group name")
        if not Group.objects.filter(name=raw.strip()).exists():
            raise ValueParseError(f'there is no group "{raw.strip()}"')
        return raw.strip()

    def options(self) -> list[tuple[Any, str]]:
        return group_options()

    @property
    def spec(self) -> str:
        return "GroupName"


class Assignee(LazyOptions, ValueType):
    """Who a task is for: `"user:alice"`, `"group:Sales managers"`, or a reference to a
    `User` (e.g. an order's account manager). A bare name is read as a user name."""

    name = "Assignee"
    label = "Assignee"
    widget = "select"
    help_text = "A person or a group: anyone in the group may complete the task."

    def parse(self, raw: object) -> Any:
        if is_record_value(raw):
            return raw
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not a user or a group")
        text = raw.strip()
        if text.startswith(GROUP_PREFIX):
            return GROUP_PREFIX + GroupName().parse(text[len(GROUP_PREFIX):])
        name = text[len(USER_PREFIX):] if text.startswith(USER_PREFIX) else text
        return USER_PREFIX + UserName().parse(name)

    def to_json(self, value: Any) -> Any:
        return value.record_pk if is_record_value(value) else value

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, Assignee | UserName) or (
            isinstance(other, Record) and other.spec == "User")

    def options(self) -> list[tuple[Any, str]]:
        return ([(USER_PREFIX + value, label) for value, label in user_options()]
                + [(GROUP_PREFIX + value, f"Group: {label}") for value, label in group_options()])


class DueDate(ValueType):
    """When a task is due: a date (`"2026-12-24"`), a date and time, a length of time
    from when the step runs (`"2 days"`, `"in 2 days"`), or a reference to a date."""

    name = "DueDate"
    label = "Due"
    widget = "text"
    placeholder = "in 2 days"
    help_text = 'A date (2026-12-24) or a time from now ("in 2 days", "4 hours").'

    def parse(self, raw: object) -> Any:
        if isinstance(raw, datetime | date):
            return raw
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not a date or a length of time")
        text = raw.strip()
        try:
            date.fromisoformat(text)
            return text
        except ValueError:
            pass
        try:
            DateTime().parse(text)
            return text
        except ValueParseError:
            pass
        words = text[3:] if text.lower().startswith("in ") else text
        try:
            Duration().parse(words)
        except ValueParseError:
            raise ValueParseError(f'{describe_raw(raw)} is not a date (2026-12-24) or a time '
                                  'from now ("in 2 days")') from None
        return text

    def to_json(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime | date) else value

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, DueDate | DateTime)

    def due_at(self, value: Any, now: datetime) -> datetime | None:
        """The due moment for a parsed value, counted from `now` for lengths of time."""
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        if isinstance(value, date):
            return timezone.make_aware(datetime.combine(value, time(17, 0)))
        text = str(value).strip()
        try:
            day = date.fromisoformat(text)
            return timezone.make_aware(datetime.combine(day, time(17, 0)))
        except ValueError:
            pass
        try:
            return self.due_at(DateTime().parse(text), now)
        except ValueParseError:
            pass
        words = text[3:] if text.lower().startswith("in ") else text
        length: timedelta = Duration().parse(words)
        return now + length
