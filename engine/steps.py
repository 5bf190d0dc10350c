"""Steps: registered actions with typed params and typed outputs.

A step is one class in one file, registered in `step_registry`::

    @step_registry.register
    class SendSms(StepType):
        key = "sms.send"
        label = "Send an SMS"
        group = "Messaging"
        params = (Param("to", Phone()), Param("body", Text()))
        outputs = (Output("message_id", String()),)

        def run(self, inputs, context):
            ...
            return {"message_id": "..."}

The builder, the API and validation read these declarations (the Django app's
`workflows_app.metadata` turns them into the builder's and the API's metadata);
nothing else needs editing to add a step.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from engine.errors import DefinitionError, ValueParseError
from engine.redaction import SECRET_VALUE, Redaction
from engine.registry import Registry
from engine.scope import ScopeField, ScopeSchema
from engine.types.base import ValueType

if TYPE_CHECKING:
    from engine.params import ParamValue


@dataclass(frozen=True)
class Param:
    """A typed input of a step or a trigger."""

    name: str
    type: ValueType
    label: str = ""
    required: bool = True
    default: Any = None
    help: str = ""
    #: The whole value is secret (a signing secret, an API key): hidden in the run
    #: history and from people who may not change the workflow.
    secret: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: How the value is hidden when only parts of it are secret (e.g.
    #: `HeaderValues()` for an object of HTTP headers); see `engine.redaction`.
    redaction: Redaction | None = None

    @property
    def hiding(self) -> Redaction | None:
        """The declared way this param's value is hidden, or None (shown as is)."""
        if self.redaction is not None:
            return self.redaction
        return SECRET_VALUE if self.secret else None

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def is_array(self) -> bool:
        from engine.types.array import ArrayType

        return isinstance(self.type, ArrayType)

    def default_json(self) -> Any:
        """The default as JSON; declared defaults may be raw (`10` for a Number)."""
        if self.default is None:
            return None
        try:
            return self.type.to_json(self.type.parse(self.default))
        except (ValueParseError, TypeError, ValueError, AttributeError):
            return self.default


@dataclass(frozen=True)
class Output:
    """A typed output of a step, referenced later as `steps.<key>.<name>`."""

    name: str
    type: ValueType
    label: str = ""
    help: str = ""

    def as_field(self) -> ScopeField:
        return ScopeField(self.name, self.type, label=self.label, help=self.help)


class StepRunContext(Protocol):
    """What a running step is told about its run (the executor provides it)."""

    run_id: Any
    step_key: str
    attempt: int

    @property
    def idempotency_key(self) -> str: ...


@dataclass
class WaitContext:
    """Passed to `StepType.after_wait`: the run, the step's checkpoint key, the
    scope values as they are now, the workflow's conditions and the time."""

    run_id: Any
    key: str
    values: Mapping[str, Any]
    conditions: Any
    now: Any
    #: When the step started waiting.
    since: Any = None


@dataclass
class WaitOver:
    """What `StepType.after_wait` decided: the step's `outputs` (None: the default
    `resumed_at`), a reason to `stop` the run quietly, or a time to `wait_until`
    (the wait is not over yet)."""

    outputs: dict[str, Any] | None = None
    stop: str = ""
    wait_until: Any = None


@dataclass
class StepCheck:
    """Passed to `StepType.check`: the compiled params and the scope at this step."""

    path: str
    schema: ScopeSchema
    params: Mapping[str, ParamValue]
    raw_params: Mapping[str, Any]


class StepType:
    """Base class of every step. Subclasses declare metadata and implement `run`.

    Extension points:
    - `check(step)`: extra save-time validation (e.g. fields that depend on the
      type of another param); return `DefinitionError`s.
    - `output_fields(step)`: outputs that depend on params (default: `outputs`).
    - `nested_scope(step, place)` and `nested_outputs_after` (per list:
      `nested_outputs_for(step, place)`): for flow steps whose params hold nested
      step lists (`StepList`): what the nested steps see, and what the steps
      after this one see of them.
    - `resolve_inputs(step, values)`: typed inputs from scope values.
    - `after_wait(step, wait)`: for steps that park the run, what to do when the
      wait is over (`delay` re-checks the conditions; `workflow.run` reads the
      result of the run it waits for).
    - `run(inputs, context)`: do the work with resolved, typed inputs and return
      a dict of JSON-compatible outputs; raise to fail. Implemented by `workflows_app`.
    - `transactional = True`: the executor runs the step and records its result in
      one database transaction (exactly once for steps that only write the database).
      It may run the transactional steps of several runs in one transaction; if
      one raises, all are rolled back and run again one by one, so `run` must
      have no effect outside the database.
    - `prefetch(batch)`: for transactional steps run together, load what they
      need at once (see the method).
    """

    key: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    group: ClassVar[str] = "General"
    params: ClassVar[tuple[Param, ...]] = ()
    outputs: ClassVar[tuple[Output, ...]] = ()
    transactional: ClassVar[bool] = False
    #: For steps with nested step lists (params of type `StepList`): what the steps
    #: after this one may refer to of the nested steps' outputs: "may_be_missing"
    #: (they may not have run, as in a `branch`: references must allow for it),
    #: "always" (they all ran, as in `parallel`) or "none" (not visible, as the
    #: per-item steps of a `for_each`).
    nested_outputs_after: ClassVar[str] = "may_be_missing"
    #: Record "running" before the step starts (one more write), so people see it in
    #: progress and a worker killed mid-step leaves a trace. Off for instant steps.
    marks_start: ClassVar[bool] = True

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return []

    def nested_scope(self, step: StepCheck, place: str) -> list[ScopeField]:
        """Extra references the nested steps at `place` (e.g. `steps`,
        `paths[0].steps`) see besides the scope at this step, e.g. `item` and
        `item_index` in a `for_each`."""
        return []

    def nested_outputs_for(self, step: StepCheck, place: str) -> str:
        """`nested_outputs_after` for the nested list at `place`, when it depends on
        the params (a `parallel` branch that may fail without stopping the step)."""
        return self.nested_outputs_after

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        """For steps that park their run (`delay`, `workflow.run` with `wait`):
        called when the wait is over. Return None to go on (outputs:
        `resumed_at`), or a `WaitOver` to give other outputs, end the run quietly
        (`stop`) or park it again (`wait_until`). Raise to fail the step."""
        return None

    def output_fields(self, step: StepCheck | None) -> list[ScopeField]:
        return [output.as_field() for output in self.outputs]

    def resolve_inputs(self, step: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        """Resolve the compiled params of `step` (a `CompiledStep`) against scope
        values; params left out get their declared default. Override when a param's
        type depends on another's (as `record.update` does for `fields`)."""
        inputs: dict[str, Any] = {}
        for param in self.params:
            compiled = step.params.get(param.name)
            if compiled is not None:
                inputs[param.name] = compiled.resolve(values, step.schema)
            elif param.default is not None:
                inputs[param.name] = param.default
        return inputs

    def run(self, inputs: dict[str, Any], context: StepRunContext) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} does not implement run()")

    def prefetch(self, batch: list[dict[str, Any]]) -> AbstractContextManager[None] | None:
        """Optional, for `transactional` steps: before running several steps of this
        type in one transaction, the executor calls this with their inputs (inside
        the transaction) and runs them inside the returned context manager, if any;
        e.g. to lock and load all their records in one query."""
        return None

    @classmethod
    def param(cls, name: str) -> Param | None:
        for param in cls.params:
            if param.name == name:
                return param
        return None


#: Every step class, by key ("email.send").
step_registry: Registry[type[StepType]] = Registry("step")
