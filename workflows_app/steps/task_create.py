"""`task.create`: a task for a person or a group, with a due date and its record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from engine import Output, Param, StepType, step_registry
from engine.types import DateTime, Number, Text, is_record_value
from workflows_app.execution.flow import StepError
from workflows_app.models import Task
from workflows_app.steps.types import AnyRecord
from workflows_app.work.types import GROUP_PREFIX, USER_PREFIX, Assignee, DueDate, find_user


@step_registry.register
class CreateTask(StepType):
    """Creates an open task in "My tasks" of its assignee (a user, or everyone in a
    group), due at a date or after a length of time, about a record if given.
    Completing it emits the `task.completed` event. Exactly once per step."""

    key = "task.create"
    label = "Create a task"
    description = "Give someone something to do, with a due date."
    group = "People"
    params = (
        Param("title", Text(), "Title"),
        Param("description", Text(), "Description", required=False),
        Param("assignee", Assignee(), "Assignee"),
        Param("due", DueDate(), "Due", required=False),
        Param("record", AnyRecord(), "About the record", required=False,
              help="The record the task is about, e.g. the order: the task links to it."),
    )
    outputs = (
        Output("task_id", Number(), "Task id"),
        Output("due_at", DateTime(), "Due at"),
    )
    transactional = True
    marks_start = False

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        user, group = self._assignee(inputs["assignee"])
        due_at = DueDate().due_at(inputs.get("due"), context.now)
        record = inputs.get("record")
        record_model, record_id = "", ""
        if is_record_value(record):
            record_model, record_id = str(getattr(record, "model", "")), str(record.record_pk)
        task, _ = Task.objects.get_or_create(
            run_id=context.run_id, step_key=context.step_key,
            defaults={"title": " ".join(str(inputs["title"]).split())[:200],
                      "description": str(inputs.get("description") or ""),
                      "assignee_user": user, "assignee_group": group, "due_at": due_at,
                      "record_model": record_model, "record_id": record_id})
        return {"task_id": task.pk, "due_at": task.due_at.isoformat() if task.due_at else None}

    @staticmethod
    def _assignee(value: Any) -> tuple[Any, Any]:
        if isinstance(value, str) and value.startswith(GROUP_PREFIX):
            group = Group.objects.filter(name=value[len(GROUP_PREFIX):]).first()
            if group is None:
                raise StepError(f'there is no group "{value[len(GROUP_PREFIX):]}" any more')
            return None, group
        if isinstance(value, str) and value.startswith(USER_PREFIX):
            value = value[len(USER_PREFIX):]
        user = find_user(value)
        if user is None:
            raise StepError(f"the assignee {value!r} is not an active user")
        return user, None
