"""Secrets are never shown to anyone without the right to change them.

One place applies the engine's declarations (`Param(secret=True)`,
`Param(redaction=HeaderValues())`, see `engine.redaction`):

- `redact_inputs(step_type, inputs)`: a step's resolved inputs as the run history
  records them (for everyone), and the values to scrub from error texts;
- `redact_definition(definition)`: a definition as people who may not change
  workflows see it (API, builder, version pages, compare, downloads);
- `redact_headers(headers)` / `redact_event_payload(payload)`: HTTP headers, and an
  event's data with its webhook headers, shown by an allowlist of harmless header
  names (`HARMLESS_HEADERS` plus `WORKFLOWS["VISIBLE_HEADERS"]`): every other
  value is hidden, whatever the header is called;
- `may_see_secrets(user)`: who sees values in clear (the right to change workflows).

On top of the declarations, values under keys that look like credentials
(`password`, `token`, `api_key`...) inside free-form JSON params (an HTTP body)
are hidden in the run history as a safety net; nothing relies on it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from engine import step_registry, trigger_registry
from engine.redaction import REDACTED, HeaderValues
from engine.steps import Param, StepType
from engine.types.json import JSON
from workflows_app.conf import workflow_settings

SECRET_KEY_RE = re.compile(
    r"(authorization|secret|token|password|passwd|api[-_]?key|signature|cookie|credential)",
    re.IGNORECASE)
HEADERS = HeaderValues()
#: The permission that shows secret values in clear.
CHANGE_PERMISSION = "workflows_app.change_workflow"


def visible_headers() -> list[str]:
    """Header names shown in clear besides the built-in harmless ones."""
    return [str(name) for name in workflow_settings.VISIBLE_HEADERS or []]


def may_see_secrets(user: Any) -> bool:
    """Whether `user` may see secret values in clear: those who may change workflows."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has_perm(CHANGE_PERMISSION))


# -- a step's inputs (run history) ---------------------------------------------------


def redact_inputs(step_type: StepType | type[StepType], inputs: Mapping[str, Any]
                  ) -> tuple[dict[str, Any], list[Any]]:
    """(the inputs as the run history records them, the hidden values)."""
    declared = {param.name: param for param in step_type.params}
    shown: dict[str, Any] = {}
    hidden: list[Any] = []
    extra = visible_headers()
    for name, value in inputs.items():
        param = declared.get(name)
        hiding = param.hiding if param is not None else None
        if hiding is not None:
            shown[str(name)] = hiding.redact(value, visible_headers=extra)
            hidden.extend(hiding.hidden(value, visible_headers=extra))
        elif param is not None and isinstance(param.type, JSON):
            shown[str(name)] = redact(value)
            hidden.extend(secret_values(value))
        else:
            shown[str(name)] = value
    return shown, hidden


def redact(value: Any, *, secret_names: Iterable[str] = ()) -> Any:
    """A copy of `value` with the `secret_names` keys and credential-looking keys
    replaced (the safety net for free-form JSON)."""
    secret = set(secret_names)

    def visit(node: Any, key: str | None = None) -> Any:
        if key is not None and (key in secret or SECRET_KEY_RE.search(key)):
            return REDACTED if node not in (None, "") else node
        if isinstance(node, Mapping):
            return {str(k): visit(v, str(k)) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [visit(item) for item in node]
        return node

    if isinstance(value, Mapping):
        return {str(k): visit(v, str(k)) for k, v in value.items()}
    return visit(value)


def secret_values(value: Any, *, secret_names: Iterable[str] = ()) -> list[Any]:
    """The values `redact` would hide, to remove from error text too."""
    secret = set(secret_names)
    found: list[Any] = []

    def visit(node: Any, key: str | None = None) -> None:
        if key is not None and (key in secret or SECRET_KEY_RE.search(key)):
            found.extend(_leaves(node))
        elif isinstance(node, Mapping):
            for k, v in node.items():
                visit(v, str(k))
        elif isinstance(node, list | tuple):
            for item in node:
                visit(item)

    visit(value)
    return found


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [leaf for item in node.values() for leaf in _leaves(item)]
    if isinstance(node, list | tuple):
        return [leaf for item in node for leaf in _leaves(item)]
    return [node]


def redact_text(text: str, secrets: Iterable[Any]) -> str:
    """Remove known secret values from free text (an error message, say)."""
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


# -- definitions ---------------------------------------------------------------------


def _redact_params(params: Mapping[str, Any], declared: Iterable[Param],
                   extra: list[str]) -> dict[str, Any]:
    out = dict(params)
    for param in declared:
        hiding = param.hiding
        if hiding is not None and param.name in out:
            out[param.name] = hiding.redact(out[param.name], visible_headers=extra)
    return out


def redact_definition(definition: Any) -> Any:
    """A copy of `definition` with every value its steps and trigger declare secret
    hidden. Steps are found wherever they nest (a step inside a branch's params is
    a step too): any object with a registered step `type` and `params`."""
    if not isinstance(definition, Mapping):
        return definition
    extra = visible_headers()
    result = copy.deepcopy(dict(definition))
    trigger = result.get("trigger")
    if isinstance(trigger, Mapping):
        trigger_class = trigger_registry.find(trigger.get("type"))
        if trigger_class is not None:
            result["trigger"] = _redact_params(trigger, trigger_class.config_params, extra)
    stack: list[Any] = [result.get("steps")]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            step_class = step_registry.find(node.get("type"))
            if step_class is not None and isinstance(node.get("params"), Mapping):
                node["params"] = _redact_params(node["params"], step_class.params, extra)
            stack.extend(value for value in node.values() if isinstance(value, list | dict))
    return result


def definition_for(user: Any, definition: Any) -> Any:
    """`definition` as `user` may see it."""
    return definition if may_see_secrets(user) else redact_definition(definition)


# -- headers and event data ------------------------------------------------------------


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Header values by the allowlist: harmless names in clear, the rest hidden."""
    return HEADERS.redact(dict(headers), visible_headers=visible_headers())


def redact_event_payload(payload: Any) -> Any:
    """An event's data with its webhook `headers` redacted by the allowlist."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("headers"), Mapping):
        return payload
    return {**payload, "headers": redact_headers(payload["headers"])}


def event_payload_for(user: Any, payload: Any) -> Any:
    """An event's data as `user` may see it."""
    return payload if may_see_secrets(user) else redact_event_payload(payload)
