"""`notify.user`: an in-app notification for users and/or groups of users."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import ArrayType, Number, String, Text
from workflows_app.execution.flow import StepError
from workflows_app.work.notify import UnknownUser, notify, people
from workflows_app.work.types import GroupName, UserName


@step_registry.register
class NotifyUser(StepType):
    """Puts a notification in the inbox of each named user and of everyone in the
    named groups (each person once), with a title, a text and an optional link
    (e.g. the record's admin page). Runs in the run's transaction: exactly once."""

    key = "notify.user"
    label = "Notify people in the app"
    description = "A notification in their inbox in the admin."
    group = "People"
    params = (
        Param("users", ArrayType(UserName()), "Users", required=False),
        Param("groups", ArrayType(GroupName()), "Groups", required=False,
              help="Everyone in these groups is notified."),
        Param("title", Text(), "Title"),
        Param("body", Text(), "Text", required=False),
        Param("link", Text(), "Link", required=False,
              help="An address to open, e.g. /admin/demo/order/{{ record.id }}/change/"),
    )
    outputs = (
        Output("notified", Number(), "People notified"),
        Output("recipients", ArrayType(String()), "Recipients"),
    )
    transactional = True
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        if not step.raw_params.get("users") and not step.raw_params.get("groups"):
            return [DefinitionError(join_path(step.path, "params"),
                                    "name at least one user or group to notify")]
        return []

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            recipients = people(inputs.get("users") or [], inputs.get("groups") or [])
        except UnknownUser as exc:
            raise StepError(str(exc)) from None
        if not recipients:
            raise StepError("nobody to notify: the users and groups named have no active users")
        names = notify(recipients.values(), run_id=context.run_id, step_key=context.step_key,
                       title=str(inputs["title"]), body=str(inputs.get("body") or ""),
                       link=str(inputs.get("link") or ""))
        return {"notified": len(names), "recipients": names}
