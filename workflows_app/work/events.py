"""The `task.completed` event: workflows can start when someone completes a task."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from workflows_app.events import declare_event, emit, get_declared_event
from workflows_app.models import Task, TaskStatus

TASK_COMPLETED = "task.completed"


def declare_work_events() -> None:
    """Called from `AppConfig.ready()` (which may run again, e.g. in tests)."""
    if get_declared_event(TASK_COMPLETED) is not None:
        return
    declare_event(TASK_COMPLETED, label="A task is completed",
                  description="Someone marked a task done in \u201cMy tasks\u201d.",
                  data={"task_id": "Number", "title": "String", "completed_by": "String",
                        "record_model": {"type": "String", "required": False},
                        "record_id": {"type": "String", "required": False}})


def complete_task(task: Task, user: object) -> bool:
    """Mark `task` done by `user` and emit `task.completed` in the same transaction.
    False when it was done already (nothing emitted twice)."""
    with transaction.atomic():
        updated = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, completed_at=timezone.now(), completed_by=user)
        if not updated:
            return False
        record = ({"record_model": task.record_model, "record_id": task.record_id}
                  if task.record_model else {})
        emit(TASK_COMPLETED, task_id=task.pk, title=task.title,
             completed_by=user.get_username(), **record)
    return True
