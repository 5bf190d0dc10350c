"""Deciding approvals (admin page, link, API): the one place that records a
decision and wakes the run waiting for it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows_app.execution.wakeups import wake_soon
from workflows_app.models import Approval, ApprovalStatus, Run, RunStatus, StepRun, StepStatus

DECISIONS = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
MAX_COMMENT_LENGTH = 5000


class ApprovalError(Exception):
    """The decision cannot be taken (already decided, not an assignee, bad input);
    the message says why, in the user's words."""


def decide(approval: Approval, user: Any, decision: str, comment: str = "") -> Approval:
    """Record `user`'s `decision` ("approved" or "rejected") with `comment` and make
    the waiting run go on now. Raises `ApprovalError`."""
    if decision not in DECISIONS:
        raise ApprovalError('the decision is "approved" or "rejected"')
    if not isinstance(comment, str) or "\x00" in comment:
        raise ApprovalError("the comment must be plain text")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ApprovalError(f"the comment may be at most {MAX_COMMENT_LENGTH:,} characters")
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if not approval.is_pending:
            raise ApprovalError(f"this was already decided: {approval.get_status_display()}")
        if not approval.may_decide(user):
            raise ApprovalError("you are not one of the people asked to decide this")
        approval.status = decision
        approval.decided_by = user
        approval.comment = comment.strip()
        approval.decided_at = timezone.now()
        approval.save(update_fields=["status", "decided_by", "comment", "decided_at"])
        wake_run(approval)
    return approval


def wake_run(approval: Approval) -> None:
    """Make the run waiting for `approval` due now and wake a worker after commit."""
    now = timezone.now()
    StepRun.objects.filter(run_id=approval.run_id, key=approval.step_key,
                           status=StepStatus.WAITING).update(due_at=now)
    # The step may be in a `parallel` branch: then its branch run is the one parked.
    Run.objects.and_branches([approval.run_id]).filter(status=RunStatus.WAITING).update(
        due_at=now)
    transaction.on_commit(wake_soon)
