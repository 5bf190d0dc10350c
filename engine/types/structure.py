"""Structure: a JSON object with declared, typed fields (a `branch` path is
`{"label": String, "when": Condition, "steps": StepList}`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw


@dataclass(frozen=True)
class StructField:
    """One declared field of a `StructType`: its name, type, label and whether it
    must be given."""

    name: str
    type: ValueType
    label: str = ""
    required: bool = True
    help: str = ""

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class StructType(ValueType):
    """An object whose keys are declared fields, each with its own type; written
    as the structure's name (`Path`), and `Path[]` for a list of them.

    Forms render one input per field, by the field's type (so a field may itself
    be a `StepList`, and a list of structures is a repeating group). Parsing
    checks keys and required fields and parses each field by its type; an error
    names the field (`when: ...`). Values that hold references or templates (a
    condition, nested steps) are checked in place by the step that declares them.
    """

    name = "Structure"
    label = "Group of fields"
    widget = "struct"
    literal_objects = True
    accepts_references = False

    def __init__(self, fields: Iterable[StructField], *, type_name: str = "Structure",
                 label: str = "") -> None:
        self.fields: tuple[StructField, ...] = tuple(fields)
        self._type_name = type_name
        self._label = label or type_name

    @property
    def spec(self) -> str:
        return self._type_name

    def field(self, name: str) -> StructField | None:
        for declared in self.fields:
            if declared.name == name:
                return declared
        return None

    def parse(self, raw: object) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise ValueParseError(f"{describe_raw(raw)} is not an object with "
                                  f"{', '.join(f.name for f in self.fields)}")
        unknown = sorted(str(key) for key in raw if self.field(str(key)) is None)
        if unknown:
            raise ValueParseError(f'unknown key "{unknown[0]}" (expected: '
                                  f'{", ".join(f.name for f in self.fields)})')
        parsed: dict[str, Any] = {}
        for declared in self.fields:
            value = raw.get(declared.name)
            if value is None or value == "":
                if declared.required:
                    raise ValueParseError(f'{declared.name}: missing ({declared.type.spec})')
                continue
            try:
                parsed[declared.name] = declared.type.parse(value)
            except ValueParseError as exc:
                raise ValueParseError(f"{declared.name}: {exc.reason}") from None
        return parsed

    def input_spec(self) -> dict[str, Any]:
        spec = super().input_spec()
        spec["fields"] = [
            {"name": declared.name, "label": declared.display_label,
             "required": declared.required, "help": declared.help,
             "type": declared.type.spec, "input": declared.type.input_spec()}
            for declared in self.fields
        ]
        return spec
