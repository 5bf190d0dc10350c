"""The WebSocket paths of the live run history pages (importable without channels)."""

from __future__ import annotations

PREFIX = "ws/workflows/runs/"
NOTIFICATIONS = "ws/workflows/notifications/"


def socket_path(run_id: int | None = None) -> str:
    """`/ws/workflows/runs/` or `/ws/workflows/runs/<id>/` (the pages add the host)."""
    return f"/{PREFIX}{run_id}/" if run_id is not None else f"/{PREFIX}"


def notifications_socket_path() -> str:
    """`/ws/workflows/notifications/`: the header's unread count."""
    return f"/{NOTIFICATIONS}"
