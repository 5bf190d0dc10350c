"""What people may do to a run: retry from the failed step, cancel, run again.

Each action is recorded as a `RunAction` (who, when), wakes a worker and, once
committed, tells open run pages (`workflows_app.live.notify`).
Admin and API call these functions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows_app.execution.branches import cancel_branches_of
from workflows_app.execution.signals import runs_changed
from workflows_app.execution.wakeups import wake_soon
from workflows_app.models import Run, RunAction, RunStatus, StepRun, StepStatus


class RunActionError(Exception):
    """The action does not apply to the run in its current state."""


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _wake() -> None:
    transaction.on_commit(wake_soon)


def retry_run(run: Run, *, user: Any = None) -> Run:
    """Resume a failed run at its failed step; completed steps are not run again."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run.pk)
        if run.status != RunStatus.FAILED:
            raise RunActionError(f"only failed runs can be retried; this one is {run.status}")
        failed = run.steps.filter(status=StepStatus.FAILED).order_by("index")
        for step in failed:
            step.status = StepStatus.PENDING
            step.attempt = 0
            step.due_at = None
            step.attempts_log = [*step.attempts_log, {"note": "retried by hand",
                                                       "at": timezone.now().isoformat()}]
            step.save(update_fields=["status", "attempt", "due_at", "attempts_log"])
        run.status = RunStatus.PENDING
        run.error = ""
        run.finished_at = None
        run.due_at = None
        run.lease_owner = ""
        run.lease_expires_at = None
        run.takeovers = 0
        run.save(update_fields=["status", "error", "finished_at", "due_at", "lease_owner",
                                "lease_expires_at", "takeovers"])
        RunAction.objects.create(run=run, action="retry", user=_user(user),
                                 note="retry from the failed step")
        runs_changed.send(retry_run, run_ids=[run.pk])
        _wake()
    return run


def cancel_run(run: Run, *, user: Any = None) -> Run:
    """Stop a run that has not finished; a worker running it stops before its next step."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run.pk)
        if run.is_finished:
            raise RunActionError(f"the run already finished ({run.status})")
        run.status = RunStatus.CANCELLED
        run.finished_at = timezone.now()
        run.due_at = None
        run.lease_owner = ""
        run.lease_expires_at = None
        run.save(update_fields=["status", "finished_at", "due_at", "lease_owner",
                                "lease_expires_at"])
        StepRun.objects.filter(run=run, status__in=[StepStatus.WAITING, StepStatus.PENDING]
                               ).update(status=StepStatus.SKIPPED, due_at=None)
        cancel_branches_of([run.pk])
        RunAction.objects.create(run=run, action="cancel", user=_user(user))
        runs_changed.send(cancel_run, run_ids=[run.pk])
    return run


def run_again(run: Run, *, user: Any = None) -> Run:
    """Start a new run of the same event on the workflow's live version."""
    workflow = run.workflow
    if workflow.live_version_id is None:
        raise RunActionError("the workflow has no live version")
    with transaction.atomic():
        new_run = Run.objects.create(workflow=workflow, version_id=workflow.live_version_id,
                                     event=run.event, rerun_of=run, chain=run.chain,
                                     status=RunStatus.PENDING)
        RunAction.objects.create(run=run, action="run_again", user=_user(user),
                                 note=f"started run #{new_run.pk}")
        RunAction.objects.create(run=new_run, action="started_by_hand", user=_user(user),
                                 note=f"run again from run #{run.pk}")
        runs_changed.send(run_again, run_ids=[run.pk, new_run.pk])
        _wake()
    return new_run
