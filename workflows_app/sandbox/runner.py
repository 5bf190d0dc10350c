"""Running an unsaved draft once, for one event, without leaving a trace.

The draft's steps run in this thread, in the order and with the rules of a real
run (`when`, `on_error`, a `filter` ending the run), inside a transaction that is
rolled back at the end: records they change are changed and read back (the
changes are listed from the events they record) and then restored. E-mail and
HTTP are captured (`capture`), so the report shows each message and request as it
would have been sent. A step that would wait (`delay`, or any step asking to wait)
does not wait: the report says until when it would have, and the run goes on.
Retries are not attempted: a failing step is reported as it would fail the first
time, with the retries it would get.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine import ValidatedDefinition, step_registry
from engine.definition import CompiledStep
from engine.types import ObjectType
from workflows_app.execution.context import StepContext
from workflows_app.execution.flow import (
    BranchRuns,
    NestedSteps,
    StepFlow,
    StopRun,
    WaitUntil,
)
from workflows_app.execution.redaction import redact_inputs, redact_text
from workflows_app.execution.run_state import error_text
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.values import event_values, hydrate
from workflows_app.models import Event
from workflows_app.plain import SEPARATOR
from workflows_app.records import get_registration
from workflows_app.sandbox.capture import Capture, CapturedEmail, CapturedRequest, capturing

#: The run id a test run's steps see (`context.run_id`; idempotency keys read `0:<step>`).
TEST_RUN_ID = 0


class _RolledBack(Exception):
    """Raised at the end of a test run to roll its transaction back."""


@dataclass
class StepReport:
    """What one step of the draft did (or would have done)."""

    index: int
    key: str
    label: str
    type_key: str
    #: succeeded | failed | skipped | wait_skipped | not_run
    status: str
    inputs: Any = None
    outputs: Any = None
    error: str = ""
    note: str = ""
    emails: list[CapturedEmail] = field(default_factory=list)
    requests: list[CapturedRequest] = field(default_factory=list)
    duration_ms: int = 0

    @property
    def position(self) -> int:
        return self.index + 1

    @property
    def given(self) -> list[tuple[str, str]]:
        """What the step was given, by param label ("Title", "Call the customer
        about A-1000"), secrets hidden: how the report says what a step without a
        message or a call (a task, an approval) would do."""
        if not isinstance(self.inputs, dict):
            return []
        step_class = step_registry.find(self.type_key)
        labels = {param.name: param.display_label for param in step_class.params} \
            if step_class is not None else {}
        shown = []
        for name, value in self.inputs.items():
            if value in (None, "", [], {}) or name not in labels:
                continue
            shown.append((labels[name], _plain(value)))
        return shown


@dataclass
class RecordChange:
    """A record the draft created, changed or deleted (rolled back afterwards)."""

    summary: str
    record_model: str
    record_pk: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class DraftRunReport:
    """The outcome of a test run: how the run would end, and every step's part."""

    source: str
    #: succeeded | failed — what the run's status would be.
    status: str
    error: str = ""
    steps: list[StepReport] = field(default_factory=list)
    emails: list[CapturedEmail] = field(default_factory=list)
    requests: list[CapturedRequest] = field(default_factory=list)
    record_changes: list[RecordChange] = field(default_factory=list)
    waits_skipped: list[str] = field(default_factory=list)
    conditions_matched: bool = True
    conditions_note: str = ""

    @property
    def succeeded_with_errors(self) -> bool:
        return self.status == "succeeded" and any(step.status == "failed"
                                                  for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "status": self.status, "error": self.error,
            "succeeded_with_errors": self.succeeded_with_errors,
            "conditions_matched": self.conditions_matched,
            "conditions_note": self.conditions_note,
            "steps": [{"key": step.key, "label": step.label, "type": step.type_key,
                       "status": step.status, "inputs": step.inputs,
                       "outputs": step.outputs, "error": step.error, "note": step.note}
                      for step in self.steps],
            "emails": [email.as_dict() for email in self.emails],
            "requests": [request.as_dict() for request in self.requests],
            "record_changes": [{"summary": change.summary, "model": change.record_model,
                                "pk": change.record_pk,
                                "changes": [list(item) for item in change.changes]}
                               for change in self.record_changes],
            "waits_skipped": self.waits_skipped,
        }


def step_label(step: CompiledStep) -> str:
    """The step as people read it: its label, or "Step 2, Send an e-mail"."""
    if step.label:
        return step.label
    return f"Step {step.index + 1}, {step.step_type.label or step.type_key}"


def run_draft(definition: ValidatedDefinition, event: Event, *, source: str,
              workflow_id: int | None = None, now: datetime | None = None) -> DraftRunReport:
    """Run `definition`'s steps once for `event` (a stored event, or one built in
    memory for a chosen record) and roll everything back. The trigger conditions
    are evaluated and reported, but the steps run either way (the point is to see
    what they would do)."""
    now = now or timezone.now()
    values = event_values(event, definition.scope)
    explained = definition.condition.explain(values, now=now)
    report = DraftRunReport(source=source, status="succeeded",
                           conditions_matched=explained.matched)
    if not explained.matched:
        failure = explained.first_failure()
        report.conditions_note = (failure.message if failure and failure.message
                                  else "the conditions did not hold")
    values["steps"] = {}
    capture = Capture()
    try:
        with capturing(capture), transaction.atomic():
            first_new_event = _next_event_id()
            _run_steps(definition, values, report, capture, workflow_id or 0, now)
            report.record_changes = _record_changes(first_new_event)
            raise _RolledBack
    except _RolledBack:
        pass
    report.emails = list(capture.emails)
    report.requests = list(capture.requests)
    return report


def _next_event_id() -> int:
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _run_steps(definition: ValidatedDefinition, values: dict[str, Any],
               report: DraftRunReport, capture: Capture, workflow_id: int,
               now: datetime) -> None:
    run = _DraftSteps(values, report, capture, workflow_id, now)
    failure = run.steps(definition.steps, "", "")
    if failure:
        report.status, report.error = "failed", failure


class _DraftSteps:
    """Runs a list of steps of the draft, and the nested steps of flow steps in
    place: each path taken, each item, each `parallel` branch (one after the
    other), reported under its checkpoint key (`each[2].mail`) and labelled with
    its round ("Item 3, then the step's own label")."""

    def __init__(self, values: dict[str, Any], report: DraftRunReport, capture: Capture,
                 workflow_id: int, now: datetime) -> None:
        self.values = values
        self.report = report
        self.capture = capture
        self.workflow_id = workflow_id
        self.now = now

    def steps(self, steps: list[CompiledStep], prefix: str, round_label: str) -> str:
        """Run `steps`; returns why the list failed ("" when it did not). A step
        that ends the run quietly (`filter`) ends only this list."""
        stopped = failed = ""
        for step in steps:
            label = (f"{round_label}{SEPARATOR}{step_label(step)}" if round_label
                     else step_label(step))
            item = StepReport(index=step.index, key=prefix + step.key, label=label,
                              type_key=step.type_key, status="not_run")
            self.report.steps.append(item)
            if stopped:
                item.note = stopped
                continue
            failure, stop = self.step(step, item)
            if failure and step.on_error != "continue":
                failed = failure
                stopped = "not run: the run would have stopped at the failed step"
            elif stop and not failure:
                stopped = f"not run: {stop}"
        return failed

    def step(self, step: CompiledStep, item: StepReport) -> tuple[str, str]:
        """Run one step: (why it failed the list, why it stopped the list)."""
        values, now = self.values, self.now
        if step.when is not None:
            result = step.when.explain(values, now=now)
            if not result.matched:
                failure = result.first_failure()
                item.status = "skipped"
                item.note = (f"skipped: {failure.message}" if failure and failure.message
                             else "skipped: its “run only if” did not hold")
                _remember(values, step, {})
                return "", ""
        try:
            inputs = step.resolve_inputs(values)
        except Exception as exc:
            _failed(item, step, f"could not resolve the inputs: {error_text(exc)}", [])
            return f"{item.label} failed: {item.error}", ""
        shown, secrets = redact_inputs(step.step_type, inputs)
        item.inputs = json_value(shown)
        if step.children:
            return self.flow_step(step, item, inputs), ""
        context = StepContext(run_id=TEST_RUN_ID, workflow_id=self.workflow_id,
                              step_key=item.key, attempt=1, now=now, values=values,
                              schema=step.schema, deadline=None)
        emails_before, requests_before = len(self.capture.emails), len(self.capture.requests)
        started = time.monotonic()
        failed = stop = ""
        try:
            with transaction.atomic():  # a failing database step undoes only itself
                outputs = step.step_type.run(inputs, context)
        except WaitUntil as wait:
            item.status = "wait_skipped"
            item.note = (f"would wait until {timezone.localtime(wait.due):%Y-%m-%d %H:%M %Z}; "
                         "the test run goes on at once")
            self.report.waits_skipped.append(f"{item.label}: {item.note}")
            _remember(values, step, {"resumed_at": wait.due.isoformat()})
        except StopRun as halt:
            item.status = "succeeded"
            item.outputs = json_value(halt.outputs)
            item.note = halt.reason
            _remember(values, step, halt.outputs)
            stop = halt.reason
        except StepFlow as flow:
            item.status = "wait_skipped"
            item.note = f"would pause the run ({flow}); the test run goes on at once"
            self.report.waits_skipped.append(f"{item.label}: {item.note}")
            _remember(values, step, {})
        except Exception as exc:
            _failed(item, step, redact_text(error_text(exc), secrets), secrets)
            failed = f"{item.label} failed: {item.error}"
            _remember(values, step, {})
        else:
            item.status = "succeeded"
            item.outputs = json_value(outputs or {})
            item.note = "; ".join(context.notes)
            _remember(values, step, outputs or {})
        item.duration_ms = int((time.monotonic() - started) * 1000)
        item.emails = self.capture.emails[emails_before:]
        item.requests = self.capture.requests[requests_before:]
        return failed, stop

    def flow_step(self, step: CompiledStep, item: StepReport, inputs: dict[str, Any]) -> str:
        """A step with nested steps: run its rounds in place; why it failed, or ""."""
        step_type = step.step_type
        started = time.monotonic()
        outputs: dict[str, Any] = {}
        failure = ""
        if isinstance(step_type, NestedSteps):
            try:
                plan = step_type.plan(step, inputs, None, self.values, self.now)
            except Exception as exc:
                _failed(item, step, error_text(exc), [])
                return f"{item.label} failed: {item.error}"
            labels = {(history.place, history.key): history.label
                      for history in step_type.history_rounds(item.key, step.raw_params,
                                                              plan.memo)}
            for index in range(plan.count):
                round_ = plan.round(index)
                key = f"{item.key[:-len(step.key)]}{round_.key}"
                failure = self.round(step, round_.place, key,
                                     labels.get((round_.place, key), key), round_.values)
                if failure:
                    break
            outputs = dict(plan.outputs)
        elif isinstance(step_type, BranchRuns):
            failed_branches = []
            for index, history in enumerate(step_type.history_rounds(item.key, step.raw_params,
                                                                     None)):
                branch_failure = self.round(step, history.place, history.key, history.label, {})
                if branch_failure and step_type.lets_fail(step, index):
                    failed_branches.append(history.label)
                elif branch_failure:
                    failure = branch_failure
                    break
            outputs = {"failed": len(failed_branches),
                       "failed_branches": ", ".join(failed_branches)}
        item.duration_ms = int((time.monotonic() - started) * 1000)
        if failure:
            _failed(item, step, failure, [])
            _remember(self.values, step, {})
            return f"{item.label} failed: {failure}"
        item.status = "succeeded"
        item.outputs = json_value(outputs)
        _remember(self.values, step, outputs)
        return ""

    def round(self, step: CompiledStep, place: str, key: str, label: str,
              round_values: Any) -> str:
        """One round of a flow step's nested steps, with its scope values (`item`)."""
        shadowed = {name: self.values.get(name, _ABSENT) for name in round_values}
        self.values.update(round_values)
        try:
            return self.steps(step.children.get(place, []), f"{key}.", label)
        finally:
            for name, value in shadowed.items():
                if value is _ABSENT:
                    self.values.pop(name, None)
                else:
                    self.values[name] = value


_ABSENT = object()


def _failed(item: StepReport, step: CompiledStep, error: str, secrets: list[Any]) -> None:
    item.status = "failed"
    item.error = error
    notes = []
    if step.max_attempts > 1:
        notes.append(f"a real run would try it {step.max_attempts} times in all")
    notes.append("the run would go on (on error: continue)" if step.on_error == "continue"
                 else "the run would stop here")
    item.note = "; ".join(notes)


def _remember(values: dict[str, Any], step: CompiledStep, outputs: Any) -> None:
    values["steps"][step.key] = hydrate(ObjectType(step.output_fields),
                                        json_value(dict(outputs or {})))


def _automatic_fields(model_label: str) -> set[str]:
    """Fields that change on every save (`auto_now`): not worth listing as changes."""
    registration = get_registration(model_label)
    if registration is None:
        return set()
    return {field.name for field in registration.model._meta.concrete_fields
            if getattr(field, "auto_now", False)}


def _record_changes(first_new_event: int) -> list[RecordChange]:
    """The record changes made so far in the test run, read from the events they
    recorded (before the rollback takes them away)."""
    changes = []
    for event in Event.objects.filter(pk__gte=first_new_event, record_model__gt="") \
            .order_by("pk")[:100]:
        payload = event.payload or {}
        current, previous = payload.get("record") or {}, payload.get("previous") or {}
        fields = []
        if isinstance(current, dict) and isinstance(previous, dict) and previous:
            automatic = _automatic_fields(event.record_model)
            fields = [(name, previous.get(name), value) for name, value in current.items()
                      if previous.get(name) != value and name not in automatic]
        changes.append(RecordChange(summary=event.summary, record_model=event.record_model,
                                    record_pk=event.record_pk, changes=fields))
    return changes


#: A value longer than this is cut in the report's "given" lines.
GIVEN_MAX_CHARS = 200


def _plain(value: Any) -> str:
    """A resolved input as one short line: text as it is, lists joined."""
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, str | int | float | bool):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= GIVEN_MAX_CHARS else text[:GIVEN_MAX_CHARS - 1] + "\u2026"
