"""Live updates: the WebSocket consumers refuse who may not see runs, deliver the
workers' announcements through the channel layer, and fall back to polling the
database where the layer cannot cross processes. Publishing never breaks the
executor."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from tests.workflows_app.history_support import (
    VIEW_PERMISSIONS,
    Shop,
    build_shop,
    make_user,
)
from tests.workflows_app.support import create_workflow, order
from workflows_app.execution.queue import drain
from workflows_app.live import consumers, notify
from workflows_app.live.consumers import poll_interval
from workflows_app.live.routing import websocket_urlpatterns
from workflows_app.models import Run, RunStatus
from workflows_app.run_actions import cancel_run

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def run_async(test: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(test)()


def application() -> Any:
    """The project's websocket stack, with the user set by the test (no session)."""
    from channels.routing import URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator

    router = URLRouter(websocket_urlpatterns)

    class ScopeUser:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
            scope = {**scope, "user": scope.get("test_user") or AnonymousUser()}
            return await self.inner(scope, receive, send)

    return AllowedHostsOriginValidator(ScopeUser(router))


def communicator(path: str, user: Any = None, origin: bytes = b"http://localhost"
                 ) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application(), path, headers=[(b"origin", origin)])
    comm.scope["test_user"] = user
    return comm


def session_cookie(user: Any) -> tuple[Any, bytes]:
    """A logged-in test client for `user` and its session cookie header value."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def shop() -> Shop:
    return build_shop()


@pytest.fixture
def viewer() -> Any:
    return make_user("support", *VIEW_PERMISSIONS)


@pytest.fixture
def layer_only(settings: Any) -> None:
    """Deliveries through the channel layer only (no polling)."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, "LIVE_POLL_SECONDS": 0}


@pytest.fixture
def fast_polling(settings: Any) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "LIVE_POLL_SECONDS": 0.1}


# -- who may connect ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "not staff", "staff without permission",
                                 "inactive"])
def test_refused_before_the_handshake(shop: Shop, who: str) -> None:
    user = {
        "anonymous": lambda: None,
        "not staff": lambda: make_user("customer", *VIEW_PERMISSIONS, staff=False),
        "staff without permission": lambda: make_user("intern"),
        "inactive": lambda: _inactive(make_user("gone", *VIEW_PERMISSIONS)),
    }[who]()

    async def test() -> None:
        for path in ("/ws/workflows/runs/", f"/ws/workflows/runs/{shop.failed.pk}/"):
            comm = communicator(path, user)
            connected, code = await comm.connect()
            assert not connected and code == consumers.CLOSE_FORBIDDEN
            await comm.disconnect()

    run_async(test)


def _inactive(user: Any) -> Any:
    user.is_active = False
    user.save()
    return user


def test_refused_for_a_missing_run_and_a_foreign_origin(shop: Shop, viewer: Any) -> None:
    async def test() -> None:
        comm = communicator("/ws/workflows/runs/999999/", viewer)
        connected, code = await comm.connect()
        assert not connected and code == consumers.CLOSE_NOT_FOUND
        await comm.disconnect()
        comm = communicator(f"/ws/workflows/runs/{2**64}/", viewer)
        connected, code = await comm.connect()
        assert not connected
        await comm.disconnect()
        comm = communicator("/ws/workflows/runs/", viewer, origin=b"https://evil.example")
        connected, _ = await comm.connect()
        assert not connected
        await comm.disconnect()

    run_async(test)


def test_view_only_and_change_users_and_superusers_connect(shop: Shop, viewer: Any,
                                                           layer_only: None) -> None:
    editor = make_user("editor", "change_run")
    root = make_user("root", superuser=True)

    async def test() -> None:
        for user in (viewer, editor, root):
            comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", user)
            connected, _ = await comm.connect()
            assert connected
            assert await comm.receive_nothing(0.05)
            await comm.disconnect()

    run_async(test)


def test_the_project_asgi_application_refuses_anonymous_sockets(shop: Shop) -> None:
    from config.asgi import application as project

    async def test() -> None:
        comm = WebsocketCommunicator(project, "/ws/workflows/runs/", headers=[ORIGIN])
        connected, _ = await comm.connect()
        assert not connected
        await comm.disconnect()

    run_async(test)


def test_the_project_asgi_application_authenticates_with_the_session(shop: Shop,
                                                                     viewer: Any,
                                                                     layer_only: None) -> None:
    from config.asgi import application as project

    _client, cookie = session_cookie(viewer)

    async def test() -> None:
        comm = WebsocketCommunicator(project, f"/ws/workflows/runs/{shop.failed.pk}/",
                                     headers=[ORIGIN, (b"cookie", cookie)])
        connected, _ = await comm.connect()
        assert connected
        await comm.disconnect()

    run_async(test)


@pytest.fixture
def quick_recheck(monkeypatch: Any) -> None:
    monkeypatch.setattr(consumers, "PERMISSION_RECHECK_SECONDS", 0.1)


def test_an_open_socket_is_closed_once_the_permission_is_gone(shop: Shop, viewer: Any,
                                                              layer_only: None,
                                                              quick_recheck: None) -> None:
    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", viewer)
        connected, _ = await comm.connect()
        assert connected
        assert await comm.receive_nothing(0.3)  # still allowed: stays open, quiet
        await database_sync_to_async(viewer.user_permissions.clear)()
        closed = await comm.receive_output(2)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
        await comm.disconnect()

    run_async(test)


def test_an_open_socket_is_closed_when_its_session_logs_out(shop: Shop, viewer: Any,
                                                            layer_only: None,
                                                            quick_recheck: None) -> None:
    from config.asgi import application as project

    client, cookie = session_cookie(viewer)

    async def test() -> None:
        comm = WebsocketCommunicator(project, "/ws/workflows/runs/",
                                     headers=[ORIGIN, (b"cookie", cookie)])
        connected, _ = await comm.connect()
        assert connected
        assert await comm.receive_nothing(0.3)
        await database_sync_to_async(client.logout)()
        closed = await comm.receive_output(2)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
        await comm.disconnect()

    run_async(test)


# -- deliveries through the channel layer ---------------------------------------------------

def test_run_page_gets_the_changes_of_its_run_only(shop: Shop, viewer: Any,
                                                   layer_only: None) -> None:
    async def test() -> None:
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await database_sync_to_async(notify.notify_runs_changed)([shop.succeeded.pk])
        assert await comm.receive_nothing(0.1)
        await database_sync_to_async(notify.notify_runs_changed)(
            [shop.succeeded.pk, shop.failed.pk])
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.failed.pk]}
        await comm.disconnect()

    run_async(test)


def test_the_executor_and_run_actions_announce_after_commit(viewer: Any,
                                                            layer_only: None) -> None:
    workflow = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}])

    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", viewer)
        assert (await comm.connect())[0]
        await database_sync_to_async(order)("10.00", number="L-1")
        await database_sync_to_async(drain)()  # the worker, in a thread of this process
        run = await database_sync_to_async(Run.objects.get)(workflow=workflow)
        assert run.status == RunStatus.SUCCEEDED
        message = await comm.receive_json_from(timeout=2)
        assert message["type"] == "runs.changed" and run.pk in message["ids"]
        while not await comm.receive_nothing(0.1):  # later rounds (the audit...) if any
            await comm.receive_json_from()
        # a run action, in the web process, announces its run too
        waiting = await database_sync_to_async(Run.objects.create)(
            workflow=workflow, version_id=run.version_id, event_id=run.event_id, rerun_of=run,
            status=RunStatus.WAITING, due_at=timezone.now() + timezone.timedelta(hours=1))
        await database_sync_to_async(cancel_run)(waiting)
        message = await comm.receive_json_from(timeout=2)
        assert message == {"type": "runs.changed", "ids": [waiting.pk]}
        await comm.disconnect()

    run_async(test)


def test_nothing_is_sent_for_a_rolled_back_change(shop: Shop, viewer: Any,
                                                  layer_only: None) -> None:
    from django.db import transaction

    def rolled_back() -> None:
        try:
            with transaction.atomic():
                notify.runs_changed_on_commit([shop.failed.pk])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    async def test() -> None:
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await database_sync_to_async(rolled_back)()
        assert await comm.receive_nothing(0.2)
        await comm.disconnect()

    run_async(test)


# -- polling, where the layer cannot cross processes ----------------------------------------

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def test_polling_interval_follows_the_layer() -> None:
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    with override_settings(CHANNEL_LAYERS=IN_MEMORY):
        assert poll_interval() == consumers.DEFAULT_POLL_SECONDS  # in-memory layer
    redis = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                         "CONFIG": {"hosts": ["redis://127.0.0.1:6379/11"]}}}
    channel_layers.backends.clear()
    try:
        with override_settings(CHANNEL_LAYERS=redis):
            assert poll_interval() == 0.0  # workers publish through Redis
            with override_settings(WORKFLOWS={"LIVE_POLL_SECONDS": 2}):
                assert poll_interval() == 2.0
    finally:
        channel_layers.backends.clear()
    with override_settings(WORKFLOWS={"LIVE_POLL_SECONDS": 0}):
        assert poll_interval() == 0.0
    with override_settings(CHANNEL_LAYERS=IN_MEMORY):
        assert poll_interval() == consumers.DEFAULT_POLL_SECONDS
    channel_layers.backends.clear()


def test_run_page_polls_the_database(shop: Shop, viewer: Any, fast_polling: None) -> None:
    """Another process (a worker) changes the run: no message, yet the page hears."""

    async def test() -> None:
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await asyncio.sleep(0.25)  # the poller took its first marker
        assert await comm.receive_nothing(0.2)
        # a change the channel layer never hears of: straight to the database
        await database_sync_to_async(
            Run.objects.filter(pk=shop.failed.pk).update)(status=RunStatus.PENDING)
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.failed.pk]}
        # a step's progress counts too
        step = await database_sync_to_async(shop.failed.steps.get)(key="notify_erp")
        await database_sync_to_async(
            type(step).objects.filter(pk=step.pk).update)(attempt=step.attempt + 1)
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.failed.pk]}
        assert await comm.receive_nothing(0.3)  # nothing else changed
        await comm.disconnect()

    run_async(test)


def test_runs_list_polls_its_rows_and_new_runs(shop: Shop, viewer: Any,
                                               fast_polling: None) -> None:
    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", viewer)
        assert (await comm.connect())[0]
        await comm.send_json_to({"watch": [shop.failed.pk, shop.succeeded.pk, "x", -1]})
        await asyncio.sleep(0.3)
        assert await comm.receive_nothing(0.2)
        await database_sync_to_async(
            Run.objects.filter(pk=shop.succeeded.pk).update)(status=RunStatus.CANCELLED)
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.succeeded.pk]}
        await database_sync_to_async(Run.objects.create)(
            workflow=shop.erp, version_id=shop.failed.version_id,
            event_id=shop.failed.event_id, rerun_of=shop.failed)
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [], "new": True}
        await comm.disconnect()

    run_async(test)


def test_a_page_closed_stops_its_poller(shop: Shop, viewer: Any, fast_polling: None) -> None:
    async def test() -> None:
        before = len(asyncio.all_tasks())
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await comm.disconnect()
        await asyncio.sleep(0.2)
        assert len(asyncio.all_tasks()) <= before

    run_async(test)


# -- failure-proof publishing ---------------------------------------------------------------

def test_a_broken_channel_layer_never_breaks_execution(monkeypatch: Any, caplog: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr("channels.layers.get_channel_layer", broken)
    monkeypatch.setattr(notify, "_last_logged", float("-inf"))
    workflow = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}])
    order("10.00", number="L-2")
    drain()
    assert Run.objects.get(workflow=workflow).status == RunStatus.SUCCEEDED
    assert "could not announce run changes" in caplog.text
    notify.notify_runs_changed([1, 2])  # and never raises when called directly
    notify.runs_changed_on_commit(["not a number"])  # nor for nonsense


def test_an_in_memory_layer_without_listeners_is_skipped(monkeypatch: Any) -> None:
    from channels.layers import channel_layers

    channel_layers.backends.clear()  # a fresh layer: no group left by other tests
    try:
        with override_settings(CHANNEL_LAYERS=IN_MEMORY):
            layer = get_channel_layer()
            sent: list[Any] = []

            async def group_send(group: str, message: Any) -> None:
                sent.append(message)

            monkeypatch.setattr(layer, "group_send", group_send)
            notify.notify_runs_changed([1])
            assert sent == []  # a worker process: nobody listening here
    finally:
        channel_layers.backends.clear()


# -- what changed before the socket opened is not missed ---------------------------------

def test_an_outdated_run_page_hears_at_once(shop: Shop, viewer: Any, layer_only: None) -> None:
    from workflows_app.live import markers

    current = markers.token(markers.run_marker(shop.failed.pk))

    async def test() -> None:
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await comm.send_json_to({"marker": current})
        assert await comm.receive_nothing(0.2)  # up to date
        await comm.send_json_to({"marker": "rendered-before-the-retry"})
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.failed.pk]}
        await comm.send_json_to({"marker": 12})  # nonsense is ignored
        assert await comm.receive_nothing(0.1)
        await comm.disconnect()

    run_async(test)


def test_the_rendered_marker_matches_the_consumer(shop: Shop, viewer: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    from workflows_app.live import markers

    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("admin:workflows_app_run_change", args=[shop.failed.pk]))
    token = markers.token(markers.run_marker(shop.failed.pk))
    assert f'data-live-marker="{token}"' in page.content.decode()


def test_an_outdated_runs_list_hears_at_once(shop: Shop, viewer: Any, layer_only: None) -> None:
    newest = Run.objects.order_by("-pk").values_list("pk", flat=True).first()

    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", viewer)
        assert (await comm.connect())[0]
        await comm.send_json_to({"watch": [[shop.failed.pk, "failed"],
                                           [shop.succeeded.pk, "succeeded"]],
                                 "newest": newest})
        assert await comm.receive_nothing(0.2)  # up to date
        await comm.send_json_to({"watch": [[shop.failed.pk, "running"],
                                           [shop.succeeded.pk, "succeeded"]],
                                 "newest": newest})
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [shop.failed.pk]}
        await comm.send_json_to({"watch": [], "newest": newest - 1})
        assert await comm.receive_json_from(timeout=2) == {"type": "runs.changed",
                                                           "ids": [], "new": True}
        await comm.send_json_to({"watch": [[True, "x"], ["1", "y"], [1, 2], {}]})
        assert await comm.receive_nothing(0.1)
        await comm.send_json_to(["not", "a", "dict"])
        assert await comm.receive_nothing(0.1)
        await comm.disconnect()

    run_async(test)


def test_the_background_publisher_merges_and_survives_errors(monkeypatch: Any) -> None:
    """With a layer that crosses processes, a worker hands run ids to a background
    loop: it never waits for the layer, bursts are merged, and errors are logged."""
    publisher = notify._Publisher()
    sent: list[Any] = []
    fail = {"next": True}

    class FakeLayer:
        async def group_send(self, group: str, message: Any) -> None:
            await asyncio.sleep(0.01)
            if fail["next"]:
                fail["next"] = False
                raise ConnectionError("redis is down")
            sent.append((group, message))

    logged: list[str] = []
    monkeypatch.setattr(notify, "_log_failure", lambda: logged.append("failed"))
    layer = FakeLayer()
    publisher.send(layer, [1])  # fails: logged, not raised
    publisher.flush(timeout=2)
    assert logged == ["failed"] and sent == []
    for pk in range(2, 600):
        publisher.send(layer, [pk, pk + 1])
    publisher.flush(timeout=2)
    ids = [pk for _, message in sent for pk in message["ids"]]
    assert sorted(set(ids)) == list(range(2, 601))
    assert len(sent) < 100  # merged, at most 500 ids per message
    assert all(group == notify.GROUP and message["type"] == "runs.changed"
               and len(message["ids"]) <= notify.MAX_IDS_PER_MESSAGE
               for group, message in sent)


def test_open_pages_renew_their_group_membership(shop: Shop, viewer: Any, layer_only: None,
                                                 monkeypatch: Any) -> None:
    """With a layer whose memberships expire (Redis), an open page joins again
    every GROUP_REJOIN_SECONDS, so a short `group_expiry` only drops dead sockets."""

    class NeverInMemory:
        pass

    monkeypatch.setattr(consumers, "GROUP_REJOIN_SECONDS", 0.05)
    monkeypatch.setattr(consumers, "InMemoryChannelLayer", NeverInMemory)
    layer = get_channel_layer()
    joins: list[str] = []
    original = layer.group_add

    async def group_add(group: str, channel: str) -> None:
        joins.append(group)
        await original(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)

    async def test() -> None:
        comm = communicator(f"/ws/workflows/runs/{shop.failed.pk}/", viewer)
        assert (await comm.connect())[0]
        await asyncio.sleep(0.3)
        await comm.disconnect()
        count = len(joins)
        await asyncio.sleep(0.2)
        assert len(joins) == count  # stopped with the socket

    run_async(test)
    assert len(joins) >= 3 and set(joins) == {notify.GROUP}
