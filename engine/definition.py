"""Validation of a whole workflow definition (`"schema_version": 1`).

`check_definition(data)` returns every `DefinitionError` (path + sentence);
`validate_definition(data)` returns a `ValidatedDefinition` or raises
`InvalidDefinition`. Arbitrary JSON never makes either raise anything else.

The scope a definition's parts see is worked out here, once, for validation and
for anything that shows it (builders, the API): `trigger_scope(raw)` for the
trigger's references and `StepScopeChain` for `steps.<key>.<output>` of the
steps before each step (`draft_step_outputs` reads a step that is still being
edited).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.conditions import Condition
from engine.errors import DefinitionError, EngineError, InvalidDefinition, join_path
from engine.limits import LimitExceeded, current_limits, json_problem, render_budget, size_over
from engine.params import (
    JsonTemplate,
    ListValue,
    Literal,
    ParamValue,
    Reference,
    TemplateValue,
    compile_param_value,
)
from engine.registry import Registry
from engine.scope import LIVE_SNAPSHOT_ROOT, MAY_BE_MISSING, ScopeField, ScopeSchema
from engine.steps import StepCheck, StepType, step_registry
from engine.triggers import TriggerType, trigger_registry
from engine.types.array import ArrayType
from engine.types.base import ValueType, describe_raw
from engine.types.condition import ConditionTree
from engine.types.object import ObjectType
from engine.types.step_list import StepList
from engine.types.structure import StructType

SCHEMA_VERSION = 1
TOP_LEVEL_KEYS = {"schema_version", "name", "description", "trigger", "conditions", "steps"}
STEP_KEYS = {"key", "type", "params", "when", "on_error", "retry", "label"}
#: The root of earlier steps' outputs in a step's scope (`steps.confirm.record`).
STEPS_ROOT = "steps"
STEP_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ON_ERROR_CHOICES = ("stop", "continue")
#: Steps in the whole tree (nested ones count).
MAX_STEPS = 100
#: How deep step lists may nest (a `for_each` inside a `branch` path is 2).
MAX_NESTING = 4
MAX_ATTEMPTS = 20
MAX_BACKOFF_SECONDS = 86_400
MAX_NAME_LENGTH = 200


@dataclass
class CompiledStep:
    """One step of a validated definition, ready for the executor."""

    index: int
    key: str
    type_key: str
    step_type: StepType
    params: dict[str, ParamValue]
    schema: ScopeSchema
    when: Condition | None = None
    on_error: str = "stop"
    max_attempts: int = 1
    backoff_seconds: float = 0.0
    label: str = ""
    raw_params: Mapping[str, Any] = field(default_factory=dict)
    output_fields: list[ScopeField] = field(default_factory=list)
    #: Nested step lists by their place in the params (`paths[0].steps`,
    #: `otherwise`, `steps`), in the order the params declare them.
    children: dict[str, list[CompiledStep]] = field(default_factory=dict)
    #: Where the step sits: `steps[2]`, `steps[0].params.paths[1].steps[0]`.
    path: str = ""
    #: Every scope path the step's params and `when` refer to (for run history).
    refs: tuple[str, ...] = ()

    def resolve_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The step's typed inputs for these scope values (see `StepType.resolve_inputs`).

        Raises `LimitExceeded` when they come to more than the step-input limit
        (`Limits.step_input_max_bytes`): templates stop expanding as soon as they
        pass it, and references to large values are measured before use."""
        limit = current_limits().step_input_max_bytes
        with render_budget(limit):
            inputs = self.step_type.resolve_inputs(self, values)
        if size_over(inputs, limit):
            raise LimitExceeded(f"the inputs come to more than {limit:,} bytes (the limit of "
                                "a step's inputs); refer to smaller values")
        return inputs


@dataclass
class ValidatedDefinition:
    """A definition that passed every check, with its compiled parts."""

    data: Mapping[str, Any]
    trigger_type: TriggerType
    trigger_config: dict[str, Any]
    scope: ScopeSchema
    condition: Condition
    steps: list[CompiledStep] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))

    def step(self, key: str) -> CompiledStep:
        """The step with this key, at any depth."""
        for step in self.all_steps():
            if step.key == key:
                return step
        raise KeyError(key)

    def all_steps(self) -> list[CompiledStep]:
        """Every step of the tree, depth first, in definition order."""
        return list(walk_steps(self.steps))


def walk_steps(steps: list[CompiledStep]) -> Any:
    """Every step in `steps` and in their nested step lists, depth first."""
    for step in steps:
        yield step
        for children in step.children.values():
            yield from walk_steps(children)


def referenced_paths(parts: list[Any]) -> Any:
    """The scope paths used by compiled params and raw conditions, in order."""
    for part in parts:
        if isinstance(part, Reference):
            yield part.path
        elif isinstance(part, TemplateValue):
            yield from part.template.paths
        elif isinstance(part, JsonTemplate):
            for template in part.templates.values():
                yield from template.paths
        elif isinstance(part, ListValue):
            yield from referenced_paths(list(part.items))
        elif isinstance(part, Literal) and isinstance(part.value_type, ConditionTree):
            yield from referenced_paths([part.value])
        elif isinstance(part, Mapping):
            if isinstance(part.get("ref"), str):
                yield part["ref"]
            yield from referenced_paths(list(part.values()))
        elif isinstance(part, list):
            yield from referenced_paths(part)


def step_list_places(value_type: ValueType, raw: object, place: str = ""
                     ) -> list[tuple[str, list[Any]]]:
    """The nested step lists inside a param value, as `(place, raw steps)`: found by
    the declared types (a `StepList`, inside lists and structures at any depth),
    so a new flow step needs no edit here. `place` reads like `paths[0].steps`."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(value_type, StepList):
        if isinstance(raw, list):
            found.append((place, raw))
    elif isinstance(value_type, ArrayType) and isinstance(raw, list):
        for index, item in enumerate(raw):
            found.extend(step_list_places(value_type.item_type, item, join_path(place, index)))
    elif isinstance(value_type, StructType) and isinstance(raw, Mapping):
        for declared in value_type.fields:
            if declared.name in raw:
                found.extend(step_list_places(declared.type, raw[declared.name],
                                              join_path(place, declared.name)))
    return found


@dataclass
class TriggerScope:
    """What `trigger_scope` found: the trigger, its config and the scope it builds
    (an empty scope and `errors` when it could not be worked out)."""

    trigger_type: TriggerType | None
    config: dict[str, Any]
    scope: ScopeSchema
    errors: list[DefinitionError]


def trigger_scope(raw: object, *, triggers: Registry[type[TriggerType]] | None = None
                  ) -> TriggerScope:
    """The trigger of a definition (`{"type": ..., <config>}`), checked, and its scope.

    Errors name their path (`trigger`, `trigger.type`, `trigger.<setting>`); the
    trigger's `scope()` is only called on a config that passed `check_config`.
    """
    registry = triggers or trigger_registry
    if raw is None:
        return TriggerScope(None, {}, ScopeSchema(), [DefinitionError(
            "trigger", 'a workflow needs a trigger, e.g. {"type": "manual"}')])
    if not isinstance(raw, Mapping):
        return TriggerScope(None, {}, ScopeSchema(), [DefinitionError(
            "trigger", f"expected an object, not {describe_raw(raw)}")])
    type_key = raw.get("type")
    trigger_class = registry.find(type_key)
    if trigger_class is None:
        known = ", ".join(registry.keys()) or "none registered"
        return TriggerScope(None, {}, ScopeSchema(), [DefinitionError(
            "trigger.type", f"unknown trigger {describe_raw(type_key)} (known triggers: {known})")])
    trigger_type = trigger_class()
    config = {key: value for key, value in raw.items() if key != "type"}
    errors = trigger_type.check_config(config, "trigger")
    if errors:
        return TriggerScope(trigger_type, config, ScopeSchema(), errors)
    return TriggerScope(trigger_type, config, with_snapshots(trigger_type.scope(config)), [])


def with_snapshots(scope: ScopeSchema) -> ScopeSchema:
    """`scope` plus `trigger.<root>` for each live root: the record as it was when
    the event happened, beside `<root>`, the record as it is when a step runs."""
    if not scope.live or scope.contains(LIVE_SNAPSHOT_ROOT):
        return scope
    fields = scope.fields()
    snapshots = [ScopeField(root, fields[root].type, label=label,
                            help="The values when the event happened.")
                 for root, label in scope.live.items() if root in fields]
    return scope.with_field(ScopeField(
        LIVE_SNAPSHOT_ROOT, ObjectType(snapshots, type_name="When it happened"),
        label="When it happened"))


class StepScopeChain:
    """The scope each step sees: the trigger's scope plus `steps.<key>.<output>` of
    the steps before it. Start from the trigger's scope, read `scope` for the next
    step, then `add` that step's outputs::

        chain = StepScopeChain(trigger_scope)
        for step in steps:
            check(step, chain.scope)
            chain.add(step.key, outputs_of(step), label=step.label)
    """

    def __init__(self, base: ScopeSchema) -> None:
        self.base = base
        self.earlier = ObjectType((), type_name="Steps")

    @property
    def scope(self) -> ScopeSchema:
        """The scope of the next step."""
        return self.base.with_field(ScopeField(STEPS_ROOT, self.earlier, label="Earlier steps"))

    def add(self, key: str, outputs: list[ScopeField], *, label: str = "") -> None:
        """Make `steps.<key>.*` (the step's outputs) visible to the steps after it."""
        self.earlier = self.earlier.with_field(ScopeField(
            key, ObjectType(outputs, type_name=f"Outputs of {key}"), label=label or key))

    def add_field(self, step_field: ScopeField) -> None:
        """Make an already built `steps.<key>` field visible (a nested step's)."""
        self.earlier = self.earlier.with_field(step_field)

    def nested(self, extra: list[ScopeField]) -> StepScopeChain:
        """The chain inside a nested step list: what is visible here, plus `extra`
        (e.g. `item` and `item_index` in a `for_each`)."""
        base = self.base
        for extra_field in extra:
            base = base.with_field(extra_field)
        inner = StepScopeChain(base)
        inner.earlier = self.earlier
        return inner

    def steps(self) -> Mapping[str, ScopeField]:
        """The steps added so far, by key."""
        return self.earlier.children()


def draft_step_outputs(item: object, scope: ScopeSchema, index: int, *,
                       steps: Registry[type[StepType]] | None = None) -> list[ScopeField]:
    """The outputs of the step `item` at position `index` of a definition that may be
    unfinished: params that do not compile are left out rather than reported, and a
    step whose outputs cannot be worked out offers its declared ones. Never raises
    for bad input (saving reports it)."""
    if not isinstance(item, Mapping):
        return []
    step_class = (steps or step_registry).find(item.get("type"))
    if step_class is None:
        return []
    raw_params = item.get("params")
    raw_params = raw_params if isinstance(raw_params, Mapping) else {}
    path = join_path(STEPS_ROOT, index)
    params: dict[str, ParamValue] = {}
    ignored: list[DefinitionError] = []
    for param in step_class.params:
        value = raw_params.get(param.name)
        if value is None or value == "" or value == []:
            continue
        compiled = compile_param_value(value, param.type, scope,
                                       join_path(join_path(path, "params"), param.name), ignored)
        if compiled is not None:
            params[param.name] = compiled
    step_type = step_class()
    try:
        return list(step_type.output_fields(StepCheck(path, scope, params, raw_params)))
    except (EngineError, LookupError, ValueError, TypeError, AttributeError):
        return list(step_type.output_fields(None))


def step_scopes(data: object, *, triggers: Registry[type[TriggerType]] | None = None,
                steps: Registry[type[StepType]] | None = None) -> dict[str, ScopeSchema]:
    """The scope each step of a (possibly unfinished) definition sees, by its path
    (`steps[2]`, `steps[0].params.paths[1].steps[0]`): what a builder offers in the
    pickers of a nested step (`item.*` in a `for_each`, the steps before it on
    every level). Steps inside a flow step whose params do not compile yet are
    left out. Never raises for bad input."""
    validator = _Validator(triggers or trigger_registry, steps or step_registry)
    validator.run(data)
    return validator.scopes


def validate_definition(data: object, *, triggers: Registry[type[TriggerType]] | None = None,
                        steps: Registry[type[StepType]] | None = None) -> ValidatedDefinition:
    """Validate `data`; return the compiled definition or raise `InvalidDefinition`."""
    validator = _Validator(triggers or trigger_registry, steps or step_registry)
    result = validator.run(data)
    if validator.errors or result is None:
        raise InvalidDefinition(validator.errors or [DefinitionError("", "invalid definition")])
    return result


def check_definition(data: object, *, triggers: Registry[type[TriggerType]] | None = None,
                     steps: Registry[type[StepType]] | None = None) -> list[DefinitionError]:
    """Every error in `data` (an empty list when it is valid)."""
    validator = _Validator(triggers or trigger_registry, steps or step_registry)
    validator.run(data)
    return validator.errors


class _Validator:
    def __init__(self, triggers: Registry[type[TriggerType]],
                 steps: Registry[type[StepType]]) -> None:
        self.triggers = triggers
        self.step_types = steps
        self.errors: list[DefinitionError] = []
        #: The scope at each step path, recorded as the steps are checked.
        self.scopes: dict[str, ScopeSchema] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append(DefinitionError(path, message))

    def run(self, data: object) -> ValidatedDefinition | None:
        if not isinstance(data, Mapping):
            self.error("", f"a definition must be a JSON object, not {describe_raw(data)}")
            return None
        limits = current_limits()
        problem = json_problem(data, max_depth=limits.definition_max_depth,
                               max_bytes=limits.definition_max_bytes, what="the definition")
        if problem is not None:  # nothing else is looked at: it may be hostile
            self.error(*problem)
            return None
        self.check_header(data)
        trigger = self.check_trigger(data.get("trigger"))
        if trigger is None:
            return None
        trigger_type, config, scope = trigger
        condition = self.check_condition(data.get("conditions"), scope, "conditions")
        compiled_steps = self.check_steps(data.get("steps"), scope)
        if self.errors or condition is None:
            return None
        return ValidatedDefinition(data, trigger_type, config, scope, condition, compiled_steps)

    # -- header ----------------------------------------------------------------

    def check_header(self, data: Mapping[str, Any]) -> None:
        if "schema_version" not in data:
            self.error("schema_version", f"missing; this engine reads schema_version "
                                         f"{SCHEMA_VERSION}")
        elif data["schema_version"] != SCHEMA_VERSION or isinstance(data["schema_version"], bool):
            self.error("schema_version", f"{describe_raw(data['schema_version'])} is not "
                                         f"supported; this engine reads schema_version "
                                         f"{SCHEMA_VERSION}")
        for key in sorted(str(key) for key in data if key not in TOP_LEVEL_KEYS):
            self.error(key, f'unknown key "{key}" (expected: {", ".join(sorted(TOP_LEVEL_KEYS))})')
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error("name", "a workflow needs a name")
        elif len(name) > MAX_NAME_LENGTH:
            self.error("name", f"at most {MAX_NAME_LENGTH} characters")
        description = data.get("description", "")
        if description is not None and not isinstance(description, str):
            self.error("description", "must be text")

    # -- trigger ---------------------------------------------------------------

    def check_trigger(self, raw: object
                      ) -> tuple[TriggerType, dict[str, Any], ScopeSchema] | None:
        found = trigger_scope(raw, triggers=self.triggers)
        if found.errors or found.trigger_type is None:
            self.errors.extend(found.errors)
            return None
        return found.trigger_type, found.config, found.scope

    # -- conditions ------------------------------------------------------------

    def check_condition(self, raw: object, schema: ScopeSchema, path: str) -> Condition | None:
        errors = Condition.check(raw, schema, path=path)
        if errors:
            self.errors.extend(errors)
            return None
        return Condition.compile(raw, schema, path=path)

    # -- steps -----------------------------------------------------------------

    def check_steps(self, raw: object, base_scope: ScopeSchema) -> list[CompiledStep]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error("steps", f"expected a list of steps, not {describe_raw(raw)}")
            return []
        self.tree_keys = _raw_tree_keys(raw, self.step_types)
        if len(raw) > MAX_STEPS or len(self.tree_keys) > MAX_STEPS:
            self.error("steps", f"a workflow may have at most {MAX_STEPS} steps "
                                "(nested steps count)")
            return []
        self.seen: dict[str, str] = {}
        return self.check_step_list(raw, STEPS_ROOT, StepScopeChain(base_scope), 0)

    def check_step_list(self, raw: list[Any], path: str, chain: StepScopeChain,
                        depth: int) -> list[CompiledStep]:
        """Check the steps of one list (the top level or a nested one) in order,
        each against the scope at its place, and nested lists recursively."""
        all_keys = [item.get("key") for item in raw if isinstance(item, Mapping)]
        compiled: list[CompiledStep] = []
        for index, item in enumerate(raw):
            step_path = join_path(path, index)
            scope = chain.scope
            self.scopes[step_path] = scope
            later = [key for key in all_keys[index:] if isinstance(key, str)]
            step = self.check_step(item, index, step_path, scope, later, self.seen)
            if step is None:
                continue
            step.path = step_path
            step.refs = tuple(dict.fromkeys(referenced_paths(
                [item.get("when"), *step.params.values()])))
            check = StepCheck(step_path, scope, step.params, item.get("params") or {})
            nested_fields = self.check_nested(step, check, chain, depth)
            own_errors = step.step_type.check(check)
            if own_errors:
                self.errors.extend(own_errors)
                continue
            compiled.append(step)
            step.output_fields = step.step_type.output_fields(check)
            chain.add(step.key, step.output_fields, label=step.label or step.key)
            for nested_field in nested_fields:
                chain.add_field(nested_field)
        return compiled

    def check_nested(self, step: CompiledStep, check: StepCheck, chain: StepScopeChain,
                     depth: int) -> list[ScopeField]:
        """Check the nested step lists of `step`; return the `steps.<key>` fields of
        nested steps that the steps after it may refer to (per the step type's
        `nested_outputs_after`)."""
        visible: list[ScopeField] = []
        params_path = join_path(step.path, "params")
        for param in step.step_type.params:
            for place, raw_steps in step_list_places(param.type, step.raw_params.get(param.name),
                                                     param.name):
                place_path = join_path(params_path, place)
                if depth + 1 > MAX_NESTING:
                    self.error(place_path, f"steps may nest at most {MAX_NESTING} levels deep")
                    continue
                inner = chain.nested(step.step_type.nested_scope(check, place))
                known = set(chain.steps())
                step.children[place] = self.check_step_list(raw_steps, place_path, inner,
                                                            depth + 1)
                added = [field_ for key, field_ in inner.steps().items() if key not in known]
                visible.extend(_after_nested(step, added,
                                             step.step_type.nested_outputs_for(check, place)))
        return visible

    def check_step(self, item: object, index: int, path: str, scope: ScopeSchema,
                   later_keys: list[str], seen: dict[str, str]) -> CompiledStep | None:
        if not isinstance(item, Mapping):
            self.error(path, f"expected a step object, not {describe_raw(item)}")
            return None
        before = len(self.errors)
        for key in sorted(str(key) for key in item if key not in STEP_KEYS):
            self.error(join_path(path, key), f'unknown step key "{key}" (expected: '
                                             f'{", ".join(sorted(STEP_KEYS))})')
        key = item.get("key")
        if not isinstance(key, str) or not STEP_KEY_RE.match(key):
            self.error(join_path(path, "key"), "a step key is lower-case letters, digits and _, "
                                               f"starting with a letter; got {describe_raw(key)}")
            key = None
        elif key in seen:
            self.error(join_path(path, "key"),
                       f'duplicate step key "{key}" (also {seen[key]})')
        else:
            seen[key] = path
        type_key = item.get("type")
        step_class = self.step_types.find(type_key)
        if step_class is None:
            known = ", ".join(self.step_types.keys()) or "none registered"
            self.error(join_path(path, "type"), f"unknown step type {describe_raw(type_key)} "
                                                f"(known steps: {known})")
            return None
        step_type = step_class()
        hint = _later_step_hint(later_keys, key, getattr(self, "tree_keys", set()))
        params = self.check_params(item.get("params"), step_type, scope,
                                   join_path(path, "params"), hint)
        when = None
        if item.get("when") not in (None, {}):
            when = self.check_condition(item["when"], scope, join_path(path, "when"))
        on_error = item.get("on_error", "stop")
        if on_error not in ON_ERROR_CHOICES:
            self.error(join_path(path, "on_error"), f'{describe_raw(on_error)} is not "stop" or '
                                                    '"continue"')
        max_attempts, backoff = self.check_retry(item.get("retry"), join_path(path, "retry"))
        label = item.get("label", "")
        if not isinstance(label, str):
            self.error(join_path(path, "label"), "must be text")
            label = ""
        if len(self.errors) > before or key is None or params is None:
            return None
        return CompiledStep(index, key, str(type_key), step_type, params, scope, when,
                            str(on_error), max_attempts, backoff, label,
                            raw_params=dict(item.get("params") or {}))

    def check_params(self, raw: object, step_type: StepType, scope: ScopeSchema, path: str,
                     hint: Any) -> dict[str, ParamValue] | None:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            self.error(path, f"expected an object of params, not {describe_raw(raw)}")
            return None
        declared = {param.name: param for param in step_type.params}
        before = len(self.errors)
        for name in sorted(str(name) for name in raw if name not in declared):
            expected = ", ".join(declared) or "none"
            self.error(join_path(path, name), f'{step_type.key} has no param "{name}" '
                                              f"(its params: {expected})")
        compiled: dict[str, ParamValue] = {}
        for name, param in declared.items():
            value = raw.get(name)
            if value is None or value == "" or value == []:
                if param.required and param.default is None:
                    self.error(join_path(path, name), f'missing required param "{name}" '
                                                      f"({param.type.spec})")
                continue
            result = compile_param_value(value, param.type, scope, join_path(path, name),
                                         self.errors, path_hint=hint)
            if result is not None:
                compiled[name] = result
        return compiled if len(self.errors) == before else None

    def check_retry(self, raw: object, path: str) -> tuple[int, float]:
        if raw is None:
            return 1, 0.0
        if not isinstance(raw, Mapping):
            self.error(path, 'expected {"max_attempts": N, "backoff_seconds": S}')
            return 1, 0.0
        for key in sorted(str(key) for key in raw if key not in {"max_attempts",
                                                                 "backoff_seconds"}):
            self.error(join_path(path, key), f'unknown retry setting "{key}"')
        attempts = raw.get("max_attempts", 1)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not (
                1 <= attempts <= MAX_ATTEMPTS):
            self.error(join_path(path, "max_attempts"),
                       f"a whole number from 1 to {MAX_ATTEMPTS}, got {describe_raw(attempts)}")
            attempts = 1
        backoff = raw.get("backoff_seconds", 0)
        if isinstance(backoff, bool) or not isinstance(backoff, int | float) or not (
                0 <= backoff <= MAX_BACKOFF_SECONDS):
            self.error(join_path(path, "backoff_seconds"),
                       f"a number of seconds from 0 to {MAX_BACKOFF_SECONDS}, "
                       f"got {describe_raw(backoff)}")
            backoff = 0
        return attempts, float(backoff)


def _after_nested(step: CompiledStep, added: list[ScopeField], rule: str) -> list[ScopeField]:
    """What the steps after `step` see of its nested steps' `steps.<key>` fields,
    by the step type's `rule` for their list (`nested_outputs_for`)."""
    if rule == "none":
        return []
    if rule == "always":
        return added
    return [ScopeField(added_field.name, added_field.type, label=added_field.label,
                       help=added_field.help,
                       extra={**added_field.extra, MAY_BE_MISSING: step.key})
            for added_field in added]


def _raw_tree_keys(raw: list[Any], steps: Registry[type[StepType]], depth: int = 0) -> list[str]:
    """Every step key written in a (possibly invalid) step tree, nested ones included."""
    keys: list[str] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        if isinstance(item.get("key"), str):
            keys.append(item["key"])
        step_class = steps.find(item.get("type"))
        params = item.get("params")
        if step_class is None or not isinstance(params, Mapping) or depth >= MAX_NESTING:
            continue
        for param in step_class.params:
            for _place, nested in step_list_places(param.type, params.get(param.name)):
                keys.extend(_raw_tree_keys(nested, steps, depth + 1))
    return keys


def _later_step_hint(later_keys: list[str], own_key: str | None,  # type: ignore[no-untyped-def]
                     tree_keys: Any = ()):
    """A function that explains a `steps.X...` path naming this or a later step, or
    a step nested somewhere it cannot be seen from."""

    def hint(path: str) -> str | None:
        head, _, rest = path.partition(".")
        if head != STEPS_ROOT or not rest:
            return None
        step_key = rest.split(".", 1)[0]
        if step_key == own_key:
            return f'"{path}" refers to this step\'s own output, which does not exist yet'
        if step_key in later_keys:
            return (f'"{path}" refers to the output of step "{step_key}", which runs later; '
                    "only earlier steps' outputs can be used")
        if step_key in tree_keys:
            return (f'"{path}" refers to the output of step "{step_key}", which cannot be '
                    "used here: it runs later, or inside a path, loop or branch this step "
                    "is not part of")
        return None

    return hint
