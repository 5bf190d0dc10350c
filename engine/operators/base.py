"""The base class of operators: named, typed tests on a value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from engine.types.base import ValueType


@dataclass
class EvalContext:
    """What an operator may know besides its operands.

    `now` is the evaluation time (injected so tests and replays are exact);
    `previous` is the value of the same field before the change, for `changed*`.
    """

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    previous: Any = None
    has_previous: bool = False


class Operator:
    """A named, typed function of a value that returns true or false.

    Subclasses set `name` (a contract name such as "gte"), `label` (how it reads:
    "is at least"), and implement `test`. `value_type` says what the operator's
    parameter is for a given subject type (None: no parameter). Register an
    operator on a type with `SomeType.register_operator`; subtypes inherit it.

    Unset subjects (None or empty) make `test` unnecessary: `unset_result` is
    returned instead (False by default; True for the negative operators `ne`,
    `not_contains`, `not_one_of`, so that they stay the exact opposite of their
    positive twin).
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: The value before the change is needed (only fields whose scope keeps one,
    #: see `ScopeSchema.before_change`).
    needs_previous: ClassVar[bool] = False
    unset_result: ClassVar[bool] = False
    #: Whether an unset subject still reaches `test` (presence and change tests).
    handles_unset: ClassVar[bool] = False

    def value_type(self, subject: ValueType) -> ValueType | None:
        """The type of the parameter, or None for operators without one."""
        return subject

    def evaluate(self, subject_type: ValueType, subject: Any, value: Any,
                 context: EvalContext) -> bool:
        if not self.handles_unset and subject_type.is_empty(subject):
            return self.unset_result
        return bool(self.test(subject_type, subject, value, context))

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Operator {self.name}>"
