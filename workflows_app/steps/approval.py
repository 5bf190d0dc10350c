"""`approval`: a person approves or rejects before the run goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck, WaitContext, WaitOver
from engine.types import ArrayType, Choice, Duration, String, Text, User
from engine.types.structure import StructField, StructType
from workflows_app.execution.flow import WaitUntil
from workflows_app.models import Approval, ApprovalStatus, Run
from workflows_app.work.notify import UnknownUser, notify, people
from workflows_app.work.types import find_user

#: Who may decide: users and/or groups (by name).
ASSIGNEES = StructType((
    StructField("users", ArrayType(User()), "Users", required=False),
    StructField("groups", ArrayType(String()), "Groups", required=False,
                help="Names of groups whose members may decide."),
), type_name="Assignees", label="Who decides")
#: How long a run waits for a decision without a timeout before looking again (a
#: decision wakes it at once).
NO_TIMEOUT_RECHECK = timedelta(days=1)


@step_registry.register
class AskApproval(StepType):
    """Parks the run until one of the assignees approves or rejects (on the
    approval's admin page, which the notification each assignee gets in their
    inbox links to, or through the API), with an optional comment, or until
    `timeout`. Outputs the decision (`approved`, `rejected`, `timed_out`), who
    made it and the comment, for a later `branch`. Asked (and notified) once per
    step and loop item; the approval belongs to the run's tenant."""

    key = "approval"
    label = "Ask for approval"
    description = "Wait for a person to approve or reject."
    group = "Flow"
    params = (
        Param("assignees", ASSIGNEES, "Who decides"),
        Param("title", Text(), "What to decide", help="e.g. Refund order {{ record.number }}?"),
        Param("timeout", Duration(), "Give up after", required=False),
    )
    outputs = (
        Output("decision", Choice(options=[(ApprovalStatus.APPROVED, "Approved"),
                                           (ApprovalStatus.REJECTED, "Rejected"),
                                           (ApprovalStatus.TIMED_OUT, "Timed out")]),
               "Decision"),
        Output("decided_by", User(), "Decided by"),
        Output("comment", String(), "Comment"),
        Output("approval_id", String(), "Approval"),
    )
    transactional = True

    def check(self, step: StepCheck) -> list[DefinitionError]:
        raw = step.raw_params.get("assignees")
        if isinstance(raw, dict) and not (raw.get("users") or raw.get("groups")):
            return [DefinitionError(join_path(join_path(step.path, "params"), "assignees"),
                                    "name at least one user or group who may decide")]
        return []

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        timeout = inputs.get("timeout")
        due = context.now + timeout if timeout else None
        assignees = inputs.get("assignees") or {}
        groups = [str(group) for group in assignees.get("groups") or []]
        approval, created = Approval.objects.get_or_create(
            run_id=context.run_id, step_key=context.step_key,
            defaults={"title": str(inputs.get("title") or "")[:500], "due_at": due,
                      "groups": groups, "tenant_id": _tenant_of_run(context.run_id)})
        if created:
            users = [getattr(user, "record_pk", user) for user in assignees.get("users") or []]
            approval.users.set(users)
            _notify_assignees(approval, users, groups, context)
        raise WaitUntil(due or context.now + NO_TIMEOUT_RECHECK)

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        approval = Approval.objects.filter(run_id=wait.run_id, step_key=wait.key).first()
        if approval is None:
            return WaitOver(outputs={"decision": ApprovalStatus.TIMED_OUT})
        if approval.is_pending:
            if approval.due_at is not None and approval.due_at <= wait.now:
                Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
                    status=ApprovalStatus.TIMED_OUT, decided_at=timezone.now())
                return WaitOver(outputs={"decision": ApprovalStatus.TIMED_OUT,
                                         "approval_id": str(approval.pk)})
            return WaitOver(wait_until=approval.due_at or wait.now + NO_TIMEOUT_RECHECK)
        return WaitOver(outputs={"decision": approval.status,
                                 "decided_by": approval.decided_by_id,
                                 "comment": approval.comment,
                                 "approval_id": str(approval.pk)})


def _tenant_of_run(run_id: int) -> str | None:
    """The tenant key of the run's workflow (None without tenancy)."""
    return Run.objects.filter(pk=run_id).values_list("workflow__tenant_id", flat=True).first()


def decide_link(approval: Approval) -> str:
    """The admin page where an assignee decides `approval` ("" without the admin)."""
    try:
        return reverse("admin:workflows_app_approval_decide", args=[approval.pk])
    except NoReverseMatch:
        return ""


def _notify_assignees(approval: Approval, users: list[Any], groups: list[str],
                      context: Any) -> None:
    """Each assignee (the users, the members of the groups) gets a notification in
    their inbox linking to the page where they decide. A user who is no longer
    active is left out; the approval still waits for the others."""
    try:
        recipients = people(users, groups)
    except UnknownUser:
        recipients = people([user for user in users if find_user(user) is not None], groups)
    if not recipients:
        context.log("nobody to notify: no active user among the assignees")
        return
    names = notify(recipients.values(), run_id=context.run_id, step_key=context.step_key,
                   title=f"Approval needed: {approval.title}",
                   body="Approve or reject it on its page.", link=decide_link(approval))
    context.log(f"asked {', '.join(names)}")
