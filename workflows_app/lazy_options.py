"""Options read from the database (connections, users, groups) for the builder page.

Types whose `input_spec()` says `lazy_options` (`Connection[...]`, `UserName`,
`GroupName`, `Assignee`) keep their options out of the static catalogue: the
rows they list change while the process runs, and they depend on who asks (with
tenancy on, the connections and people of the builder's tenants). The builder
page is made per request, so it lists them there: `fill_lazy_options` puts each
such type's current options into every input of the page's catalogues that
shows it, and the builder's pick lists offer them like any closed set of options.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from engine import Param, step_registry, trigger_registry
from engine.types import ArrayType, ValueType
from engine.types.structure import StructType

#: At most this many options of one type go into the page.
MAX_OPTIONS = 500


def _walk(value_type: ValueType) -> Iterator[ValueType]:
    """`value_type` and the types inside it (a list's item, a structure's fields)."""
    yield value_type
    if isinstance(value_type, ArrayType):
        yield from _walk(value_type.item_type)
    if isinstance(value_type, StructType):
        for declared in value_type.fields:
            yield from _walk(declared.type)


def _declared_params() -> Iterable[Param]:
    for step_class in step_registry.values():
        yield from step_class.params
    for trigger_class in trigger_registry.values():
        yield from trigger_class.config_params


def lazy_types() -> dict[str, ValueType]:
    """Every registered step's and trigger's type with lazy options, by spec."""
    found: dict[str, ValueType] = {}
    for param in _declared_params():
        for value_type in _walk(param.type):
            if value_type.input_spec().get("lazy_options"):
                found.setdefault(value_type.spec, value_type)
    return found


def fill_lazy_options(catalogue: Any) -> Any:
    """Put the current options into every lazy input of `catalogue` (JSON data made
    by `workflows_app.metadata`: nodes with a `type` spec and an `input`), in place;
    returns it."""
    types = lazy_types()
    listed: dict[str, list[dict[str, Any]]] = {}

    def options_of(spec: str) -> list[dict[str, Any]]:
        if spec not in listed:
            value_type = types[spec]
            listed[spec] = [{"value": value_type.to_json(value), "label": str(label)}
                            for value, label in (value_type.options() or [])[:MAX_OPTIONS]]
        return listed[spec]

    def fill(node: Any) -> None:
        if isinstance(node, dict):
            given = node.get("input")
            if (isinstance(given, dict) and given.get("lazy_options")
                    and node.get("type") in types):
                given["options"] = options_of(node["type"])
            for value in node.values():
                fill(value)
        elif isinstance(node, list):
            for value in node:
                fill(value)

    fill(catalogue)
    return catalogue
