"""The builder's test panel: "Test with…" and "Backtest", for the unsaved draft.

Three POST endpoints under the workflow admin, each answering an HTML fragment
that the panel (`workflows_app/admin/sandbox/panel.html`, `sandbox/panel.js`)
puts on the page. Each reads the draft from the builder's own form fields
(`builder.posted_definition`), so what is tested is what is on the screen:

- `builder/test/sources/`: what the draft can be tested with (its trigger's recent
  events; for record triggers, a search for a record);
- `builder/test/run/`: run the draft once in the sandbox (`workflows_app.sandbox`)
  for `event=<id>` or `record=<id>` (or `record_search=<text>`, when it names
  exactly one record);
- `builder/test/backtest/`: `limit=<N>` last events, how many would have started.

They need the permission to change the workflow (or to add one, for a new
workflow): a test run executes the draft's steps, though nothing leaves the system.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse

from engine import InvalidDefinition, ValidatedDefinition
from workflows_app.admin.builder import posted_definition
from workflows_app.admin.builder_panels import BuilderPanel, builder_panels
from workflows_app.models import Event, Workflow
from workflows_app.records import get_registration
from workflows_app.sandbox import backtest as backtests
from workflows_app.sandbox import sources
from workflows_app.sandbox.runner import run_draft
from workflows_app.services import check

if TYPE_CHECKING:
    from workflows_app.admin.builder import BuilderPage
    from workflows_app.admin.workflow import WorkflowAdmin

RECENT_EVENTS = 20
TEMPLATES = "workflows_app/admin/sandbox/"


@builder_panels.register
class TestRunPanel(BuilderPanel):
    """"Test before going live" on the builder page, for those who may edit the
    workflow, while adding one too (a new workflow's draft can be tested)."""

    key = "test_run"
    template_name = f"{TEMPLATES}panel.html"
    order = 10

    def is_shown(self, page: BuilderPage) -> bool:
        return page.can_edit()


class _Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__("refused")
        self.response = response


def _fragment(request: HttpRequest, template: str, context: dict[str, Any],
              status: int = 200) -> HttpResponse:
    response = TemplateResponse(request, TEMPLATES + template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _draft(model_admin: WorkflowAdmin, request: HttpRequest
           ) -> tuple[ValidatedDefinition, Workflow | None]:
    """The posted draft, validated, and the workflow it is a draft of (None: new)."""
    if request.method != "POST":
        raise _Refused(HttpResponseNotAllowed(["POST"]))
    workflow = None
    raw_id = request.POST.get("workflow", "").strip()
    if raw_id:
        workflow = model_admin.get_object(request, raw_id) if raw_id.isdigit() else None
        if workflow is None:
            raise _Refused(_fragment(request, "_problem.html", {
                "problems": ["This workflow no longer exists."]}, status=404))
        if not model_admin.has_change_permission(request, workflow):
            raise PermissionDenied
    elif not model_admin.has_add_permission(request):
        raise PermissionDenied
    definition, errors = posted_definition(request)
    if not errors:
        try:
            return check(definition), workflow
        except InvalidDefinition as exc:
            errors = exc.errors
    raise _Refused(_fragment(request, "_problem.html", {
        "problems": [f"{error.path}: {error.message}" if error.path else error.message
                     for error in errors],
        "intro": "The draft has errors; fix them before testing it:"}, status=400))


def sources_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """What the draft can be tested with."""
    try:
        definition, workflow = _draft(model_admin, request)
    except _Refused as refused:
        return refused.response
    search = request.POST.get("record_search", "").strip()[:200]
    model = sources.record_model(definition)
    registration = get_registration(model) if model else None
    context = {
        "events": sources.recent_events(definition, workflow, RECENT_EVENTS, request.user),
        "record_model": model,
        "record_label": registration.verbose_name.lower() if registration else "",
        "record_search": search,
        "records": (sources.records_named(definition, search, request.user) if search
                    else []),
    }
    return _fragment(request, "_sources.html", context)


def run_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """Run the draft once in the sandbox for a chosen event or record."""
    try:
        definition, workflow = _draft(model_admin, request)
    except _Refused as refused:
        return refused.response
    event, source, problem = _chosen_event(definition, workflow, request)
    if event is None:
        return _fragment(request, "_problem.html", {"problems": [problem]}, status=400)
    report = run_draft(definition, event, source=source,
                       workflow_id=workflow.pk if workflow else None)
    return _fragment(request, "_result.html", {"report": report})


def _chosen_event(definition: ValidatedDefinition, workflow: Workflow | None,
                  request: HttpRequest) -> tuple[Event | None, str, str]:
    raw_event = request.POST.get("event", "").strip()
    raw_record = request.POST.get("record", "").strip()
    search = request.POST.get("record_search", "").strip()[:200]
    if raw_event:
        event = None
        if raw_event.isdigit() and len(raw_event) < 19:
            event = (sources.events_for(definition, workflow, request.user)
                     .filter(pk=int(raw_event)).first())
        if event is None or not sources.listened(definition, [event]):
            return None, "", ("That event is not one this workflow's trigger receives; "
                              "pick one of the recent events listed.")
        return event, f"event #{event.pk}: {event}", ""
    model = sources.record_model(definition)
    if model is None:
        return None, "", "Pick a recent event to test with."
    registration = get_registration(model)
    assert registration is not None
    kind = registration.verbose_name.lower()
    if raw_record:
        try:
            instance = registration.visible_records(request.user).filter(pk=raw_record).first()
        except (ValueError, TypeError):
            instance = None
        if instance is None:
            return None, "", f"No {kind} has the id “{raw_record[:64]}”."
    elif search:
        found = sources.records_named(definition, search, request.user)
        if not found:
            return None, "", (f"No {kind} matches “{search}”. Try its "
                              "number, an e-mail or a name.")
        if len(found) > 1:
            return None, "", (f"“{search}” matches {len(found)} records; pick one from the "
                              "list.")
        instance = found[0]
    else:
        return None, "", f"Pick a recent event, or name a {kind}."
    return sources.event_for_record(definition, instance), str(instance), ""


def backtest_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """Over the last N events, how many would the draft have started."""
    try:
        definition, workflow = _draft(model_admin, request)
    except _Refused as refused:
        return refused.response
    raw = request.POST.get("limit", "").strip()
    try:
        limit = int(raw) if raw else backtests.DEFAULT_EVENTS
    except ValueError:
        return _fragment(request, "_problem.html", {
            "problems": [f"“{raw[:50]}” is not a number of events."]}, status=400)
    if not 1 <= limit <= backtests.MAX_EVENTS:
        return _fragment(request, "_problem.html", {
            "problems": [f"Backtest over 1 to {backtests.MAX_EVENTS} events."]}, status=400)
    report = backtests.backtest(definition, workflow, limit=limit, who=request.user)
    return _fragment(request, "_backtest.html", {"report": report, "workflow": workflow})
