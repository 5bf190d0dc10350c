"""WebSocket consumers of the live run history pages.

Both are authenticated (the session, through `AuthMiddlewareStack`) and checked
like the admin pages: an active staff user with `workflows_app.view_run` or
`change_run`. Anyone else is refused before the handshake completes (HTTP 403),
and so is a run page for a run that does not exist. An open socket is checked
again every `PERMISSION_RECHECK_SECONDS` against the database (session still
there and valid, user still active staff with the permission); when that no
longer holds it is closed with code 4403.

Server -> browser messages are JSON: `{"type": "runs.changed", "ids": [...]}`
(plus `"new": true` from the list poller when runs were added). The pages then
re-fetch their server-rendered HTML: the WebSocket carries no run data, so a page
never shows more than the admin view would.

Where changes come from:

- the channel layer group `workflows.runs` (`notify.py`): workers announce the
  runs they changed after each commit. With Redis this crosses processes and
  machines.
- polling (`markers.py`), when the layer cannot: the in-memory layer only
  reaches consumers in the process that sends, and workers are other processes.
  `WORKFLOWS["LIVE_POLL_SECONDS"]` sets the interval (None: 1 s with the
  in-memory layer, off otherwise; 0: off).

Browser -> server, on every (re)connection: the run page sends `{"marker": ...}`
(rendered into the page, see `markers.token`), the list `{"watch": [[id,
status], ...], "newest": id}` (its rows and the newest run id it knows). The
consumer answers at once when the page is already out of date (a change between
rendering the page and opening the socket), and the list poller compares just
the watched rows (and the newest id).

With tenancy on, a socket sees what its user sees in the admin: run ids of other
tenants are dropped from layer messages, watched rows and the newest run id are
read among the user's tenants' runs, and a run page of another tenant's run is
refused like a missing one (4404).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user

from workflows_app.conf import workflow_settings
from workflows_app.live import markers
from workflows_app.live.notify import GROUP
from workflows_app.models import Run
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.scoping import EVERYTHING, Visibility, scope, visibility
from workflows_app.work.inbox import may_have_inbox, unread_marker

logger = logging.getLogger("workflows_app.live")

#: WebSocket close codes (4000-4999 are the application's).
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
DEFAULT_POLL_SECONDS = 1.0
MAX_WATCHED = 500
#: How often an open page renews its membership of the layer group. Memberships
#: expire after the layer's `group_expiry` (channels_redis: a day by default; the
#: demo sets 5 minutes), which clears sockets a crashed web process never closed.
GROUP_REJOIN_SECONDS = 60.0
#: How often an open socket checks that its user may still see runs.
PERMISSION_RECHECK_SECONDS = 30.0


def can_view_runs(user: Any) -> bool:
    """What the admin asks of a run history page: an active staff user who may view
    (or change) runs."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_active and user.is_staff):
        return False
    return user.has_perm("workflows_app.view_run") or user.has_perm("workflows_app.change_run")


def _user_of_session(session_key: str | None) -> Any:
    """The user a session belongs to now, as Django's auth reads it for a request
    (missing, expired or outdated sessions give an anonymous user)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]


def poll_interval() -> float:
    """Seconds between database checks; 0 when the channel layer delivers."""
    configured = workflow_settings.LIVE_POLL_SECONDS
    if configured is not None:
        return max(0.0, float(configured))
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return DEFAULT_POLL_SECONDS
    return 0.0


class _RunsConsumer(AsyncJsonWebsocketConsumer):
    """Shared part: permission check, the layer group, the polling task.

    Subclasses say who may connect (`allowed`), what the polling compares
    (`marker`, `compare`) and the type of the messages they send (`message_type`).
    """

    message_type = "runs.changed"

    poller: asyncio.Task[None] | None = None
    rejoiner: asyncio.Task[None] | None = None
    guard: asyncio.Task[None] | None = None
    joined = False
    #: The tenants whose runs this socket may hear of.
    seen: Visibility = EVERYTHING

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(self.allowed)(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if tenancy_config.enabled():
            self.seen = await database_sync_to_async(visibility)(user)
        if not await self.setup():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if self.channel_layer is not None:
            try:
                await self.channel_layer.group_add(GROUP, self.channel_name)
                self.joined = True
            except Exception:  # Redis down: polling (if any) still works
                logger.warning("could not join the live updates group", exc_info=True)
        await self.accept()
        self.guard = asyncio.ensure_future(self._guard())
        interval = poll_interval()
        if interval > 0:
            self.poller = asyncio.ensure_future(self._poll(interval))
        if self.joined and not isinstance(self.channel_layer, InMemoryChannelLayer):
            self.rejoiner = asyncio.ensure_future(self._rejoin())

    def allowed(self, user: Any) -> bool:
        """Whether `user` may open (and keep open) this socket."""
        return can_view_runs(user)

    async def setup(self) -> bool:
        return True

    async def disconnect(self, code: int) -> None:
        current = asyncio.current_task()
        for task in (self.poller, self.rejoiner, self.guard):
            if task is not None and task is not current:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self.poller = self.rejoiner = self.guard = None
        if self.joined and self.channel_layer is not None:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(GROUP, self.channel_name)
            self.joined = False

    async def _guard(self) -> None:
        """Close the socket once its user may no longer see runs (logged out,
        deactivated, permission removed, password changed)."""
        while True:
            await asyncio.sleep(PERMISSION_RECHECK_SECONDS)
            try:
                allowed = await database_sync_to_async(self._still_allowed)()
            except Exception:  # a database hiccup: check again next time
                logger.warning("live updates: could not re-check permissions", exc_info=True)
                continue
            if not allowed:
                await self.close(code=CLOSE_FORBIDDEN)
                return

    def _still_allowed(self) -> bool:
        session = self.scope.get("session")
        if session is not None:  # the project's stack: read the session afresh
            user = _user_of_session(session.session_key)
        else:  # a stack without sessions: reload the user
            user = self.scope.get("user")
            if user is None or user.pk is None:
                return False
            user = type(user)._default_manager.filter(pk=user.pk).first()
        if not self.allowed(user):
            return False
        # With tenancy on: the user's tenants are still the ones the socket hears of.
        return not tenancy_config.enabled() or visibility(user) == self.seen

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REJOIN_SECONDS)
            try:
                await self.channel_layer.group_add(GROUP, self.channel_name)
            except Exception:
                logger.warning("could not renew the live updates group", exc_info=True)

    async def runs_changed(self, message: dict[str, Any]) -> None:
        """A `runs.changed` message from the layer group."""
        ids = self.relevant([int(pk) for pk in message.get("ids", [])])
        if ids and not self.seen.everything:  # only runs of the user's tenants
            ids = await database_sync_to_async(self._visible)(ids)
        if ids:
            await self.send_json({"type": "runs.changed", "ids": ids})

    def relevant(self, ids: list[int]) -> list[int]:
        return ids

    def runs(self) -> Any:
        """The runs this socket may hear of."""
        return scope(Run.objects.top_level(), self.seen)

    def _visible(self, ids: list[int]) -> list[int]:
        return sorted(self.runs().filter(pk__in=ids).values_list("pk", flat=True))

    async def _poll(self, interval: float) -> None:
        previous: Any = None
        first = True
        while True:
            try:
                current = await database_sync_to_async(self.marker)()
            except Exception:  # a database hiccup: try again next time
                logger.warning("live updates: could not poll the database", exc_info=True)
            else:
                message = None if first else self.compare(previous, current)
                previous, first = current, False
                if message:
                    await self.send_json({"type": self.message_type, **message})
            await asyncio.sleep(interval)

    def marker(self) -> Any:
        raise NotImplementedError

    def compare(self, previous: Any, current: Any) -> dict[str, Any] | None:
        raise NotImplementedError


class RunsListConsumer(_RunsConsumer):
    """`ws/workflows/runs/`: every run change; the page decides what to refresh."""

    watched: frozenset[int] = frozenset()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`{"watch": [[id, status], ...], "newest": id}`: the rows the page shows and
        the newest run id it knows; answered at once if the page is out of date."""
        if not isinstance(content, dict) or not isinstance(content.get("watch"), list):
            return
        shown: dict[int, str] = {}
        for item in content["watch"][:MAX_WATCHED]:
            if isinstance(item, int) and not isinstance(item, bool) and 0 < item < 2**63:
                shown[item] = ""
            elif (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
                  and not isinstance(item[0], bool) and 0 < item[0] < 2**63
                  and isinstance(item[1], str)):
                shown[item[0]] = item[1]
        if shown and not self.seen.everything:  # another tenant's run is never watched
            visible = set(await database_sync_to_async(self._visible)(list(shown)))
            shown = {pk: status for pk, status in shown.items() if pk in visible}
        self.watched = frozenset(shown)
        newest = content.get("newest")
        stale = {pk: status for pk, status in shown.items() if status}
        if not stale and not isinstance(newest, int):
            return
        statuses, latest = await database_sync_to_async(self._current)(list(stale))
        changed = sorted(pk for pk, status in stale.items() if statuses.get(pk) != status)
        is_new = isinstance(newest, int) and not isinstance(newest, bool) and latest > newest
        if changed or is_new:
            await self.send_json({"type": "runs.changed", "ids": changed,
                                  **({"new": True} if is_new else {})})

    def _current(self, ids: list[int]) -> tuple[dict[int, str], int]:
        return markers.list_statuses(ids, self.runs()), markers.newest_run_id(self.runs())

    def marker(self) -> tuple[int, dict[int, tuple[Any, ...]]]:
        return (markers.newest_run_id(self.runs()),
                markers.list_markers(self.watched, self.runs()))

    def compare(self, previous: Any, current: Any) -> dict[str, Any] | None:
        old_newest, old_runs = previous
        newest, runs = current
        changed = sorted(pk for pk, value in runs.items()
                         if pk in old_runs and old_runs[pk] != value)
        if newest > old_newest:
            return {"ids": changed, "new": True}
        if changed:
            return {"ids": changed}
        return None


class RunConsumer(_RunsConsumer):
    """`ws/workflows/runs/<id>/`: changes of one run."""

    run_id = 0

    async def setup(self) -> bool:
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        if not 0 < self.run_id < 2**63:
            return False
        return await database_sync_to_async(self.runs().filter(pk=self.run_id).exists)()

    def relevant(self, ids: list[int]) -> list[int]:
        return [self.run_id] if self.run_id in ids else []

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """`{"marker": token}`: what the page shows; answered at once if outdated."""
        if isinstance(content, dict) and isinstance(content.get("marker"), str):
            current = await database_sync_to_async(self.marker)()
            if markers.token(current) != content["marker"]:
                await self.send_json({"type": "runs.changed", "ids": [self.run_id]})

    def marker(self) -> Any:
        return markers.run_marker(self.run_id)

    def compare(self, previous: Any, current: Any) -> dict[str, Any] | None:
        return {"ids": [self.run_id]} if current != previous else None


class NotificationsConsumer(_RunsConsumer):
    """`ws/workflows/notifications/`: the unread count of the signed-in user's own
    inbox, for the indicator in the admin header (any active staff user).

    Notifications are written by `notify.user` steps inside runs, so a
    `runs.changed` message of the layer group is the cue to read the count again;
    where the layer cannot deliver, the polling reads it. Only a change of the
    user's own count (or a new notification) is sent:
    `{"type": "notifications.changed", "unread": n}`. On (re)connection the page
    sends `{"unread": n}` (what it shows) and is answered at once if that is stale.
    """

    message_type = "notifications.changed"
    user_id = 0
    last: tuple[int, int] | None = None

    def allowed(self, user: Any) -> bool:
        return may_have_inbox(user)

    async def setup(self) -> bool:
        self.user_id = int(self.scope["user"].pk)
        self.last = await database_sync_to_async(self.marker)()
        return True

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        shown = content.get("unread") if isinstance(content, dict) else None
        if (isinstance(shown, int) and not isinstance(shown, bool)
                and self.last is not None and shown != self.last[0]):
            await self.send_json({"type": self.message_type, "unread": self.last[0]})

    async def runs_changed(self, message: dict[str, Any]) -> None:
        """Some run changed: it may have notified this user."""
        change = self.compare(None, await database_sync_to_async(self.marker)())
        if change:
            await self.send_json({"type": self.message_type, **change})

    def marker(self) -> tuple[int, int]:
        return unread_marker(self.user_id)

    def compare(self, previous: Any, current: Any) -> dict[str, Any] | None:
        if current == self.last:
            return None
        self.last = current
        return {"unread": current[0]}
