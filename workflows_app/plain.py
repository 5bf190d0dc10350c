"""A definition's places and problems in the words of the people who build
workflows: a step by its label (or "Step 2, Send an e-mail"), a field by its label,
no paths and no type codes.

Paths (`steps[1].params.subject`) and the engine's messages stay what the API,
`workflows_import` and the definition format use; the admin shows these instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine import DefinitionError, step_registry, trigger_registry

SEPARATOR = " \u203a "

_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")

#: What the builder calls the parts every step and condition has.
_STEP_PARTS = {"key": "Key", "label": "Label", "type": "Step type", "params": "Inputs",
               "when": "Only run this step if", "on_error": "If it fails", "retry": "Retry",
               "max_attempts": "Attempts", "backoff_seconds": "Seconds apart"}
_CONDITION_PARTS = {"ref": "Value to test", "op": "Comparison", "value": "Compare with"}
_TOP = {"name": "Name", "description": "Description", "schema_version": "Format version",
        "trigger": "When this happens", "conditions": "Only if", "steps": "Then do this"}


def step_type_label(step_type: object) -> str:
    """"Send an e-mail" for "email.send"; the key itself for an unknown type."""
    step_class = step_registry.find(step_type)
    return step_class.label if step_class is not None else str(step_type or "step")


def step_title(step: object, index: int) -> str:
    """A step as people name it: its label, else "Step 2, Send an e-mail"."""
    if isinstance(step, Mapping):
        label = step.get("label")
        if isinstance(label, str) and label.strip():
            return label.strip()
        return f"Step {index + 1}, {step_type_label(step.get('type'))}"
    return f"Step {index + 1}"


def _tokens(path: str) -> list[str | int]:
    return [int(token[1:-1]) if token.startswith("[") else token
            for token in _TOKEN.findall(path)]


def _words(name: object) -> str:
    return str(name).replace("_", " ").capitalize()


def _child(node: Any, token: str | int) -> Any:
    if isinstance(token, int):
        return node[token] if isinstance(node, list) and 0 <= token < len(node) else None
    return node.get(token) if isinstance(node, Mapping) else None


def _is_step_list(node: Any) -> bool:
    return isinstance(node, list) and bool(node) and all(
        isinstance(item, Mapping) and "type" in item for item in node)


def _condition_place(node: Any, tokens: list[str | int]) -> list[str]:
    parts: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token in ("all", "any") and position + 1 < len(tokens) and isinstance(
                tokens[position + 1], int):
            index = tokens[position + 1]
            group = _child(node, token)
            node = _child(group, index)
            position += 2
            if isinstance(group, list) and len(group) > 1:  # a group of one is its item
                parts.append(f"condition {index + 1}")
            continue
        if token == "not":
            parts.append("not")
            node = _child(node, token)
        elif isinstance(token, int):
            parts.append(f"value {token + 1}")
        else:
            parts.append(_CONDITION_PARTS.get(token, _words(token)))
        position += 1
    return parts


def _value_place(node: Any, tokens: list[str | int], value_type: Any) -> list[str]:
    """Inside a param's value: nested steps by their titles, structure fields and
    list items by label and number."""
    parts: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if isinstance(token, int):
            if _is_step_list(node):
                return parts + _step_place(node, tokens[position:])
            parts.append(f"item {token + 1}")
            value_type = getattr(value_type, "item_type", None)
        else:
            field = None
            for declared in getattr(value_type, "fields", ()) or ():
                if getattr(declared, "name", None) == token:
                    field = declared
            parts.append(getattr(field, "display_label", None) or _words(token))
            value_type = getattr(field, "type", None)
        node = _child(node, token)
        position += 1
    return parts


def _step_place(steps: Any, tokens: list[str | int]) -> list[str]:
    if not tokens or not isinstance(tokens[0], int):
        return []
    index = tokens[0]
    step = _child(steps, index)
    parts = [step_title(step, index)]
    rest = tokens[1:]
    if not rest:
        return parts
    head = rest[0]
    if head == "params" and len(rest) >= 2:
        step_class = step_registry.find(step.get("type")) if isinstance(step, Mapping) else None
        param = step_class.param(str(rest[1])) if step_class is not None else None
        parts.append(param.display_label if param is not None else _words(rest[1]))
        value = _child(_child(step, "params"), rest[1])
        return parts + _value_place(value, rest[2:], getattr(param, "type", None))
    if head == "when":
        return [*parts, _STEP_PARTS["when"], *_condition_place(_child(step, "when"), rest[1:])]
    return parts + [_STEP_PARTS.get(str(token), _words(token)) if not isinstance(token, int)
                    else f"item {token + 1}" for token in rest]


def place(definition: Any, path: str) -> str:
    """Where `path` is, in words, parts joined by `SEPARATOR`: "Step 2, Send an
    e-mail > Subject", "Only if > Compare with", "When this happens > Model"."""
    tokens = _tokens(path)
    if not tokens:
        return "The workflow"
    head, rest = tokens[0], tokens[1:]
    parts = [_TOP.get(str(head), _words(head))]
    if head == "steps":
        parts = _step_place(_child(definition, "steps"), rest) or parts
    elif head == "conditions":
        parts += _condition_place(_child(definition, "conditions"), rest)
    elif head == "trigger" and rest:
        trigger = _child(definition, "trigger")
        trigger_class = trigger_registry.find(_child(trigger, "type"))
        config = {param.name: param for param in getattr(trigger_class, "config_params", ())}
        param = config.get(str(rest[0]))
        if rest[0] == "type":
            parts.append("Trigger")
        else:
            parts.append(param.display_label if param is not None else _words(rest[0]))
        parts += [f"item {token + 1}" if isinstance(token, int) else _words(token)
                  for token in rest[1:]]
    return SEPARATOR.join(parts)


_MISSING = (re.compile(r'^missing required param "[^"]+"'),
            re.compile(r"^\S+ needs .+ \(\w+\)$"),
            re.compile(r"^missing$"),
            re.compile(r"^a workflow needs a name$"))
_TYPE_CODE = re.compile(r" \((?:[A-Z]\w*(?:\[[^\]]*\])?(?:\[\])?)\)$")


def plain_message(message: str) -> str:
    """The engine's message with what only developers read taken out: "missing
    required param "subject" (Text)" becomes "This is required."."""
    if any(pattern.search(message) for pattern in _MISSING):
        return "This is required."
    text = _TYPE_CODE.sub("", message)
    return text[:1].upper() + text[1:] if text else text


def for_people(definition: Any, error: DefinitionError) -> dict[str, str]:
    """An error as the builder shows it: the path (to place it), the engine's
    message, and where and what in words (`place`, `plain`)."""
    return {**error.as_dict(), "place": place(definition, error.path),
            "plain": plain_message(error.message)}
