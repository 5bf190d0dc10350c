"""Builder metadata, read from the engine's registries: the one source for the admin
builder and the REST API (`api/metadata/...`).

This is the one metadata layer: the engine only declares (a step's or trigger's
`key`, `label`, `description`, `group`, typed params and outputs; a type's
`input_spec()`), and everything shown to a builder or an API client is built
here from those declarations. Nothing here knows a particular trigger, step or
type: params carry typed `ValueType`s whose `input_spec()` says which input to
show, `Param.extra["widget"]` may ask for a richer widget (`cron`, `inputs`,
`record_fields`, ...), and operators are read from each type
(`available_operators` for the ones a path really offers). The scope of a
definition is worked out by the engine (`engine.definition.trigger_scope`,
`StepScopeChain`, `draft_step_outputs`), the same code that validates it, so
the builder and save-time validation cannot drift. A step, trigger or type
registered by a project appears here without any edit.

- Catalogues: `triggers_catalogue()` / `steps_catalogue()` (grouped, for the
  builder's pickers), `trigger_list()` / `step_list()` / `type_list()` (flat, for
  the API), `models_metadata()`, `input_types()`, and `catalogue()`
  which bundles them with `METADATA_VERSION`.
- Scope: `scope_metadata(definition)` answers, for a possibly unfinished
  definition, which references exist (the trigger's scope walked into labelled,
  typed paths, then `steps.<key>.<output>` of earlier steps), the operators each
  offers with the input of their value, and which paths fit each target type.
  It never raises on bad input: what cannot be worked out is left out (saving
  reports it).
- Options: `options_for(value_type, search, offset, limit)` lists the values of
  an enumerable type (choices, records, users) with search and paging.

Bump `METADATA_VERSION` when a key changes meaning or disappears; adding keys is
compatible.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from engine import (
    DefinitionError,
    Param,
    ScopeField,
    ScopeSchema,
    StepType,
    TriggerType,
    step_registry,
    trigger_registry,
    type_registry,
)
from engine.conditions import available_operators
from engine.definition import STEPS_ROOT, StepScopeChain, draft_step_outputs, step_scopes
from engine.definition import trigger_scope as engine_trigger_scope
from engine.errors import EngineError, ValueParseError
from engine.operators.base import Operator
from engine.scope import PathError
from engine.steps import Output
from engine.types import JSON, ArrayType, ObjectType, Record, ValueType, parse_type_spec
from engine.types.structure import StructType
from workflows_app.lazy_options import fill_lazy_options
from workflows_app.records import registrations
from workflows_app.triggers.lookup import trigger_label

#: The version of the shape of everything this module returns.
METADATA_VERSION = 1

#: Type names offered for manual-trigger inputs besides `Record[<model>]`.
INPUT_TYPE_EXCLUDED = {"Record"}

#: How deep the trigger's scope is listed in pickers (`record.order.customer.email`).
MAX_DEPTH = 4
#: How deep an earlier step's outputs are listed (`steps.confirm.record.status`).
STEP_OUTPUT_DEPTH = 3
SEPARATOR = " \u203a "


def json_safe(value: Any) -> Any:
    """`value` with Decimals, datetimes etc. turned into JSON data."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# -- types, params, steps, triggers --------------------------------------------


#: Set while the builder's page or endpoints are made (`workflows_app.forms.builder.
#: rendering_inputs`): renders the HTML of a type's input (`input.html`) from its
#: form field (with the param's `extra`, from which a widget reads its options).
input_renderer: ContextVar[Callable[[ValueType, dict[str, Any], dict[str, Any]], str | None]
                           | None] = ContextVar("input_renderer", default=None)


def _input_spec(value_type: ValueType, widget: str | None = None,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = value_type.input_spec()
    if widget is not None:
        spec["widget"] = widget
    render = input_renderer.get()
    if render is not None:
        html = render(value_type, spec, extra or {})
        if html is not None:
            spec["html"] = html
    return spec


def type_description(value_type: ValueType) -> dict[str, Any]:
    """A type as the builder needs it: its spec, its input and, for lists, the item."""
    data: dict[str, Any] = {
        "type": value_type.spec,
        "label": value_type.label,
        "input": _input_spec(value_type),
        "template": value_type.is_template,
        # A {"ref": ...} inside a JSON value (or a condition tree) is data, not a reference.
        "references": (not isinstance(value_type, JSON)
                       and getattr(value_type, "accepts_references", True)),
    }
    if isinstance(value_type, ArrayType):
        data["item"] = type_description(value_type.item_type)
        data["min_items"] = value_type.min_items
        data["max_items"] = value_type.max_items
    if isinstance(value_type, Record):
        data["model"] = value_type.model
    if isinstance(value_type, StructType):
        data["fields"] = [{"name": declared.name, "label": declared.display_label,
                           "required": declared.required, "help": declared.help,
                           "value_type": type_description(declared.type)}
                          for declared in value_type.fields]
    return data


def operator_metadata(name: str, operator: Operator, subject: ValueType) -> dict[str, Any]:
    """One operator of `subject`: how it reads and the type and input of its value."""
    value = operator.value_type(subject)
    return {
        "name": name,
        "label": operator.label or name,
        "description": operator.description,
        "needs_previous": operator.needs_previous,
        "value": None if value is None else type_description(value),
    }


def type_entry(value_type: ValueType) -> dict[str, Any]:
    """`type_description` plus every operator of the type (`changed*` last)."""
    operators = [operator_metadata(name, operator, value_type)
                 for name, operator in value_type.operators().items()]
    operators.sort(key=lambda item: item["needs_previous"])  # stable: changes last
    return {**type_description(value_type), "operators": operators}


def param_metadata(param: Param) -> dict[str, Any]:
    """A step param or trigger setting: its type and input, with the widget override
    of `extra` applied."""
    extra = {key: value for key, value in param.extra.items() if _is_plain(value)}
    data: dict[str, Any] = {
        "name": param.name,
        "label": param.display_label,
        "type": param.type.spec,
        "required": param.required,
        "array": param.is_array,
        "default": param.default_json(),
        "help": param.help,
        "secret": param.secret,
        "template": param.type.is_template,
        "input": param.type.input_spec(),
        "extra": extra,
        "value_type": type_description(param.type),
    }
    if isinstance(extra.get("widget"), str):
        data["input"] = {**data["input"], "widget": extra["widget"]}
        # The input of the widget asked for (`input.html`, when it is the server's).
        data["value_type"]["input"] = _input_spec(param.type, extra["widget"], extra)
    return data


def output_metadata(output: Output) -> dict[str, Any]:
    """A step output, referenced later as `steps.<key>.<name>`."""
    return {"name": output.name, "label": output.label or output.name,
            "type": output.type.spec, "help": output.help}


def _is_plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict)


def _grouped(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda item: (item["group"], item["label"])):
        groups.setdefault(item["group"], []).append(item)
    return [{"group": name, "items": members} for name, members in groups.items()]


def step_metadata(step_class: type[StepType]) -> dict[str, Any]:
    """One step type: what it is called, where the catalogue shows it, its params
    and outputs."""
    return {
        "key": step_class.key,
        "label": step_class.label or step_class.key,
        "description": step_class.description,
        "group": step_class.group,
        "params": [param_metadata(param) for param in step_class.params],
        "outputs": [output_metadata(output) for output in step_class.outputs],
    }


def trigger_metadata(trigger_class: type[TriggerType]) -> dict[str, Any]:
    """One trigger type: what it is called, where the picker shows it, its settings."""
    return {
        "key": trigger_class.key,
        "label": trigger_label(trigger_class.key),
        "description": trigger_class.description,
        "group": trigger_class.group,
        "config": [param_metadata(param) for param in trigger_class.config_params],
    }


def step_list() -> list[dict[str, Any]]:
    """Every registered step (by key), with label, description, params and outputs."""
    return [step_metadata(step_class) for step_class in step_registry.values()]


def trigger_list() -> list[dict[str, Any]]:
    """Every registered trigger (by key), with label, description and config."""
    return [trigger_metadata(trigger_class) for trigger_class in trigger_registry.values()]


def steps_catalogue() -> list[dict[str, Any]]:
    """Every registered step, grouped by `group`, with label, description and params."""
    return _grouped(step_list())


def triggers_catalogue() -> list[dict[str, Any]]:
    """Every registered trigger, grouped by `group`, with label, description and config."""
    return _grouped(trigger_list())


def catalogue_types() -> list[ValueType]:
    """One instance of every registered type: `Record[<model>]` for each registered
    model; types that need arguments to exist (a `Choice` without options) are
    described through the paths and params that use them."""
    found: list[ValueType] = []
    for name, type_class in type_registry.items():
        if name == "Record":
            found.extend(Record(label) for label in sorted(registrations()))
            continue
        try:
            found.append(type_class.from_spec({}))
        except (ValueParseError, TypeError, ValueError):
            continue
    return found


def type_list() -> list[dict[str, Any]]:
    """Every type with its input, its operators and each operator's value input."""
    return [{**type_entry(value_type), "name": value_type.name,
             "description": value_type.description,
             "enumerable": is_enumerable(value_type)}
            for value_type in catalogue_types()]


def models_metadata() -> dict[str, dict[str, Any]]:
    """Registered models and their fields (for the `record_fields` widget)."""
    result: dict[str, dict[str, Any]] = {}
    for label, registration in sorted(registrations().items()):
        result[label] = {
            "label": registration.verbose_name,
            "fields": [
                {"name": name, "label": field.display_label, "help": field.help,
                 "editable": bool(field.extra.get("editable", False)),
                 "value_type": type_description(field.type)}
                for name, field in registration.scope_fields.items()
            ],
        }
    return result


def input_types() -> list[dict[str, str]]:
    """Types a manual trigger may ask for: the registered names and `Record[<model>]`."""
    options = [{"value": name, "label": f"{type_class.label} ({name})"}
               for name, type_class in type_registry.items() if name not in INPUT_TYPE_EXCLUDED]
    for label, registration in sorted(registrations().items()):
        options.append({"value": f"Record[{label}]",
                        "label": f"{registration.verbose_name} record (Record[{label}])"})
    return options


def catalogue() -> dict[str, Any]:
    """Everything static a builder needs, versioned (`metadata_version`)."""
    return json_safe({
        "metadata_version": METADATA_VERSION,
        "triggers": trigger_list(),
        "steps": step_list(),
        "types": type_list(),
        "models": models_metadata(),
        "input_types": input_types(),
    })


def builder_metadata(*, urls: Mapping[str, str], readonly: bool, scope: Mapping[str, Any],
                     errors: list[dict[str, str]]) -> dict[str, Any]:
    """Everything the admin builder's JavaScript renders from, embedded in its page
    (made per request: pick lists of connections, users and groups are listed for
    the person building, see `workflows_app.lazy_options`)."""
    return json_safe({
        "metadata_version": METADATA_VERSION,
        "triggers": fill_lazy_options(json_safe(triggers_catalogue())),
        "steps": fill_lazy_options(json_safe(steps_catalogue())),
        "models": models_metadata(),
        "urls": dict(urls),
        "readonly": readonly,
        "scope": scope,
        "errors": errors,
    })


# -- scope -----------------------------------------------------------------------


def trigger_scope(raw: object) -> tuple[ScopeSchema, list[DefinitionError]]:
    """The scope of the trigger in `raw`, or an empty scope and why (nothing is said
    about a missing or unknown trigger: the builder asks to choose one)."""
    try:
        found = engine_trigger_scope(raw)
    except (EngineError, LookupError, ValueError, TypeError) as exc:
        return ScopeSchema(), [DefinitionError("trigger", str(exc))]
    if found.trigger_type is None:
        return ScopeSchema(), []
    return found.scope, found.errors


def step_output_fields(item: object, scope: ScopeSchema, index: int) -> list[ScopeField]:
    """The outputs of the step `item` at position `index` (params checked leniently;
    see `engine.definition.draft_step_outputs`)."""
    return draft_step_outputs(item, scope, index)


def collect_refs(node: Any) -> Iterator[str]:
    """Every `{"ref": PATH}` path in a definition."""
    if isinstance(node, Mapping):
        ref = node.get("ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from collect_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from collect_refs(item)


class _ScopeReport:
    def __init__(self) -> None:
        self.paths: dict[str, dict[str, Any]] = {}
        self.types: dict[str, ValueType] = {}

    def add(self, path: str, field: ScopeField, *, labels: list[str], group: str,
            step: int | None, schema: ScopeSchema) -> None:
        value_type = field.type
        selectable = not isinstance(value_type, ObjectType)
        entry: dict[str, Any] = {
            "path": path,
            "label": SEPARATOR.join(labels),
            "name": field.display_label,
            "help": field.help,
            "group": group,
            "type": value_type.spec,
            "type_label": value_type.label,
            "selectable": selectable,
            # Free-form JSON takes any sub-path; a shape learned from a sample lists its own.
            "json": isinstance(value_type, JSON) and value_type.open_paths,
            "step": step,
            "ops": [],
        }
        if isinstance(value_type, Record):
            entry["model"] = value_type.model
        if selectable:
            self.types.setdefault(value_type.spec, value_type)
            try:
                entry["ops"] = list(available_operators(schema, path))
            except PathError:
                entry["ops"] = []
        self.paths[path] = entry

    def walk(self, prefix: str, value_type: ValueType, labels: list[str], group: str,
             step: int | None, schema: ScopeSchema, depth: int, max_depth: int) -> None:
        for name, child in value_type.children().items():
            path = f"{prefix}.{name}" if prefix else name
            child_labels = [*labels, child.display_label]
            self.add(path, child, labels=child_labels, group=group, step=step, schema=schema)
            if depth + 1 < max_depth:
                self.walk(path, child.type, child_labels, group, step, schema, depth + 1,
                          max_depth)


def nested_scope_metadata(definition: object, at: str, *, max_depth: int = MAX_DEPTH,
                          inline: bool = False) -> dict[str, Any] | None:
    """Like `scope_metadata`, for the step at path `at` of `definition`, nested
    ones included (`steps[0].params.steps[1]`): the references that step may use,
    with `item.*` inside a `for_each` and the steps before it on every level.
    None when that place cannot be worked out yet (its flow step does not compile)."""
    scope = step_scopes(definition).get(at)
    if scope is None:
        return None
    return {"at": at, **_listing(scope, max_depth=max_depth, inline=inline)}


def _listing(scope: ScopeSchema, *, max_depth: int, inline: bool) -> dict[str, Any]:
    """Paths, types and compatible references of one step's scope."""
    report = _ScopeReport()
    for name, field in scope.fields().items():
        depth = STEP_OUTPUT_DEPTH + 1 if name == STEPS_ROOT else max_depth
        report.add(name, field, labels=[field.display_label], group=field.display_label,
                   step=None, schema=scope)
        report.walk(name, field.type, [field.display_label], field.display_label, None, scope,
                    1, depth)
    types = {spec: type_entry(value_type) for spec, value_type in report.types.items()}
    if inline:
        for entry in report.paths.values():
            described = types.get(entry["type"]) if entry["selectable"] else None
            offered = set(entry["ops"])
            entry["input"] = described["input"] if described else None
            entry["operators"] = ([operator for operator in described["operators"]
                                   if operator["name"] in offered] if described else [])
    return json_safe({"paths": list(report.paths.values()), "types": types,
                      "compatible": _compatible(report)})


def builder_scope_metadata(definition: object, *, max_depth: int = MAX_DEPTH
                           ) -> dict[str, Any]:
    """`scope_metadata` for the builder, plus under `nested` what each nested step
    (by its path, `steps[0].params.steps[1]`) may refer to beyond what the
    top-level step holding it may: `item.*` and `item_index` inside a `for_each`
    (typed as the list's items), the outputs of the steps before it in its own
    list and in the lists around it. Each is `{"paths": [...], "compatible":
    {type spec: [paths]}}`; their types are in the top-level `types`."""
    data = scope_metadata(definition, max_depth=max_depth)
    known = {entry["path"] for entry in data["paths"]}
    nested: dict[str, Any] = {}
    for at, scope in step_scopes(definition).items():
        if "." not in at:
            continue  # a top-level step: the top-level listing covers it
        listing = _listing(scope, max_depth=max_depth, inline=False)
        extra = [entry for entry in listing["paths"] if entry["path"] not in known]
        if not extra:
            continue
        paths = {entry["path"] for entry in extra}
        for spec, described in listing["types"].items():
            data["types"].setdefault(spec, described)
        nested[at] = {"paths": extra, "compatible": {
            spec: [path for path in found if path in paths]
            for spec, found in listing["compatible"].items()
            if any(path in paths for path in found)}}
    data["nested"] = nested
    return data


def scope_metadata(definition: object, *, max_depth: int = MAX_DEPTH,
                   inline: bool = False) -> dict[str, Any]:
    """Paths, types, operators and compatible references for `definition`.

    Each path lists the names of the operators it offers (`ops`, respecting
    `available_operators`); `types` describes each type once with all its
    operators. With `inline`, each selectable path also carries its `input` and
    its offered `operators` in full (with the input of each operator's value), so
    that a client needs nothing else to render a condition row.
    """
    data = definition if isinstance(definition, Mapping) else {}
    base, trigger_errors = trigger_scope(data.get("trigger"))
    report = _ScopeReport()
    for name, field in base.fields().items():
        report.add(name, field, labels=[field.display_label], group=field.display_label,
                   step=None, schema=base)
        report.walk(name, field.type, [field.display_label], field.display_label, None, base,
                    1, max_depth)

    steps_raw = data.get("steps")
    steps_raw = steps_raw if isinstance(steps_raw, list) else []
    chain = StepScopeChain(base)
    producers: dict[str, tuple[int, str]] = {}
    for index, item in enumerate(steps_raw):
        outputs = step_output_fields(item, chain.scope, index)
        key = item.get("key") if isinstance(item, Mapping) else None
        if not isinstance(key, str) or not key or key in producers:
            continue
        step_class = step_registry.find(item.get("type"))
        label = str(item.get("label") or (step_class.label if step_class else "") or key)
        group = f"Step {index + 1}: {label}"
        producers[key] = (index, group)
        chain.add(key, outputs, label=group)
    final = chain.scope
    for key, step_field in chain.steps().items():
        index, group = producers[key]
        report.walk(f"{STEPS_ROOT}.{key}", step_field.type, [], group, index, final, 1,
                    STEP_OUTPUT_DEPTH + 1)

    for ref in collect_refs(data):
        if ref not in report.paths:
            _add_known_path(report, final, ref, producers)

    types = {spec: type_entry(value_type) for spec, value_type in report.types.items()}
    if inline:
        for entry in report.paths.values():
            described = types.get(entry["type"]) if entry["selectable"] else None
            offered = set(entry["ops"])
            entry["input"] = described["input"] if described else None
            entry["operators"] = ([operator for operator in described["operators"]
                                   if operator["name"] in offered] if described else [])
    return {
        "paths": list(report.paths.values()),
        "types": types,
        "compatible": _compatible(report),
        "trigger_errors": [error.as_dict() for error in trigger_errors],
    }


def _add_known_path(report: _ScopeReport, schema: ScopeSchema, ref: str,
                    producers: Mapping[str, tuple[int, str]]) -> None:
    """A path used in the definition that is deeper than the listing goes."""
    try:
        field = schema.lookup(ref)
    except PathError:
        return
    segments = ref.split(".")
    labels: list[str] = []
    for depth in range(1, len(segments) + 1):
        try:
            labels.append(schema.lookup(".".join(segments[:depth])).display_label)
        except PathError:
            labels.append(segments[depth - 1])
    step = None
    group = labels[0]
    if segments[0] == STEPS_ROOT and len(segments) > 1 and segments[1] in producers:
        step, group = producers[segments[1]]
        labels = labels[2:]
    report.add(ref, field, labels=labels, group=group, step=step, schema=schema)


def _targets(report: _ScopeReport) -> dict[str, ValueType]:
    """Every type a reference may be asked to fit."""
    found: dict[str, ValueType] = {}

    def add(value_type: ValueType | None) -> None:
        if value_type is None or value_type.spec in found:
            return
        found[value_type.spec] = value_type
        if isinstance(value_type, ArrayType):
            add(value_type.item_type)

    for value_type in report.types.values():
        for operator in value_type.operators().values():
            add(operator.value_type(value_type))
    for step_class in step_registry.values():
        for param in step_class.params:
            add(param.type)
    for registration in registrations().values():
        for field in registration.scope_fields.values():
            add(field.type)
    return found


def _compatible(report: _ScopeReport) -> dict[str, list[str]]:
    """For each target type spec, the selectable paths whose type it accepts."""
    candidates = [(entry["path"], report.types[entry["type"]])
                  for entry in report.paths.values() if entry["selectable"]]
    result: dict[str, list[str]] = {}
    for spec, target in _targets(report).items():
        if isinstance(target, JSON):
            continue  # a {"ref": ...} in a JSON param is JSON data, not a reference
        result[spec] = [path for path, value_type in candidates if target.accepts(value_type)]
    return result


# -- options of enumerable types -------------------------------------------------


class NoOptions(ValueError):
    """The type has no values to choose from (a number, a text...)."""


@dataclass
class OptionsPage:
    """One page of options: `(value, label)` pairs and whether more follow."""

    items: list[tuple[Any, str]]
    has_more: bool


def option_type(value_type: ValueType) -> ValueType:
    """The type whose options a value of `value_type` is picked from (a list's item)."""
    while isinstance(value_type, ArrayType):
        value_type = value_type.item_type
    return value_type


def is_enumerable(value_type: ValueType) -> bool:
    """Whether `options_for` lists values of this type (choices, records, users)."""
    value_type = option_type(value_type)
    if isinstance(value_type, Record):
        return value_type.model in registrations()
    return value_type.options() is not None


def record_model(value_type: ValueType) -> str | None:
    """The model label whose records are the options of `value_type`, if any."""
    value_type = option_type(value_type)
    return value_type.model if isinstance(value_type, Record) else None


def options_for(value_type: ValueType, *, search: str = "", offset: int = 0,
                limit: int = 20) -> OptionsPage:
    """Options of `value_type` (or of its items), filtered by `search`, paged.

    Records and users are searched by the provider (text fields, or the id);
    choices by value or label, case-insensitively. Raises `NoOptions` for a type
    without options.
    """
    value_type = option_type(value_type)
    offset, limit = max(0, offset), max(1, limit)
    if isinstance(value_type, Record):
        if value_type.model not in registrations():
            raise NoOptions(f"{value_type.spec} is not a model registered for workflows")
        found = value_type.search_options(search, offset, limit + 1)
        return OptionsPage([(value_type.to_json(value), str(label))
                            for value, label in found[:limit]], len(found) > limit)
    options = value_type.options()
    if options is None:
        raise NoOptions(f"{value_type.spec} has no options to choose from")
    if search:
        needle = search.casefold()
        options = [(value, label) for value, label in options
                   if needle in str(label).casefold() or needle in str(value).casefold()]
    page = options[offset:offset + limit]
    return OptionsPage([(value_type.to_json(value), str(label)) for value, label in page],
                       offset + limit < len(options))


def parse_option_type(spec: str) -> ValueType:
    """A type from its spec (`Record[demo.order]`, `User`, `Email[]`) for `options_for`;
    raises `ValueParseError`."""
    return parse_type_spec(spec)
