"""The configured queue broker and channel layer really work (ORM/in-memory or Redis)."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django_q.brokers import get_broker


@pytest.mark.django_db
def test_queue_broker_round_trip() -> None:
    broker = get_broker(list_key=f"test-{uuid.uuid4().hex}")
    expected = "Redis" if settings.REDIS_URL else "ORM"
    assert broker.info().startswith(expected)
    assert broker.ping()
    try:
        broker.enqueue("hello")
        tasks = broker.dequeue()
        assert tasks is not None
        [(task_id, payload)] = tasks
        assert (payload.decode() if isinstance(payload, bytes) else payload) == "hello"
        broker.acknowledge(task_id)
    finally:
        broker.delete_queue()


def test_channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    expected = "RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected

    async def round_trip() -> dict:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "test.message", "text": "hi"})
        return await layer.receive(channel)

    assert async_to_sync(round_trip)() == {"type": "test.message", "text": "hi"}
