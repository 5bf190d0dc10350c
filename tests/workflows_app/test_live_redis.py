"""Live updates stay up on Redis: a socket held open, idle, for longer than 30 s still
receives a change announced by a real `qcluster` worker in another process.

redis-py 8 reads with a 5 s socket timeout by default, while channels_redis waits for
messages with a blocking read of 5 s: without a longer socket timeout in the channel
layer's hosts, every idle socket's consumer died after 5-9 s with "Timeout reading
from 127.0.0.1:6379" (close 1011 in the browser). Redis only (CI's second run)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.workflows_app.history_support import VIEW_PERMISSIONS, make_user
from tests.workflows_app.support import create_workflow, order
from tests.workflows_app.test_live import communicator, run_async
from workflows_app.models import Run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                       reason="the channel layer is Redis only with REDIS_URL set"),
]

IDLE_SECONDS = 35


def test_a_socket_idle_for_35_seconds_still_receives_a_workers_update(workers) -> None:
    viewer = make_user("support", *VIEW_PERMISSIONS)
    workflow = create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}])
    workers.start(1)

    async def test() -> None:
        comm = communicator("/ws/workflows/runs/", viewer)
        connected, _ = await comm.connect(timeout=10)
        assert connected
        loop = asyncio.get_running_loop()
        deadline = loop.time() + IDLE_SECONDS
        while loop.time() < deadline:
            assert await comm.receive_nothing(timeout=1)
            if comm.future.done():  # the consumer died while idle
                raise AssertionError(f"the socket's consumer stopped after "
                                     f"{IDLE_SECONDS - (deadline - loop.time()):.0f}s: "
                                     f"{comm.future.exception()!r}")
        saved = await database_sync_to_async(order)("10.00", number="LIVE-35")

        def run_of() -> Any:
            return Run.objects.filter(workflow=workflow, event__record_pk=str(saved.pk)).first()

        message = await comm.receive_json_from(timeout=60)
        assert message["type"] == "runs.changed"
        run = await database_sync_to_async(run_of)()
        assert run is not None and run.pk in message["ids"]
        await comm.disconnect()

    run_async(test)
