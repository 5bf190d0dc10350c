"""Small JSON endpoints the builder calls while someone edits.

- `scope`: the references, operators and compatible paths for a definition
  (`workflows_app.metadata.builder_scope_metadata`: with what each nested step
  may use besides, such as `item.*` inside a for-each)
  (GET `?definition=<json>` for anyone who may see workflows; POST with the
  definition as the JSON body for those who may edit them);
- `cron`: the plain-English reading of a cron expression, or why it is invalid,
  with its next five due times in the workflow's timezone; the schedule picker
  sends its choice instead (`kind`, `at`, `minutes`, `day`) and gets the cron text
  back (`workflows_app.triggers.schedule.picker`).

- `autocomplete`: records or users of a registered model, searched by what staff
  know (`?type=Record[demo.order]&term=A-10&page=2`, or `&pk=5` for one record's
  label), in the format of Django admin's autocomplete widgets (select2:
  `{"results": [{"id", "text"}], "pagination": {"more"}}`); for the builder's
  record pickers and `forms.widgets.RecordAutocomplete`.

- `widget`: the inputs of a value whose form field has several (a date, a time and
  a timezone; the schedule picker with its next runs), rendered again on every
  change (`workflows_app.forms.server_widget`; GET, or POST for editors, for
  htmx): the schedule picker, a request's body and headers as rows.

- `check`: what the form field of a type (`workflows_app.forms.fields`) says about
  a value as typed (POST `type`, `value`; for those who may edit workflows): for
  htmx (the builder's inputs ask on change) an HTML fragment to show beside the
  input (or, for a field that says so, what a valid value means: a cron
  expression in words), otherwise `{"errors": [...]}`.

All are mounted under the workflow admin and wrapped in `admin_site.admin_view`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django_htmx.middleware import HtmxDetails

from engine.errors import ValueParseError
from engine.types import Record, parse_type_spec
from workflows_app.api.permissions import may_read
from workflows_app.forms.builder import rendering_inputs, value_field
from workflows_app.forms.builder_widgets import builder_widget_field
from workflows_app.forms.server_widget import BadWidgetInput, is_server_widget, render_widget
from workflows_app.forms.values import describe_value
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.metadata import (
    NoOptions,
    builder_scope_metadata,
    option_type,
    options_for,
    parse_option_type,
)
from workflows_app.records import get_registration
from workflows_app.tenancy.scoping import viewing_as
from workflows_app.triggers.config import timezone_problem
from workflows_app.triggers.schedule.picker import (
    PickError,
    SchedulePick,
    cron_for,
    next_runs,
    pick_for,
    run_text,
)
from workflows_app.triggers.schedule.trigger import cron_problem, describe_cron

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

MAX_DEFINITION_BYTES = 2 * 1024 * 1024
#: Records per page of the autocomplete, and how far it pages.
AUTOCOMPLETE_PAGE = 20
AUTOCOMPLETE_MAX_PAGE = 50


def _may_see(model_admin: WorkflowAdmin, request: HttpRequest) -> bool:
    return (model_admin.has_view_or_change_permission(request)
            or model_admin.has_add_permission(request))


def _may_edit(model_admin: WorkflowAdmin, request: HttpRequest) -> bool:
    return model_admin.has_change_permission(request) or model_admin.has_add_permission(request)


def scope_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The scope metadata (see `workflows_app.metadata`) for a posted definition."""
    if request.method == "GET":
        if not _may_see(model_admin, request):
            raise PermissionDenied
        raw = request.GET.get("definition", "")
    elif request.method == "POST":
        if not _may_edit(model_admin, request):
            raise PermissionDenied
        if len(request.body) > MAX_DEFINITION_BYTES:
            return JsonResponse({"error": "the definition is too large"}, status=413)
        raw = request.body.decode("utf-8", errors="replace")
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        definition = parse_definition_text(raw) if raw.strip() else {}
    except JSONInputError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    # The inputs of the values compared with, as HTML (checked as typed by editors).
    check_url = None
    if request.method == "POST":
        check_url = reverse(f"admin:{model_admin.url_name('builder_check')}",
                            current_app=model_admin.admin_site.name)
    with rendering_inputs(check_url):
        return JsonResponse(builder_scope_metadata(definition))


#: Longest value the check endpoint reads (longer text is the save's to refuse).
MAX_CHECKED_CHARS = 100_000


def check_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """What the form field of `type` says about `value` (see the module's docstring)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _may_edit(model_admin, request):
        raise PermissionDenied
    raw = request.POST.get("value", "")[:MAX_CHECKED_CHARS]
    widget = request.POST.get("widget", "")[:100] or None
    note, css = "", ""
    try:
        value_type = parse_type_spec(request.POST.get("type", "")[:200])
    except ValueParseError:
        messages: list[str] = []  # a type this endpoint cannot name: the save checks it
    else:
        messages, note = describe_value(value_type, raw, widget)
        field = builder_widget_field(widget, value_type) if note else None
        css = getattr(field, "note_class", "")
    if HtmxDetails(request):
        if not messages:
            if not note:
                return HttpResponse("")
            return HttpResponse(format_html('<span class="wb-field-note {}">{}</span>',
                                            css, note))
        return HttpResponse(format_html(
            '<span class="wb-local-error" role="alert">{}</span>',
            format_html_join(" ", "{}", ((message,) for message in messages))))
    return JsonResponse({"errors": messages})


def cron_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """For `?cron=<expression>` (or a picker choice: `?kind=weekdays&at=09:00`,
    `?kind=minutes&minutes=15`, `?kind=monthly&day=1&at=08:00`) and `&timezone=`:
    `{"cron", "problem", "field", "description", "picker", "timezone", "next_runs"}`."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not _may_see(model_admin, request):
        raise PermissionDenied
    query = request.GET
    zone_name = query.get("timezone", "").strip()[:64] or "UTC"
    expression = query.get("cron", "")[:200]
    problem, field = None, ""
    if query.get("kind"):
        pick = SchedulePick(kind=query["kind"][:20], at=query.get("at", "09:00")[:10],
                            minutes=query.get("minutes", "15")[:10],  # type: ignore[arg-type]
                            day=query.get("day", "1")[:10],  # type: ignore[arg-type]
                            cron=expression)
        try:
            expression = cron_for(pick)
        except PickError as exc:
            problem, field = exc.message, exc.field
    if problem is None:
        problem = cron_problem(expression)
        field = "cron" if problem else ""
    zone_trouble = timezone_problem(zone_name)
    runs = [] if problem or zone_trouble else next_runs(expression, zone_name)
    return JsonResponse({
        "cron": expression,
        "problem": problem,
        "field": field,
        "description": "" if problem else describe_cron(expression),
        "picker": pick_for(expression).as_dict(),
        "timezone": zone_name,
        "timezone_problem": zone_trouble,
        "next_runs": [{"at": moment.isoformat(), "text": run_text(moment)} for moment in runs],
    })


def widget_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The inputs of a value edited through a field with several inputs (`type`,
    `widget`, its `options` as JSON, `value`, and the inputs' values; see
    `workflows_app.forms.server_widget.render_widget`), as HTML for htmx: GET for
    anyone who may see workflows (read-only, disabled, for those who may not
    change them), POST (a body too long for an address: a request's JSON body as
    rows) for those who may change them."""
    if request.method == "GET":
        if not _may_see(model_admin, request):
            raise PermissionDenied
        query = request.GET
    elif request.method == "POST":
        if not _may_edit(model_admin, request):
            raise PermissionDenied
        query = request.POST
    else:
        return HttpResponseNotAllowed(["GET", "POST"])

    def refused(message: str) -> HttpResponse:
        return HttpResponse(format_html('<span class="wb-local-error" role="alert">{}</span>',
                                        message), status=400)

    widget = query.get("widget", "")[:100] or None
    try:
        value_type = parse_type_spec(query.get("type", "")[:200])
    except ValueParseError as exc:
        return refused(exc.reason)
    try:
        options = json.loads(query.get("options", "")[:2000] or "{}")
    except ValueError:
        options = None
    if not isinstance(options, dict):
        return refused("The widget's options are not readable.")
    try:
        field = value_field(value_type, widget, options=options, required=False)
    except ValueError as exc:  # options the widget does not offer
        return refused(str(exc))
    if not is_server_widget(field):
        return refused("This value has no inputs of its own.")
    readonly = query.get("readonly") == "1" or not _may_edit(model_admin, request)
    try:
        return HttpResponse(render_widget(field, query, readonly=readonly))
    except BadWidgetInput as exc:
        return refused(str(exc))


def autocomplete_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """Records (or users) of `?type=` matching `?term=`, a page at a time, for
    people who may see workflows and the records' model; see the module docstring."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not _may_see(model_admin, request):
        raise PermissionDenied
    try:
        value_type = option_type(parse_option_type(request.GET.get("type", "")[:200]))
    except ValueParseError as exc:
        return JsonResponse({"error": exc.reason}, status=400)
    registration = (get_registration(value_type.model) if isinstance(value_type, Record)
                    else None)
    if registration is None:
        return JsonResponse({"error": "not a model registered for workflows"}, status=400)
    if not may_read(request.user, registration.model):
        raise PermissionDenied
    try:
        page = min(max(int(request.GET.get("page") or 1), 1), AUTOCOMPLETE_MAX_PAGE)
    except ValueError:
        page = 1
    pk = request.GET.get("pk", "").strip()[:40]
    with viewing_as(request.user):  # with tenancy on: the user's tenants' records
        try:
            if pk:
                found = [(value, label) for value, label in options_for(
                    value_type, search=pk, limit=AUTOCOMPLETE_PAGE).items
                    if str(value) == pk]
                more = False
            else:
                result = options_for(value_type, search=request.GET.get("term", "")[:200],
                                     offset=(page - 1) * AUTOCOMPLETE_PAGE,
                                     limit=AUTOCOMPLETE_PAGE)
                found, more = result.items, result.has_more
        except NoOptions as exc:
            return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"results": [{"id": str(value), "text": label} for value, label in found],
                         "pagination": {"more": more}})
