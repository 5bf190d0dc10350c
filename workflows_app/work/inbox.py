"""The unread count of a user's notification inbox: one place for the inbox title,
the indicator in the admin header, its JSON endpoint and the live socket."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q

from workflows_app.models import Notification


def may_have_inbox(user: Any) -> bool:
    """Every active staff user has an inbox (whatever their model permissions)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.is_active and user.is_staff)


def unread_count(user: Any) -> int:
    """How many of the user's own notifications are unread (0 for anyone without
    an inbox). One indexed query."""
    if not may_have_inbox(user):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at=None).count()


def unread_marker(user_id: int) -> tuple[int, int]:
    """What the live socket compares: the unread count and the newest notification
    id (a new notification changes it even when one was read meanwhile)."""
    values = Notification.objects.filter(recipient_id=user_id).aggregate(
        unread=Count("pk", filter=Q(read_at=None)), newest=Max("pk"))
    return int(values["unread"] or 0), int(values["newest"] or 0)
