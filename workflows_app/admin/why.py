""""Why didn't it run?": for a record (model + what staff know of it: a number, an
e-mail, a name, or its id), a search (an order number, an
e-mail) or one event, every workflow that was considered for each matching event,
newest first, with its outcome and the first condition that failed, in plain words.

Answers come from the `WorkflowEvaluation` rows dispatch writes for every workflow
it considers; workflows listening to the event that it did not consider (the same
`candidate_workflows` dispatch asks, inactive ones included) are named too, with
the likely reason (inactive, created later).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from workflows_app.admin import run_display
from workflows_app.admin.run_display import event_summary, status_badge
from workflows_app.admin.run_tree import flow_trees
from workflows_app.models import Event, EventStatus, Run, Workflow, WorkflowEvaluation
from workflows_app.record_lookup import find_records
from workflows_app.records import trigger_model_choices
from workflows_app.search import search_trigger_data
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.candidates import (
    candidate_workflows,
    listening_key,
    listening_query,
)
from workflows_app.triggers.lookup import trigger_label

if TYPE_CHECKING:
    from workflows_app.admin.events import EventAdmin

MAX_EVENTS = 25


class WhyForm(forms.Form):
    """Pick a record (model + id), search the event data, or name an event."""

    model = forms.ChoiceField(label=_("Record type"), required=False)
    pk = forms.CharField(label=_("Record"), required=False, max_length=200,
                         help_text=_("Its number, an e-mail, a name, or its id."),
                         widget=forms.TextInput(attrs={"placeholder": _("e.g. A-1003")}))
    q = forms.CharField(label=_("or search the event data"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={
                            "placeholder": _("an order number, an e-mail…")}))
    event = forms.IntegerField(label=_("or event number"), required=False, min_value=1,
                               max_value=2**63 - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "—"), *trigger_model_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("pk") and not data.get("model"):
            self.add_error("model", _("Pick the type of the record."))
        return data

    @property
    def asked(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool((data.get("model") and data.get("pk")) or data.get("q") or data.get("event"))


@dataclass
class EvaluationItem:
    evaluation: WorkflowEvaluation
    badge: str
    explanation: run_display.ExplainedNode | None

    @cached_property
    def trees(self) -> list[dict[str, Any]]:
        """For a run with flow steps: each path, item and branch with its status."""
        run = self.evaluation.run
        return flow_trees(run) if run is not None else []

    @property
    def failing(self) -> run_display.ExplainedNode | None:
        node = self.explanation
        stack = [node] if node else []
        while stack:
            current = stack.pop(0)
            if current.first_failure:
                return current
            stack.extend(current.children)
        return None


def evaluation_items(event: Event) -> list[EvaluationItem]:
    evaluations = getattr(event, "prefetched_evaluations", None)
    if evaluations is None:
        evaluations = list(event.evaluations.select_related("workflow", "version", "run")
                           .order_by("workflow__name"))
    return [EvaluationItem(evaluation, status_badge(evaluation.outcome,
                                                    evaluation.get_outcome_display()),
                           run_display.explanation_tree(evaluation.explanation))
            for evaluation in evaluations]


def not_considered(event: Event, cache: dict[Any, list[Workflow]] | None = None
                   ) -> list[tuple[Workflow, str]]:
    """Workflows listening to this trigger that left no evaluation, and why not."""
    if event.status != EventStatus.DISPATCHED:
        return []
    key = listening_key(event)
    if cache is not None and key in cache:
        listening = cache[key]
    else:
        listening = list(listening_query(event, active_only=False).order_by("name"))
        if cache is not None:
            cache[key] = listening
    workflows = candidate_workflows(event, active_only=False, listening=listening)
    evaluations = getattr(event, "prefetched_evaluations", None)
    considered = ({item.workflow_id for item in evaluations} if evaluations is not None
                  else set(event.evaluations.values_list("workflow_id", flat=True)))
    result = []
    for workflow in workflows:
        if workflow.pk in considered:
            continue
        if workflow.created_at > event.created_at:
            reason = _("it was created after this event")
        elif not workflow.is_active:
            reason = _("it is inactive")
        else:
            reason = _("it was inactive, or listened to another trigger, when this event "
                       "was dispatched")
        result.append((workflow, str(reason)))
    return result


def chain_names(ids: list[int], user: Any) -> list[tuple[int, str]]:
    names = dict(scope(Workflow.objects.all(), user).filter(pk__in=ids)
                 .values_list("pk", "name"))
    return [(pk, names.get(pk, f"workflow {pk}")) for pk in ids]


def record_keys(model: str, text: str, who: Any = None) -> list[str]:
    """The ids of the records of `model` that `text` names (their number, an e-mail, a
    name: `record_lookup.find_records`), and `text` itself as an id (a deleted record
    is found by its id alone)."""
    text = str(text).strip()
    return [text[:64], *(str(record.pk) for record in find_records(model, text, who=who))]


def matching_events(form: WhyForm, user: Any = None) -> QuerySet[Event]:
    """The events the form asks about, among those `user` may see (with tenancy on:
    their tenants' events)."""
    data = form.cleaned_data
    query = scope(Event.objects.all(), user)
    if data.get("event"):
        query = query.filter(pk=data["event"])
    if data.get("model") and data.get("pk"):
        query = query.filter(record_model=data["model"],
                             record_pk__in=record_keys(data["model"], data["pk"], user))
    if data.get("q"):
        query = search_trigger_data(query, data["q"])
    return (query.select_related("caused_by_run", "caused_by_run__workflow")
            .defer("search_text")
            .prefetch_related(Prefetch("evaluations", to_attr="prefetched_evaluations",
                                       queryset=WorkflowEvaluation.objects
                                       .select_related("workflow", "version", "run")
                                       .order_by("workflow__name")))
            .order_by("-occurred_at", "-id"))


def why_view(model_admin: EventAdmin, request: HttpRequest) -> HttpResponse:
    form = WhyForm(request.GET or None)
    events: list[dict[str, Any]] = []
    more = False
    if form.is_bound and form.is_valid() and form.asked:
        found = list(matching_events(form, request.user)[:MAX_EVENTS + 1])
        more = len(found) > MAX_EVENTS
        cache: dict[Any, list[Workflow]] = {}
        for event in found[:MAX_EVENTS]:
            events.append({
                "event": event,
                "summary": event_summary(event),
                "trigger_label": trigger_label(event.trigger_type),
                "status_badge": status_badge(event.status, event.get_status_display()),
                "evaluations": evaluation_items(event),
                "not_considered": not_considered(event, cache),
            })
    site = model_admin.admin_site
    run_admin = site._registry.get(Run)
    opts = model_admin.model._meta
    context = {
        **site.each_context(request),
        "title": _("Why didn't it run?"),
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "asked": form.is_bound and form.is_valid() and form.asked,
        "events": events,
        "more": more,
        "max_events": MAX_EVENTS,
        "can_view_runs": bool(run_admin and run_admin.has_view_or_change_permission(request)),
        "has_view_permission": True,
    }
    request.current_app = site.name
    return TemplateResponse(request, "workflows_app/admin/runs/why.html", context)
