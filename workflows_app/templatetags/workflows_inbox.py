"""The notification indicator of the admin header: `{% load workflows_inbox %}
{% notification_indicator %}` (the app's `admin/base_site.html` puts it there)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from workflows_app.extras import live_updates_enabled
from workflows_app.live.paths import notifications_socket_path
from workflows_app.work.inbox import may_have_inbox, unread_count

register = template.Library()


@register.inclusion_tag("workflows_app/admin/work/notification_indicator.html",
                        takes_context=True)
def notification_indicator(context: Any) -> dict[str, Any]:
    """The signed-in staff user's own unread count, linking to their inbox; with live
    updates on, the page keeps it current over a WebSocket. Nothing for others."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not may_have_inbox(user):
        return {"show": False}
    try:
        inbox = reverse("admin:workflows_app_notification_changelist")
        count_url = reverse("admin:workflows_app_notification_unread")
    except NoReverseMatch:  # the inbox is not registered on this admin site
        return {"show": False}
    return {"show": True, "unread": unread_count(user), "inbox": inbox,
            "count_url": count_url,
            "socket": notifications_socket_path() if live_updates_enabled() else ""}
