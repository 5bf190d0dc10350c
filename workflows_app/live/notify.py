"""Announce changed runs to the open run history pages.

`runs_changed_on_commit(ids)` runs inside the transaction that changed the
runs (as the receiver of `execution.signals.runs_changed`, which the executor
and the run actions send); once it commits, one message
`{"type": "runs.changed", "ids": [...]}` goes to the channel layer group
`workflows.runs`, which every runs list and run page consumer has joined.

Publishing never breaks the caller: a misconfigured or unreachable channel layer
is logged (once a minute at most) and ignored; the pages catch up by polling where
the layer cannot deliver (see `consumers`). Without django-channels (the `live`
extra is not installed) there is nobody to tell, and nothing is sent.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Iterable
from functools import cache, partial

from django.db import transaction

from workflows_app.extras import module_available

logger = logging.getLogger("workflows_app.live")

GROUP = "workflows.runs"
MESSAGE_TYPE = "runs.changed"
#: Ids per message: a huge batch is announced in several messages.
MAX_IDS_PER_MESSAGE = 500
_LOG_EVERY_SECONDS = 60.0
_last_logged = float("-inf")


def runs_changed_on_commit(run_ids: Iterable[int], *, using: str | None = None) -> None:
    """Announce `run_ids` once the current transaction commits (now, without one)."""
    try:
        ids = sorted({int(pk) for pk in run_ids if pk is not None})
        if ids:
            transaction.on_commit(partial(notify_runs_changed, ids), using=using, robust=True)
    except Exception:  # never let live updates break the caller
        _log_failure()


def notify_runs_changed(run_ids: Iterable[int]) -> None:
    """Send the `runs.changed` message(s) for `run_ids`; never raises.

    With the in-memory layer (pages open in this very process), the message is
    sent now, on the event loop of the consumers. With a layer that crosses
    processes (Redis), the ids are handed to a background thread with its own
    event loop and connection, which sends them (bursts merged), so a worker
    never waits for it.
    """
    try:
        ids = sorted({int(pk) for pk in run_ids})
        if not ids or not _channels_installed():
            return
        from channels.layers import InMemoryChannelLayer, get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        if isinstance(layer, InMemoryChannelLayer):
            if not getattr(layer, "groups", {}).get(GROUP):
                return  # nobody listening in this process (a worker process)
            from asgiref.sync import async_to_sync

            for message in _messages(ids):
                async_to_sync(layer.group_send)(GROUP, message)
            return
        _publisher.send(layer, ids)
    except Exception:
        _log_failure()


@cache
def _channels_installed() -> bool:
    return module_available("channels")


def _messages(ids: list[int]) -> list[dict[str, object]]:
    return [{"type": MESSAGE_TYPE, "ids": ids[start:start + MAX_IDS_PER_MESSAGE]}
            for start in range(0, len(ids), MAX_IDS_PER_MESSAGE)]


class _Publisher:
    """A daemon thread running an event loop that sends run ids to the layer.

    One loop for the process's lifetime, so the layer keeps one connection (a
    loop per call would open one per message); one sender at a time, which
    merges the ids that arrived while it was sending. At exit, what is still in
    flight gets a moment to go out (`workflows_drain` ends right after its last
    run).
    """

    FLUSH_AT_EXIT_SECONDS = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._ids: set[int] = set()
        self._layer: object = None
        self._sending: concurrent.futures.Future[None] | None = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._pid != os.getpid():  # none yet, or forked
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="workflows-live-publisher",
                             daemon=True).start()
            self._loop, self._pid = loop, os.getpid()
            self._ids, self._sending = set(), None
            atexit.register(self.flush)
        return self._loop

    def send(self, layer: object, ids: list[int]) -> None:
        with self._lock:
            loop = self._ensure_loop()
            self._ids.update(ids)
            self._layer = layer
            if self._sending is None:
                self._sending = asyncio.run_coroutine_threadsafe(self._drain(), loop)

    async def _drain(self) -> None:
        while True:
            with self._lock:
                ids, layer = sorted(self._ids), self._layer
                self._ids.clear()
                if not ids:
                    self._sending = None
                    return
            try:
                for message in _messages(ids):
                    await layer.group_send(GROUP, message)  # type: ignore[attr-defined]
            except Exception:
                _log_failure()

    def flush(self, timeout: float | None = None) -> None:
        """Wait (a little) for what is being sent."""
        with self._lock:
            sending = self._sending
        if sending is not None:
            concurrent.futures.wait([sending], timeout=timeout or self.FLUSH_AT_EXIT_SECONDS)


_publisher = _Publisher()


def _log_failure() -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= _LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("could not announce run changes to the channel layer; open run "
                       "pages will not update live", exc_info=True)


def on_runs_changed(sender: object = None, *, run_ids: Iterable[int] = (),
                    **kwargs: object) -> None:
    """Receiver of `execution.signals.runs_changed`: announce after commit."""
    runs_changed_on_commit(run_ids)


def connect() -> None:
    """Listen to the executor's and the run actions' `runs_changed` signal."""
    from workflows_app.execution.signals import runs_changed

    runs_changed.connect(on_runs_changed, dispatch_uid="workflows_live_runs_changed")
