"""The engine's public entry points, by stable names.

django-q2 stores task functions by dotted path (in queued tasks and in the
sweeper's schedule row), so the tasks keep these names:

- `workflows_app.execution.queue.work` — a wake-up (`work_loop.work`);
- `workflows_app.execution.queue.sweep` — the minutely safety net;

and the in-process helpers: `wake_soon()` (ask for a worker after a commit,
`wakeups`) and `drain()` (process everything now, `drain`).
"""

from __future__ import annotations

from workflows_app.execution.drain import drain
from workflows_app.execution.processing import WorkReport
from workflows_app.execution.wakeups import WORK_TASK, wake_soon
from workflows_app.execution.work_loop import sweep, work

__all__ = ["WORK_TASK", "WorkReport", "drain", "sweep", "wake_soon", "work"]
