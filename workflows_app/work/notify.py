"""Putting notifications in people's inboxes, for steps: who the named users and
groups are (in the run's tenant), and one notification each, once per step."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from workflows_app.models import Notification
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy.events import visible_now
from workflows_app.tenancy.scoping import scope_by_path
from workflows_app.work.types import find_user


class UnknownUser(LookupError):
    """A user named by a step is not an active user (any more)."""


def people(users: Iterable[Any], groups: Iterable[str]) -> dict[Any, Any]:
    """The active users named (user names, ids or `User` values) and the active
    members of the named groups (with tenancy on, those of the run's tenant),
    each once, by primary key. Raises `UnknownUser` for a user that is missing."""
    found: dict[Any, Any] = {}
    for value in users:
        user = find_user(value)
        if user is None:
            raise UnknownUser(f"there is no active user {value!r} any more")
        found[user.pk] = user
    model = get_user_model()
    for name in groups:
        members = model._default_manager.filter(groups__name=name, is_active=True)
        for user in scope_by_path(members, _user_tenant_path(), visible_now()):
            found.setdefault(user.pk, user)
    return found


def notify(recipients: Iterable[Any], *, run_id: int, step_key: str, title: str,
           body: str = "", link: str = "") -> list[str]:
    """One notification for each recipient from this step of this run (a retried
    step notifies nobody twice); returns their user names."""
    title = " ".join(str(title).split())[:200]
    names = []
    for user in recipients:
        Notification.objects.get_or_create(
            run_id=run_id, step_key=step_key, recipient=user,
            defaults={"title": title, "body": body, "link": link[:500]})
        names.append(user.get_username())
    return names


def _user_tenant_path() -> str | None:
    registration = get_registration(user_model_label())
    return registration.tenant_path if registration else None
