"""`manual`: a person (admin "Run now") or an API call starts the workflow with inputs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine import DefinitionError, Param, ScopeField, ScopeSchema, trigger_registry
from engine.errors import ValueParseError, join_path
from engine.types import JSON, ObjectType, parse_type_spec
from workflows_app.models import Event, Workflow
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.scope import event_scope_field

INPUT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
INPUT_KEYS = {"name", "type", "label", "required", "help", "options", "default"}
#: Scope root (and payload key) of the inputs.
INPUTS = "inputs"


def input_fields(config: Mapping[str, Any]) -> list[tuple[ScopeField, bool, Any]]:
    """The declared inputs as `(field, required, default)` (config must be valid)."""
    result = []
    for item in config.get("inputs") or []:
        value_type = parse_type_spec(item)
        result.append((ScopeField(item["name"], value_type, item.get("label", ""),
                                  help=item.get("help", "")),
                       bool(item.get("required", True)), item.get("default")))
    return result


@trigger_registry.register
class Manual(Trigger):
    """Started by hand: admin's "Run now" form or the API, with declared inputs::

        {"type": "manual", "inputs": [
            {"name": "order", "type": "Record[demo.order]", "label": "Order"},
            {"name": "reason", "type": "Text", "required": false}]}

    Scope: `inputs.*` (typed as declared) and `event.*` (`event.actor` is the person).
    """

    key = "manual"
    label = "Started by hand"
    description = ("Runs when someone clicks “Run now” or calls the API, with the inputs you "
                   "ask for.")
    group = "General"
    config_params = (
        Param("inputs", JSON(), "Inputs", required=False,
              help="What to ask for when starting it.", extra={"widget": "inputs"}),
    )

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        errors = super().check_config(config, path)
        inputs = config.get("inputs")
        if errors or inputs is None:
            return errors
        inputs_path = join_path(path, "inputs")
        if not isinstance(inputs, list):
            return [DefinitionError(inputs_path, "expected a list of inputs")]
        seen: set[str] = set()
        for index, item in enumerate(inputs):
            item_path = join_path(inputs_path, index)
            if not isinstance(item, dict):
                errors.append(DefinitionError(item_path, 'expected {"name": ..., "type": ...}'))
                continue
            for key in sorted(str(key) for key in item if key not in INPUT_KEYS):
                errors.append(DefinitionError(join_path(item_path, key),
                                              f'unknown input setting "{key}"'))
            name = item.get("name")
            if not isinstance(name, str) or not INPUT_NAME.match(name):
                errors.append(DefinitionError(join_path(item_path, "name"),
                                              "an input name is lower-case letters, digits and _"))
            elif name in seen:
                errors.append(DefinitionError(join_path(item_path, "name"),
                                              f'duplicate input "{name}"'))
            else:
                seen.add(name)
            try:
                value_type = parse_type_spec(item)
            except ValueParseError as exc:
                errors.append(DefinitionError(join_path(item_path, "type"), exc.reason))
                continue
            if item.get("default") is not None:
                try:
                    value_type.parse(item["default"])
                except ValueParseError as exc:
                    errors.append(DefinitionError(join_path(item_path, "default"), exc.reason))
        return errors

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        fields = [field for field, _, _ in input_fields(config)]
        return ScopeSchema([ScopeField(INPUTS, ObjectType(fields, type_name="Inputs"), "Inputs"),
                            event_scope_field()])

    @classmethod
    def record_start(cls, workflow: Workflow, inputs: dict[str, Any], *, actor_id: int | None,
                     who: str, record_model: str = "", record_pk: Any = "",
                     dedupe_key: str | None = None) -> Event:
        """Record that `who` started `workflow` with the checked `inputs` (JSON);
        `dedupe_key` makes a repeated start (of one `workflow.run` step) impossible."""
        return cls.record(payload={INPUTS: inputs}, workflow=workflow,
                          summary=f'"{workflow.name}" started by {who}', actor_id=actor_id,
                          record_model=record_model, record_pk=record_pk,
                          dedupe_key=dedupe_key)
