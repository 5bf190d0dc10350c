"""Deleting and archiving workflows, and what the confirmation page says about it.

Deleting a workflow deletes its versions, its runs (with their steps) and the
events aimed at it alone (webhook deliveries, schedule ticks, manual starts);
permission to delete workflows is all it takes (versions and runs have no delete
permission of their own: they belong to the workflow). Archiving keeps all of
that: the workflow is deactivated and leaves the workflows list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import ngettext

from workflows_app.models import Event, Run, RunStatus, Workflow, WorkflowVersion
from workflows_app.models.run import FINISHED_RUN_STATUSES
from workflows_app.services import archive_workflow, unarchive_workflow

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin


@dataclass
class RemovalSummary:
    """What deleting some workflows takes with it, counted."""

    workflows: int
    versions: int
    runs: int
    unfinished_runs: int
    events: int

    def lines(self) -> list[str]:
        """The consequences in plain words, for the confirmation page."""
        lines = [ngettext("%(count)d version of its definition",
                          "%(count)d versions of its definition",
                          self.versions) % {"count": self.versions}]
        if self.runs:
            text = ngettext("%(count)d run, with its steps, inputs, outputs and errors",
                            "%(count)d runs, with their steps, inputs, outputs and errors",
                            self.runs) % {"count": self.runs}
            if self.unfinished_runs:
                text += ngettext(
                    " (%(count)d of them is not finished: it stops and will not resume)",
                    " (%(count)d of them are not finished: they stop and will not resume)",
                    self.unfinished_runs) % {"count": self.unfinished_runs}
            lines.append(text)
        else:
            lines.append("no runs (it never ran)")
        if self.events:
            lines.append(ngettext(
                "%(count)d event received by this workflow alone (webhook deliveries, "
                "schedule ticks, manual starts)",
                "%(count)d events received by this workflow alone (webhook deliveries, "
                "schedule ticks, manual starts)", self.events) % {"count": self.events})
        return lines


def removal_summary(workflows: Sequence[Workflow]) -> RemovalSummary:
    ids = [workflow.pk for workflow in workflows]
    runs = Run.objects.top_level().filter(workflow_id__in=ids)
    return RemovalSummary(
        workflows=len(ids),
        versions=WorkflowVersion.objects.filter(workflow_id__in=ids).count(),
        runs=runs.count(),
        unfinished_runs=runs.exclude(status__in=FINISHED_RUN_STATUSES).count(),
        events=Event.objects.filter(workflow_id__in=ids).count(),
    )


def deleted_objects(model_admin: WorkflowAdmin, objs: Sequence[Workflow],
                    request: HttpRequest) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
    """`ModelAdmin.get_deleted_objects` for workflows: one line per workflow with what
    goes with it (not a list of every run), and no permission asked beyond deleting
    workflows."""
    listed: list[Any] = []
    for workflow in objs:
        summary = removal_summary([workflow])
        listed.append(f"Workflow: {workflow}")
        listed.append(summary.lines())
    total = removal_summary(list(objs))
    counts = {"workflows": total.workflows, "versions": total.versions, "runs": total.runs}
    if total.events:
        counts["events"] = total.events
    perms_needed: set[str] = set()
    if not model_admin.has_delete_permission(request):
        perms_needed.add("workflow")
    return listed, counts, perms_needed, []


def _redirect_to(model_admin: WorkflowAdmin, workflow: Workflow | None) -> HttpResponse:
    site = model_admin.admin_site.name
    if workflow is None:
        return HttpResponseRedirect(reverse(f"admin:{model_admin.url_name('changelist')}",
                                            current_app=site))
    return HttpResponseRedirect(reverse(f"admin:{model_admin.url_name('change')}",
                                        args=[workflow.pk], current_app=site))


def _workflow_to_change(model_admin: WorkflowAdmin, request: HttpRequest,
                        object_id: str) -> Workflow | HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    workflow = model_admin.get_object(request, unquote(object_id))
    if workflow is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.model._meta,
                                                            object_id)
    if not model_admin.has_change_permission(request, workflow):
        raise PermissionDenied
    return workflow


def archive_view(model_admin: WorkflowAdmin, request: HttpRequest,
                 object_id: str) -> HttpResponse:
    """Archive a workflow (POST): inactive, out of the list, history kept."""
    workflow = _workflow_to_change(model_admin, request, object_id)
    if isinstance(workflow, HttpResponse):
        return workflow
    unfinished = (Run.objects.filter(workflow=workflow)
                  .filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING, RunStatus.WAITING])
                  .count())
    archive_workflow(workflow, user=request.user)
    model_admin.log_change(request, workflow, "Archived")
    message = (f"The workflow “{workflow.name}” was archived: it is inactive and no longer "
               "listed (choose “Archived” in the list's filter to see it). Its versions and "
               "runs are kept.")
    if unfinished:
        message += ngettext(" %(count)d run that had already started goes on.",
                            " %(count)d runs that had already started go on.",
                            unfinished) % {"count": unfinished}
    messages.success(request, message)
    return _redirect_to(model_admin, None)


def unarchive_view(model_admin: WorkflowAdmin, request: HttpRequest,
                   object_id: str) -> HttpResponse:
    """Take a workflow out of the archive (POST); it stays inactive."""
    workflow = _workflow_to_change(model_admin, request, object_id)
    if isinstance(workflow, HttpResponse):
        return workflow
    unarchive_workflow(workflow, user=request.user)
    model_admin.log_change(request, workflow, "Taken out of the archive")
    messages.success(request, f"The workflow “{workflow.name}” is back in the list. It is "
                              "not active: activate it to let it run again.")
    return _redirect_to(model_admin, workflow)
