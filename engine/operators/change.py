"""`changed changed_from changed_to`: compare a record field with its value before
the save. Only offered where the scope has `previous.*` (the `model.updated` trigger)."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.base import ValueType


class _ChangeTest(Operator):
    needs_previous = True
    handles_unset = True

    def differs(self, subject_type: ValueType, subject: Any, context: EvalContext) -> bool:
        if subject_type.is_empty(subject) and subject_type.is_empty(context.previous):
            return False  # unset before and after ("" and None alike): nothing changed
        return subject_type.comparable(subject) != subject_type.comparable(context.previous)


@ValueType.register_operator
class Changed(_ChangeTest):
    name = "changed"
    label = "changed"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return None

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return context.has_previous and self.differs(subject_type, subject, context)


@ValueType.register_operator
class ChangedFrom(_ChangeTest):
    name = "changed_from"
    label = "changed from"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return (context.has_previous and self.differs(subject_type, subject, context)
                and subject_type.comparable(context.previous) == subject_type.comparable(value))


@ValueType.register_operator
class ChangedTo(_ChangeTest):
    name = "changed_to"
    label = "changed to"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return (context.has_previous and self.differs(subject_type, subject, context)
                and subject_type.comparable(subject) == subject_type.comparable(value))
