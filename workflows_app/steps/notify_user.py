"""`notify.user`: an in-app notification for users and/or groups of users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import ArrayType, Number, String, Text
from workflows_app.execution.flow import StepError
from workflows_app.models import Notification
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy.events import visible_now
from workflows_app.tenancy.scoping import scope_by_path
from workflows_app.work.types import GroupName, UserName, find_user


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
        recipients: dict[Any, Any] = {}
        for value in inputs.get("users") or []:
            user = find_user(value)
            if user is None:
                raise StepError(f"there is no active user {value!r} any more")
            recipients[user.pk] = user
        model = get_user_model()
        for name in inputs.get("groups") or []:
            # With tenancy on: only the group's members in the run's tenant.
            for user in scope_by_path(model._default_manager.filter(groups__name=name,
                                                                     is_active=True),
                                      _user_tenant_path(), visible_now()):
                recipients.setdefault(user.pk, user)
        if not recipients:
            raise StepError("nobody to notify: the users and groups named have no active users")
        title = " ".join(str(inputs["title"]).split())[:200]
        for user in recipients.values():
            Notification.objects.get_or_create(
                run_id=context.run_id, step_key=context.step_key, recipient=user,
                defaults={"title": title, "body": str(inputs.get("body") or ""),
                          "link": str(inputs.get("link") or "")[:500]})
        names = [user.get_username() for user in recipients.values()]
        return {"notified": len(names), "recipients": names}


def _user_tenant_path() -> str | None:
    registration = get_registration(user_model_label())
    return registration.tenant_path if registration else None
