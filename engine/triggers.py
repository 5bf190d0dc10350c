"""Triggers: kinds of events that start workflows, and the scope each builds.

A trigger is one class registered in `trigger_registry`. Its config lives beside
`"type"` in the definition (`{"type": "model.created", "model": "demo.order"}`)
and is described by `config_params`; `scope(config)` returns the typed
references the workflow may use, and `target(config)` what the workflow listens
to (a model, an event name), which events of the trigger name too.

The engine knows nothing of how events happen: the Django app's
`workflows_app.triggers.Trigger` adds recording events, their sources and the
admin's extras on top of this class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine.errors import DefinitionError, ValueParseError, join_path
from engine.registry import Registry
from engine.scope import ScopeSchema
from engine.steps import Param


class TriggerType:
    """Base class of every trigger.

    Extension points: `config_params` (declared config, checked generically),
    `check_config(config, path)` for anything more, `scope(config)` and
    `target(config)`.
    """

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    group: ClassVar[str] = "General"
    config_params: ClassVar[tuple[Param, ...]] = ()

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        """Check the config keys against `config_params`; override to add checks."""
        errors: list[DefinitionError] = []
        known = {param.name for param in self.config_params}
        for name in sorted(str(key) for key in config):
            if name not in known:
                hint = f" (expected: {', '.join(sorted(known))})" if known else ""
                errors.append(DefinitionError(join_path(path, name),
                                              f'unknown setting "{name}" for {self.key}{hint}'))
        for param in self.config_params:
            if param.name not in config or config[param.name] is None:
                if param.required:
                    errors.append(DefinitionError(
                        join_path(path, param.name),
                        f"{self.key} needs {param.display_label.lower()} ({param.name})"))
                continue
            try:
                param.type.parse(config[param.name])
            except ValueParseError as exc:
                errors.append(DefinitionError(join_path(path, param.name), exc.reason))
        return errors

    def parsed_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Config values parsed by their types (call after `check_config` passed)."""
        parsed: dict[str, Any] = {}
        for param in self.config_params:
            raw = config.get(param.name)
            parsed[param.name] = param.default if raw is None else param.type.parse(raw)
        return parsed

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        """The typed references this trigger provides for `config`."""
        raise NotImplementedError

    def target(self, config: Mapping[str, Any]) -> str:
        """What a workflow with this config listens to, e.g. the model label
        `"demo.order"` or the event name `"payment.received"`; "" when events are
        aimed at one workflow (webhook, schedule) or at every workflow of the kind.

        Stored on the workflow (`trigger_target`) so that the workflows listening to
        an event are found with one indexed query: an event recorded with
        `target=X` is offered to the workflows whose target is X. Call it only on
        a config that passed `check_config`.
        """
        return ""


#: Every trigger class, by key ("model.created").
trigger_registry: Registry[type[TriggerType]] = Registry("trigger")
