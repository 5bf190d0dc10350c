"""Branch runs: the branches of a `parallel` step, run as runs of their own so
that different workers take them at the same time.

A branch run (`Run.parent`, `Run.branch`) shares its parent's workflow version,
event and causal chain; its steps are checkpointed in the parent's history
under the branch's path (`fan.branches[1].notify`, or `each[3].fan.branches[1].
notify` inside a loop). Each run writes only the checkpoints of its own part of
the tree (`owner_prefix`): the parent never touches a branch's steps, a branch
never touches the parent's or a sibling's.

Starting the branches is done once, in the `parallel` step's own transaction
(`start_branches`); when a branch run finishes, the run waiting at its
`parallel` step is made due (`wake_joining_runs`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows_app.models import Run, RunStatus, StepRun, StepStatus
from workflows_app.models.run import FINISHED_RUN_STATUSES

_BRANCH_STEP = re.compile(r"(?<![a-z0-9_\]])([a-z][a-z0-9_]*)\.branches\[(\d+)\]\.")


def branch_path(step_key: str, index: int) -> str:
    """The path of branch `index` of the `parallel` step checkpointed as `step_key`."""
    return f"{step_key}.branches[{index}]"


def split_branch_path(path: str) -> tuple[str, int]:
    """(the `parallel` step's checkpoint key, the branch index) of a branch path."""
    owner, _, rest = path.rpartition(".branches[")
    return owner, int(rest.rstrip("]"))


def owner_prefix(key: str, parallel_keys: frozenset[str]) -> str:
    """The branch whose run writes the checkpoint `key`, as its key prefix
    (`fan.branches[1].`), or "" for the run itself."""
    if not parallel_keys:
        return ""
    owner = ""
    for match in _BRANCH_STEP.finditer(key):
        if match.group(1) in parallel_keys:
            owner = key[:match.end()]
    return owner


def start_branches(run_id: int, step_key: str, count: int) -> list[Run]:
    """Start (or, on a retry of the step, start again the failed or cancelled)
    branch runs of the `parallel` step `step_key` of run `run_id`. Call inside the
    step's transaction; workers are woken once it commits."""
    parent = Run.objects.only("workflow_id", "version_id", "event_id", "chain").get(pk=run_id)
    paths = [branch_path(step_key, index) for index in range(count)]
    existing = {run.branch: run for run in Run.objects.filter(parent_id=run_id, branch__in=paths)}
    Run.objects.filter(pk__in=[run.pk for run in existing.values()],
                       status__in=[RunStatus.FAILED, RunStatus.CANCELLED]).update(
        status=RunStatus.PENDING, error="", finished_at=None, due_at=None, lease_owner="",
        lease_expires_at=None, takeovers=0)
    Run.objects.bulk_create([
        Run(workflow_id=parent.workflow_id, version_id=parent.version_id,
            event_id=parent.event_id, chain=parent.chain, parent_id=run_id, branch=path,
            status=RunStatus.PENDING)
        for path in paths if path not in existing])
    from workflows_app.execution.wakeups import wake_several

    transaction.on_commit(lambda: wake_several(count))
    return list(Run.objects.filter(parent_id=run_id, branch__in=paths))


def branch_runs(run_id: int, step_key: str, count: int) -> list[Run | None]:
    """The branch runs of the `parallel` step `step_key`, by branch index."""
    by_path = {run.branch: run for run in Run.objects.filter(
        parent_id=run_id, branch__startswith=f"{step_key}.branches[")}
    return [by_path.get(branch_path(step_key, index)) for index in range(count)]


def cancel_unfinished(runs: Iterable[Run | None], reason: str) -> None:
    """Cancel the branch runs among `runs` that have not finished (a worker running
    one stops before its next step)."""
    ids = [run.pk for run in runs if run is not None and run.status not in FINISHED_RUN_STATUSES]
    if ids:
        Run.objects.filter(pk__in=ids).exclude(status__in=FINISHED_RUN_STATUSES).update(
            status=RunStatus.CANCELLED, error=reason[:5000], finished_at=timezone.now(),
            due_at=None, lease_owner="", lease_expires_at=None)


def cancel_branches_of(run_ids: Iterable[int]) -> None:
    """A run was cancelled: so are its branch runs."""
    Run.objects.filter(parent_id__in=list(run_ids)).exclude(
        status__in=FINISHED_RUN_STATUSES).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now(), due_at=None, lease_owner="",
        lease_expires_at=None)


def wake_joining_runs(sender: Any, runs: list[Run], **kwargs: Any) -> None:
    """`runs_finished` receiver: when branch runs finish, make the run waiting at
    their `parallel` step (the parent, or the branch run holding a nested
    `parallel`) due now, inside the transaction that finished them, and wake a
    worker after it commits. A run still being worked on when the branch
    finished keeps the earlier due time when it parks (`checkpoints.finish_runs`)."""
    branches = [run for run in runs if run.parent_id]
    if not branches:
        return
    now = timezone.now()
    for run in branches:
        step_key, _index = split_branch_path(run.branch)
        StepRun.objects.filter(run_id=run.parent_id, key=step_key,
                               status=StepStatus.WAITING).update(due_at=now)
        holders = [other for other in Run.objects.filter(parent_id=run.parent_id)
                   .only("pk", "branch") if step_key.startswith(f"{other.branch}.")]
        holder = max(holders, key=lambda other: len(other.branch)).pk if holders else \
            run.parent_id
        Run.objects.filter(pk=holder, status__in=[RunStatus.WAITING, RunStatus.RUNNING]
                           ).update(due_at=now)
    from workflows_app.execution.wakeups import wake_soon

    transaction.on_commit(wake_soon)
