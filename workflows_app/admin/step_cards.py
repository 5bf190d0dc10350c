"""A step's card in the builder, rendered by the server (asked for through htmx).

The builder asks for a card when it shows a step (a new one included, nested ones
too): `type` (the step type), `at` (the step's place: `steps[2]`, or a nested
step's `steps[0].params.paths[1].steps[0]`) and `definition` (the draft, the JSON
of the page's hidden field; the card shows the step's values from it). The answer
is the card's HTML (`StepCardForm`): its header, its label and key, a row per param
its type declares, with the param's label, required marker, help and input (the
form field of its value type), and its options. A step type a project registers
gets its card here, with no JavaScript. Adding, moving and removing steps stays the
script's, on the definition JSON.

GET for anyone who may see workflows; POST for those who may edit them (the inputs
then check what is typed). Mounted under the workflow admin, wrapped in
`admin_site.admin_view`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.urls import reverse

from engine import step_registry
from engine.definition import MAX_STEPS
from workflows_app.admin.condition_rows import MAX_DEFINITION_CHARS, may_ask
from workflows_app.forms.builder import rendering_inputs
from workflows_app.forms.step_card import StepCardForm
from workflows_app.forms.values import node_at
from workflows_app.json_input import JSONInputError, parse_definition_text

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

__all__ = ["STEP_PLACE", "card_key", "card_view", "page_cards", "render_card"]

TEMPLATE = "workflows_app/admin/builder/_step_card.html"
#: How deep the page looks for nested steps (a definition's own limit is lower).
MAX_DEPTH = 60
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

#: A step's place in a definition: a list index under `steps`, or under a param of
#: a step (`steps[0].params.steps[1]`, `steps[1].params.paths[0].steps[2]`).
STEP_PLACE = re.compile(r"steps\[\d{1,4}\](?:(?:\.[A-Za-z_][A-Za-z0-9_]{0,63}|\[\d{1,4}\])"
                        r"{0,40}\[\d{1,4}\])?")


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def render_card(request: HttpRequest, step_type: str, at: str, definition: Any, *,
                check_url: str | None) -> str | None:
    """The HTML of the card of the step of type `step_type` at `at` of `definition`
    (None: no such step type)."""
    step_class = step_registry.find(step_type)
    if step_class is None:
        return None
    node = node_at(definition, at)
    step = node if isinstance(node, Mapping) and node.get("type") == step_type else {}
    with rendering_inputs(check_url):
        form = StepCardForm(step_class, step, path=at, check_url=check_url)
        return render_to_string(TEMPLATE, {"form": form}, request=request)


def card_key(step_type: str, at: str, step: Mapping[str, Any]) -> str:
    """What a card depends on, as the builder's script keys the cards it has: the
    step's type, its place, the params its type does not declare, and whether its
    params are not an object."""
    step_class = step_registry.find(step_type)
    declared = {param.name for param in step_class.params} if step_class else set()
    params = step.get("params")
    unknown = sorted(name for name in (params if isinstance(params, Mapping) else {})
                     if name not in declared)
    return json.dumps({"type": step_type, "at": at, "unknown": unknown,
                       "invalid": "params" in step and not isinstance(params, Mapping)})


def _steps(node: Any, path: str, depth: int = 0) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every step of a definition's step lists (`steps`, and those nested in a step's
    params), with its place."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _steps(item, f"{path}[{index}]", depth + 1)
    elif isinstance(node, Mapping):
        if STEP_PLACE.fullmatch(path) and isinstance(node.get("type"), str):
            yield path, node
            yield from _steps(node.get("params"), f"{path}.params", depth + 1)
        elif "." in path:  # inside a step's params: a struct holding steps (a path)
            for name, value in node.items():
                if isinstance(name, str) and _NAME.fullmatch(name):
                    yield from _steps(value, f"{path}.{name}", depth + 1)


def page_cards(request: HttpRequest, definition: Any, *, check_url: str | None
               ) -> list[dict[str, str]]:
    """The cards of the steps of `definition` (nested ones too, as many as a workflow
    may have), rendered with the page: the builder draws them without asking (`key`:
    see `card_key`)."""
    steps = definition.get("steps") if isinstance(definition, Mapping) else None
    cards: list[dict[str, str]] = []
    for at, step in _steps(steps, "steps"):
        if len(cards) >= MAX_STEPS:  # a draft refused for its size: the rest are asked
            break
        html = render_card(request, step["type"], at, definition, check_url=check_url)
        if html is not None:
            cards.append({"key": card_key(step["type"], at, step), "html": html})
    return cards


def card_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The card of one step (see above)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    editing = request.method == "POST"
    if not may_ask(model_admin, request, edit=editing):
        raise PermissionDenied
    query = request.POST if editing else request.GET
    raw = query.get("definition", "")
    if len(raw) > MAX_DEFINITION_CHARS:
        return _text("The definition is too large.", 413)
    step_type = query.get("type", "")
    at = query.get("at", "")
    if not STEP_PLACE.fullmatch(at):
        return _text(f"“{at[:100]}” is not the place of a step (such as steps[0]).", 400)
    if step_registry.find(step_type) is None:
        return _text(f"There is no step type “{step_type[:100]}”.", 400)
    try:
        definition = parse_definition_text(raw) if raw.strip() else {}
    except JSONInputError as exc:
        return _text(str(exc), 400)
    check_url = None
    if editing:
        check_url = reverse(f"admin:{model_admin.url_name('builder_check')}",
                            current_app=model_admin.admin_site.name)
    html = render_card(request, step_type, at, definition, check_url=check_url)
    return HttpResponse(html or "")
