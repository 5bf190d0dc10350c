"""Events belong to their record's (or workflow's) tenant and start only that
tenant's workflows; a run changes only its tenant's records."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tenancy.conftest import World, escalate
from workflows_app.events import declare_event, emit, event_registry
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, RunStatus, StepRun, WorkflowEvaluation
from workflows_app.services import import_definition, save_definition
from workflows_app.tenancy.events import acting_for

pytestmark = pytest.mark.django_db


def test_each_ticket_starts_only_its_organisations_workflow(world: World) -> None:
    world.acme_ticket.refresh_from_db()
    world.bolt_ticket.refresh_from_db()
    assert world.acme_ticket.status == world.bolt_ticket.status == "escalated"
    acme_event = world.acme_run.event
    assert acme_event.tenant_id == str(world.acme.pk)
    assert world.bolt_run.event.tenant_id == str(world.bolt.pk)
    # The same name in two organisations: each event was considered by its own only.
    assert list(WorkflowEvaluation.objects.filter(event=acme_event)
                .values_list("workflow_id", flat=True)) == [world.acme_flow.pk]
    assert Run.objects.filter(workflow=world.bolt_flow).count() == 1


def test_names_are_unique_per_organisation(world: World) -> None:
    from engine import InvalidDefinition
    from tests.tenancy.conftest import escalation

    with pytest.raises(InvalidDefinition, match="already named"):
        save_definition(escalation(), tenant=world.acme)
    # Importing by name updates the workflow of the importing organisation only.
    changed = escalation()
    changed["description"] = "Bolt's own"
    result = import_definition(changed, tenant=world.bolt)
    assert result.workflow == world.bolt_flow and result.changed
    assert world.acme_flow.live_version.definition.get("description") is None


def test_a_run_cannot_change_another_organisations_record(world: World) -> None:
    """A workflow naming another organisation's ticket by id fails at that step."""
    hijack = {
        "schema_version": 1, "name": "Close a ticket",
        "trigger": {"type": "manual"},
        "steps": [{"key": "close", "type": "record.update",
                   "params": {"record": {"ref": "inputs.ticket"},
                              "fields": {"status": "closed", "priority": 1}}}],
    }
    hijack["trigger"]["inputs"] = [{"name": "ticket", "type": "Record[tenant_app.ticket]"}]
    workflow = save_definition(hijack, tenant=world.acme, activate=True).workflow
    from workflows_app.manual import ManualInputError, start_manual_run

    with pytest.raises(ManualInputError, match="No Ticket with id"):
        start_manual_run(workflow, {"ticket": world.bolt_ticket.pk}, world.alice)
    start_manual_run(workflow, {"ticket": world.acme_ticket.pk}, world.alice)
    drain()
    world.acme_ticket.refresh_from_db()
    assert world.acme_ticket.status == "closed"
    # Even when another organisation's ticket reaches the step some other way (the
    # second ticket of an event about an Acme ticket), the step refuses it.
    declare_event("ticket.merged", data={"ticket": "Record[tenant_app.ticket]",
                                         "duplicate": "Record[tenant_app.ticket]"})
    try:
        merge = {"schema_version": 1, "name": "Close merged duplicates",
                 "trigger": {"type": "event", "event": "ticket.merged"},
                 "steps": [{"key": "close", "type": "record.update",
                            "params": {"record": {"ref": "data.duplicate"},
                                       "fields": {"status": "closed", "priority": 1}}}]}
        merging = save_definition(merge, tenant=world.acme, activate=True).workflow
        emit("ticket.merged", ticket=world.acme_ticket, duplicate=world.bolt_ticket)
        drain()
    finally:
        event_registry.unregister("ticket.merged")
    run = Run.objects.get(workflow=merging)
    assert run.status == RunStatus.FAILED
    assert "no longer exists" in StepRun.objects.get(run=run).error
    world.bolt_ticket.refresh_from_db()
    assert world.bolt_ticket.status == "escalated"


def test_emitted_events_belong_to_their_records_or_the_acting_organisation(
        world: World) -> None:
    declare_event("ticket.reopened", data={"ticket": "Record[tenant_app.ticket]"})
    declare_event("billing.failed", data={"reason": "String"})
    try:
        flow = {"schema_version": 1, "name": "Reopened",
                "trigger": {"type": "event", "event": "ticket.reopened"}, "steps": []}
        acme_flow = save_definition(flow, tenant=world.acme, activate=True).workflow
        bolt_flow = save_definition(flow, tenant=world.bolt, activate=True).workflow
        event = emit("ticket.reopened", ticket=world.bolt_ticket)
        assert event.tenant_id == str(world.bolt.pk)
        with acting_for(world.acme):
            other = emit("billing.failed", reason="card expired")
        assert other.tenant_id == str(world.acme.pk)
        assert emit("billing.failed", reason="no tenant").tenant_id is None
        drain()
        assert not Run.objects.filter(workflow=acme_flow).exists()
        assert Run.objects.filter(workflow=bolt_flow).count() == 1
    finally:
        for name in ("ticket.reopened", "billing.failed"):
            event_registry.unregister(name)


def test_runs_of_a_tenant_cause_events_of_that_tenant(world: World) -> None:
    """The escalation's own save of the ticket is an event of the ticket's tenant."""
    caused = Event.objects.filter(caused_by_run=world.bolt_run).get()
    assert caused.tenant_id == str(world.bolt.pk)


def test_without_the_setting_nothing_is_scoped(settings: Any, world: World) -> None:
    settings.WORKFLOWS = {key: value for key, value in settings.WORKFLOWS.items()
                          if key != "TENANT"}
    escalate_again = world.acme_ticket
    escalate_again.priority = 1
    escalate_again.save()
    escalate(escalate_again)
    drain()
    event = Event.objects.order_by("-pk").filter(record_pk=str(escalate_again.pk)).first()
    assert event.tenant_id is None
    # Every workflow listening to ticket updates considered the event (tenancy off):
    # only workflows of no tenant exist for it... none here, so no evaluation at all
    # would mean scoping still applied: with the setting gone both are considered.
    assert set(WorkflowEvaluation.objects.filter(event=event)
               .values_list("workflow_id", flat=True)) == {world.acme_flow.pk,
                                                           world.bolt_flow.pk}


def test_a_workflow_can_start_only_its_organisations_workflows(world: World) -> None:
    manual = {"schema_version": 1, "name": "Bolt manual", "trigger": {"type": "manual"},
              "steps": []}
    save_definition(manual, tenant=world.bolt, activate=True)
    starter = {"schema_version": 1, "name": "Start another",
               "trigger": {"type": "manual"},
               "steps": [{"key": "start", "type": "workflow.run",
                          "params": {"workflow": "Bolt manual"}}]}
    from engine import InvalidDefinition

    with pytest.raises(InvalidDefinition, match="no workflow named"):
        save_definition(starter, tenant=world.acme)
    assert save_definition(starter, tenant=world.bolt).created
