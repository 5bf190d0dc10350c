"""`workflow.run`: start another workflow (one started by hand, with inputs), and
optionally wait for its result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.params import compile_param_value
from engine.steps import StepCheck, WaitContext, WaitOver
from engine.types import JSON, Bool, Number, String
from workflows_app.execution.flow import StepError, WaitUntil
from workflows_app.execution.signals import runs_finished
from workflows_app.models import Event, EventStatus, Run, Workflow, WorkflowEvaluation
from workflows_app.models.run import FINISHED_RUN_STATUSES
from workflows_app.tenancy.events import current_tenant
from workflows_app.tenancy.scoping import of_tenant
from workflows_app.triggers.manual.start import ManualInputError, start_manual_run
from workflows_app.triggers.manual.trigger import Manual, input_fields

#: A waiting run looks at its child again at least this often (it is also woken
#: as soon as the child finishes).
RECHECK_SECONDS = 30
DEDUPE_PREFIX = "workflow.run:"


def target_workflow(name: object) -> Workflow | None:
    """The workflow of that name; with tenancy on, in the tenant of the workflow being
    saved or of the run starting it (`tenancy.events.current_tenant`)."""
    if not isinstance(name, str):
        return None
    return of_tenant(Workflow.objects.filter(name=name), current_tenant()).first()


@step_registry.register
class RunWorkflow(StepType):
    """Starts the workflow named `workflow` (it must be started by hand: a `manual`
    trigger) with `inputs` checked against that trigger's declared inputs, as the
    run's own work: its causal chain goes on, so a cycle (A runs B runs A) or a
    chain deeper than `MAX_CHAIN_DEPTH` is stopped and recorded as "loop
    prevented". Started once per step (and per loop item), whatever happens to the
    worker. With `wait`, the run waits until the started run has finished and
    outputs its status; a started run that fails fails this step."""

    key = "workflow.run"
    label = "Run another workflow"
    description = "Start a workflow that is started by hand, optionally waiting for it."
    group = "Flow"
    params = (
        Param("workflow", String(), "Workflow", help="The name of a workflow started by hand."),
        Param("inputs", JSON(), "Inputs", required=False, extra={"widget": "workflow_inputs"},
              help="Values for its inputs, by input name."),
        Param("wait", Bool(), "Wait until it has finished", required=False, default=False),
    )
    outputs = (
        Output("event_id", Number(), "Start event"),
        Output("run_id", Number(), "Run", help="With wait: the run that was started."),
        Output("status", String(), "Status",
               help='"started", or with wait the run\'s final status.'),
    )
    transactional = True

    def check(self, step: StepCheck) -> list[DefinitionError]:
        params_path = join_path(step.path, "params")
        name = step.raw_params.get("workflow")
        target = target_workflow(name)
        if target is None:
            return [DefinitionError(join_path(params_path, "workflow"),
                                    f"there is no workflow named {name!r}")]
        if target.trigger_type != Manual.key:
            return [DefinitionError(join_path(params_path, "workflow"),
                                    f'"{target.name}" is not started by hand (its trigger is '
                                    f"{target.trigger_type}); only those can be run from "
                                    "another workflow")]
        errors: list[DefinitionError] = []
        raw = step.raw_params.get("inputs") or {}
        inputs_path = join_path(params_path, "inputs")
        if not isinstance(raw, Mapping):
            return [DefinitionError(inputs_path, "an object of input name to value")]
        declared = {field.name: (field, required, default)
                    for field, required, default in input_fields(target.trigger_config or {})}
        for name_ in sorted(str(key) for key in raw if key not in declared):
            errors.append(DefinitionError(join_path(inputs_path, name_),
                                          f'"{target.name}" has no input "{name_}" (its inputs: '
                                          f'{", ".join(declared) or "none"})'))
        for input_name, (field, required, default) in declared.items():
            value = raw.get(input_name)
            if value is None or value == "":
                if required and default is None:
                    errors.append(DefinitionError(join_path(inputs_path, input_name),
                                                  f'"{target.name}" needs the input '
                                                  f'"{input_name}" ({field.type.spec})'))
                continue
            compile_param_value(value, field.type, step.schema,
                                join_path(inputs_path, input_name), errors)
        return errors

    def resolve_inputs(self, step: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        target = target_workflow(step.raw_params.get("workflow"))
        if target is None:
            raise StepError(f"there is no workflow named {step.raw_params.get('workflow')!r} "
                            "any more")
        declared = {field.name: field for field, _, _ in
                    input_fields(target.trigger_config or {})}
        inputs: dict[str, Any] = {}
        for name, raw in (step.raw_params.get("inputs") or {}).items():
            field = declared.get(name)
            if field is None:
                raise StepError(f'"{target.name}" has no input "{name}" any more')
            errors: list[DefinitionError] = []
            compiled = compile_param_value(raw, field.type, step.schema, name, errors)
            if compiled is None:
                raise StepError("; ".join(str(error) for error in errors))
            value = compiled.resolve(values, step.schema)
            inputs[name] = getattr(value, "record_pk", value)
        wait = step.params.get("wait")
        return {"workflow": target.name, "inputs": inputs,
                "wait": bool(wait.resolve(values)) if wait is not None else False}

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        target = target_workflow(inputs["workflow"])
        if target is None:
            raise StepError(f"there is no workflow named {inputs['workflow']!r} any more")
        dedupe_key = f"{DEDUPE_PREFIX}{context.idempotency_key}"
        event = Event.objects.filter(dedupe_key=dedupe_key).first()
        if event is None:
            try:
                with transaction.atomic():
                    event = start_manual_run(target, inputs["inputs"], None,
                                             dedupe_key=dedupe_key)
            except ManualInputError as exc:
                raise StepError(f'"{target.name}" was not started: {exc}') from None
            except IntegrityError:  # started by an earlier attempt after all
                event = Event.objects.get(dedupe_key=dedupe_key)
        if inputs.get("wait"):
            raise WaitUntil(context.now + timedelta(seconds=RECHECK_SECONDS))
        return {"event_id": event.pk, "status": "started"}

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        event = Event.objects.filter(dedupe_key=f"{DEDUPE_PREFIX}{wait.run_id}:{wait.key}").first()
        if event is None:
            raise StepError("the start of the workflow was not recorded")
        child = Run.objects.filter(event=event).order_by("pk").first()
        if child is None:
            if event.status == EventStatus.PENDING:
                return WaitOver(wait_until=wait.now + timedelta(seconds=RECHECK_SECONDS))
            evaluation = WorkflowEvaluation.objects.filter(event=event).first()
            why = (f"{evaluation.get_outcome_display()}: {evaluation.message}"
                   if evaluation is not None else "it did not start")
            raise StepError(f"the workflow was not run: {why}")
        if child.status not in FINISHED_RUN_STATUSES:
            return WaitOver(wait_until=wait.now + timedelta(seconds=RECHECK_SECONDS))
        if child.status != "succeeded":
            raise StepError(f"run #{child.pk} of the workflow {child.status}"
                            + (f": {child.error}" if child.error else ""))
        return WaitOver(outputs={"event_id": event.pk, "run_id": child.pk,
                                 "status": child.status})


def wake_waiting_parents(sender: Any, runs: list[Run], **kwargs: Any) -> None:
    """When runs started by `workflow.run` finish, make the runs waiting for them
    due now (inside the transaction that finished them) and wake a worker."""
    # A run's chain ends with its own workflow; one started by a step of another
    # run has that run's chain before it. Branch runs of a parallel step are not
    # started by workflow.run.
    started = [run.event_id for run in runs if len(run.chain or ()) > 1 and not run.parent_id]
    if not started:
        return
    keys = Event.objects.filter(pk__in=started, dedupe_key__startswith=DEDUPE_PREFIX
                                ).values_list("dedupe_key", flat=True)
    from django.utils import timezone

    from workflows_app.execution.wakeups import wake_soon
    from workflows_app.models import RunStatus, StepRun, StepStatus

    now = timezone.now()
    woken = 0
    for dedupe_key in keys:
        run_id, _, step_key = dedupe_key[len(DEDUPE_PREFIX):].partition(":")
        if not run_id.isdigit():
            continue
        StepRun.objects.filter(run_id=int(run_id), key=step_key,
                               status=StepStatus.WAITING).update(due_at=now)
        woken += Run.objects.and_branches([int(run_id)]).filter(
            status=RunStatus.WAITING).update(due_at=now)
    if woken:
        transaction.on_commit(wake_soon)


runs_finished.connect(wake_waiting_parents, dispatch_uid="workflows_workflow_run_wake")
