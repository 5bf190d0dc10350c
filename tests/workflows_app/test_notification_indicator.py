"""The notification indicator in the admin header: every admin page shows the
signed-in staff user's own unread count, linking to their inbox; the count
endpoint the page re-reads when the live socket says something changed; and the
socket itself (own count only, staff only)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from tests.workflows_app.support import order
from tests.workflows_app.test_work_steps import client_for, run_for_new_order, staff
from workflows_app.execution.queue import drain
from workflows_app.models import Notification

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:workflows_app_notification_changelist")
UNREAD = reverse("admin:workflows_app_notification_unread")
NOTIFY_MANAGER = [{"key": "tell", "type": "notify.user", "params": {
    "users": ["manager"], "title": "Big order {{ record.number }}"}}]


def indicator(html: str) -> str:
    start = html.index('id="wf-notifications"')
    return html[start:html.index("</a>", start)]


def test_every_admin_page_shows_the_users_own_unread_count() -> None:
    manager = staff("manager")
    other = staff("other")
    run_for_new_order(NOTIFY_MANAGER)
    for url in (reverse("admin:index"), INBOX, reverse("admin:workflows_app_task_changelist")):
        page = client_for(manager).get(url).content.decode()
        assert 'data-unread="1"' in indicator(page), url
        assert f'href="{INBOX}"' in indicator(page)
    assert 'data-unread="0"' in indicator(client_for(other).get(reverse("admin:index"))
                                          .content.decode())
    assert client_for(manager).get(UNREAD).json() == {"unread": 1, "url": INBOX}
    assert client_for(other).get(UNREAD).json() == {"unread": 0, "url": INBOX}


def test_reading_a_notification_lowers_the_count() -> None:
    manager = staff("manager")
    run_for_new_order(NOTIFY_MANAGER)
    order("12000.00", number="W-2")
    drain(wait_for_delays=True, max_seconds=20)
    client = client_for(manager)
    assert client.get(UNREAD).json()["unread"] == 2
    first = Notification.objects.filter(recipient=manager).first()
    client.get(reverse("admin:workflows_app_notification_change", args=[first.pk]))
    assert client.get(UNREAD).json()["unread"] == 1
    client.post(INBOX, {"action": "mark_read", "_selected_action": [
        n.pk for n in Notification.objects.filter(recipient=manager)]})
    assert client.get(UNREAD).json()["unread"] == 0
    assert 'data-unread="0"' in indicator(client.get(reverse("admin:index")).content.decode())


def test_the_count_is_for_staff_only() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    assert Client().get(UNREAD).status_code == 302  # to the login page
    customer = get_user_model().objects.create_user("customer", "c@example.com", "pw")
    response = client_for(customer).get(UNREAD)
    assert response.status_code == 302


def _socket(user: Any) -> Any:
    from channels.testing import WebsocketCommunicator

    from workflows_app.live.consumers import NotificationsConsumer

    communicator = WebsocketCommunicator(NotificationsConsumer.as_asgi(),
                                         "/ws/workflows/notifications/")
    communicator.scope["user"] = user
    return communicator


@pytest.mark.django_db(transaction=True)
def test_the_socket_tells_a_user_when_their_own_count_changes(settings: Any) -> None:
    settings.WORKFLOWS = {**getattr(settings, "WORKFLOWS", {}), "LIVE_POLL_SECONDS": 0.1}
    manager = staff("manager")
    other = staff("other")

    async def scenario() -> tuple[Any, Any, Any]:
        from channels.db import database_sync_to_async

        mine, theirs, anonymous = _socket(manager), _socket(other), _socket(AnonymousUser())
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        refused = await anonymous.connect()
        await database_sync_to_async(run_for_new_order)(NOTIFY_MANAGER)
        message = await mine.receive_json_from(timeout=5)
        other_silent = await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()
        return message, other_silent, refused

    message, other_silent, refused = async_to_sync(scenario)()
    assert message == {"type": "notifications.changed", "unread": 1}
    assert other_silent
    assert refused == (False, 4403)
