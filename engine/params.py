"""Param values: literals, `{"ref": PATH}` references and templates.

`compile_param_value` checks a raw value from a definition against the param's
type and the scope and returns a `ParamValue` that `resolve`s at run time.

- `{"ref": "record.customer.email"}`: a scope reference whose type must be
  accepted by the param's type;
- a string for a template type (`Text`): a template, its paths checked;
- a list for an array type: each item a literal, a reference or a template;
- JSON params: string leaves that contain `{{` are templates;
- anything else: a literal, parsed by the type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import DefinitionError, TemplateError, ValueParseError, join_path
from engine.limits import current_limits
from engine.scope import PathError, ScopeSchema, resolve_path
from engine.templates import Template
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.json import JSON
from engine.types.text import Text

PathHint = Callable[[str], str | None]


class ParamValue:
    """A checked param value that produces the typed value at run time."""

    #: The type of the value as written (for refs: the referenced field's type).
    value_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        raise NotImplementedError



@dataclass
class Literal(ParamValue):
    value: Any
    value_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        return self.value


@dataclass
class Reference(ParamValue):
    path: str
    value_type: ValueType
    target_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        raw = resolve_path(values, self.path)
        return self.target_type.parse_value(raw)



@dataclass
class TemplateValue(ParamValue):
    template: Template
    value_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        return self.template.render(values, schema)



@dataclass
class ListValue(ParamValue):
    items: list[ParamValue]
    value_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        resolved: list[Any] = []
        for item in self.items:
            value = item.resolve(values, schema)
            if isinstance(item, Reference) and isinstance(value, list):
                resolved.extend(value)
            else:
                resolved.append(value)
        return resolved



@dataclass
class JsonTemplate(ParamValue):
    """JSON whose string leaves may hold templates."""

    raw: Any
    templates: dict[str, Template]
    value_type: ValueType

    def resolve(self, values: Mapping[str, Any], schema: ScopeSchema | None = None) -> Any:
        def render(node: Any) -> Any:
            if isinstance(node, str) and node in self.templates:
                return self.templates[node].render(values, schema)
            if isinstance(node, list):
                return [render(item) for item in node]
            if isinstance(node, dict):
                return {key: render(value) for key, value in node.items()}
            return node

        return render(self.raw)



def compile_param_value(raw: object, param_type: ValueType, schema: ScopeSchema, path: str,
                        errors: list[DefinitionError], *,
                        path_hint: PathHint | None = None) -> ParamValue | None:
    """Check `raw` against `param_type` and the scope; append errors; None if invalid."""
    if (isinstance(raw, Mapping) and "ref" in raw and not isinstance(param_type, JSON)
            and param_type.accepts_references):
        return _compile_reference(raw, param_type, schema, path, errors, path_hint)
    if isinstance(param_type, ArrayType) and isinstance(raw, list):
        max_items = current_limits().list_max_items
        if len(raw) > max_items:
            errors.append(DefinitionError(path, f"a list of {len(raw):,} values; at most "
                                                f"{max_items:,} are allowed"))
            return None
        items: list[ParamValue] = []
        ok = True
        for index, item in enumerate(raw):
            item_path = join_path(path, index)
            if isinstance(item, Mapping) and "ref" in item:
                compiled = _compile_reference(item, param_type.item_type, schema, item_path,
                                              errors, path_hint, allow_array=True)
            else:
                compiled = compile_param_value(item, param_type.item_type, schema, item_path,
                                               errors, path_hint=path_hint)
            if compiled is None:
                ok = False
            else:
                items.append(compiled)
        if not ok:
            return None
        if len(items) < param_type.min_items:
            errors.append(DefinitionError(path, f"needs at least {param_type.min_items} item(s)"))
            return None
        return ListValue(items, param_type)
    if param_type.is_template and isinstance(raw, str):
        return _compile_template(raw, param_type, schema, path, errors, path_hint)
    if isinstance(param_type, JSON):
        return _compile_json(raw, param_type, schema, path, errors, path_hint)
    try:
        return Literal(param_type.parse(raw), param_type)
    except ValueParseError as exc:
        errors.append(DefinitionError(path, exc.reason))
        return None


def _compile_reference(raw: Mapping[str, Any], param_type: ValueType, schema: ScopeSchema,
                       path: str, errors: list[DefinitionError], path_hint: PathHint | None,
                       *, allow_array: bool = False) -> ParamValue | None:
    if set(raw) != {"ref"}:
        errors.append(DefinitionError(path, f'a reference is {{"ref": PATH}} only; found keys '
                                            f"{', '.join(sorted(map(str, raw)))}"))
        return None
    ref = raw["ref"]
    try:
        field = schema.lookup(ref)
    except PathError as exc:
        hint = path_hint(ref) if path_hint and isinstance(ref, str) else None
        errors.append(DefinitionError(path, hint or str(exc)))
        return None
    inside = schema.may_be_missing(ref)
    if inside is not None:
        errors.append(DefinitionError(path, f'{ref} may be missing: it comes from a step inside '
                                            f'"{inside}" that may not have run; use it in a '
                                            'text with a default ({{ ' + ref + ' | default:"..." '
                                            '}}) or check it with is_set in a branch'))
        return None
    if param_type.accepts(field.type):
        return Reference(ref, field.type, param_type)
    if allow_array and ArrayType(param_type).accepts(field.type):
        return Reference(ref, field.type, ArrayType(param_type))
    errors.append(DefinitionError(path, f"{ref} is {field.type.spec}, but {param_type.spec} is "
                                        "needed here"))
    return None


def _compile_template(raw: str, param_type: ValueType, schema: ScopeSchema, path: str,
                      errors: list[DefinitionError], path_hint: PathHint | None
                      ) -> ParamValue | None:
    try:
        param_type.parse(raw)
        template = Template.parse(raw)
    except (TemplateError, ValueParseError) as exc:
        errors.append(DefinitionError(path, str(exc)))
        return None
    problems = []
    for placeholder_path in template.paths:
        try:
            schema.lookup(placeholder_path)
        except PathError as exc:
            hint = path_hint(placeholder_path) if path_hint else None
            problems.append(f"{{{{ {placeholder_path} }}}}: {hint or exc}")
    for placeholder_path in template.unguarded_paths:
        inside = schema.may_be_missing(placeholder_path)
        if inside is not None:
            problems.append(f"{{{{ {placeholder_path} }}}}: may be missing (it comes from a step "
                            f'inside "{inside}" that may not have run); give a default: '
                            f'{{{{ {placeholder_path} | default:"..." }}}}')
    if problems:
        errors.extend(DefinitionError(path, problem) for problem in problems)
        return None
    return TemplateValue(template, param_type)


def _compile_json(raw: object, param_type: ValueType, schema: ScopeSchema, path: str,
                  errors: list[DefinitionError], path_hint: PathHint | None) -> ParamValue | None:
    try:
        param_type.parse(raw)
    except ValueParseError as exc:
        errors.append(DefinitionError(path, exc.reason))
        return None
    templates: dict[str, Template] = {}
    before = len(errors)

    def visit(node: Any, node_path: str) -> None:
        if isinstance(node, str) and ("{{" in node or "}}" in node):
            compiled = _compile_template(node, Text(), schema, node_path, errors, path_hint)
            if isinstance(compiled, TemplateValue):
                templates[node] = compiled.template
        elif isinstance(node, list):
            for index, item in enumerate(node):
                visit(item, join_path(node_path, index))
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(value, join_path(node_path, key))

    visit(raw, path)
    if len(errors) > before:
        return None
    if not templates:
        return Literal(raw, param_type)
    return JsonTemplate(raw, templates, param_type)
