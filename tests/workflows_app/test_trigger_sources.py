"""Every built-in trigger's sources record exactly what its scope declares: each
payload key is a root of the trigger's scope (so no value is recorded that a
workflow cannot read, and no root is filled by a key spelled differently), and
every event reaches the workflows listening to it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config.demo.models import Payment
from engine import trigger_registry
from tests.workflows_app.support import create_workflow, http_step, order
from workflows_app.execution.queue import drain
from workflows_app.manual import start_manual_run
from workflows_app.models import Event, Workflow
from workflows_app.services import save_definition
from workflows_app.triggers.candidates import candidate_workflows
from workflows_app.triggers.lookup import get_trigger
from workflows_app.triggers.model_date.trigger import ModelDate
from workflows_app.triggers.schedule.trigger import Schedule

pytestmark = pytest.mark.django_db

#: Payload keys every trigger may use besides its scope roots: `event` adds to
#: `event.*`, `<root>_label` is a record snapshot's text.
GENERIC = {"event"}


def listening(trigger: dict, name: str, steps: list | None = None) -> Workflow:
    return save_definition({"schema_version": 1, "name": name, "trigger": trigger,
                            "steps": steps or []}, activate=True).workflow


def test_every_built_in_source_records_what_the_scope_declares(receiver,
                                                               allow_local_http) -> None:
    now = timezone.now()
    listening({"type": "model.created", "model": "demo.order"}, "Created")
    listening({"type": "model.updated", "model": "demo.order"}, "Updated")
    listening({"type": "model.deleted", "model": "demo.order"}, "Deleted")
    listening({"type": "event", "event": "payment.received"}, "Paid")
    manual = listening({"type": "manual", "inputs": [{"name": "note", "type": "Text"}]},
                       "By hand")
    hook = listening({"type": "webhook"}, "Hook")
    listening({"type": "schedule", "cron": "* * * * *"}, "Every minute")
    dated = listening({"type": "model.date", "model": "demo.order", "field": "created_at",
                       "offset": "1 hour"}, "An hour later")
    Workflow.objects.filter(pk=dated.pk).update(updated_at=now - timedelta(hours=2))
    receiver.respond("/fail", status=500)
    create_workflow("Fails", [http_step("fail", receiver.url("/fail"))])
    listening({"type": "run.failed"}, "On failure")

    record = order()
    record.status = "submitted"
    record.save()
    type(record).objects.filter(pk=record.pk).update(created_at=now - timedelta(minutes=90))
    Payment.objects.create(order=record, amount=record.total_amount)
    start_manual_run(manual, {"note": "hello"}, None)
    response = Client().post(f"/workflows/hooks/{hook.webhook_token}/",
                             data=json.dumps({"id": 1}), content_type="application/json",
                             HTTP_X_REQUEST_ID="r-1")
    assert response.status_code == 202
    Schedule().periodic(now + timedelta(minutes=2))
    ModelDate().periodic(now)
    drain()  # the failing run, and so the run.failed event
    other = order()
    other.delete()

    seen = set()
    for event in Event.objects.order_by("pk"):
        [workflow, *_] = candidate_workflows(event, active_only=False) or [None]
        if workflow is None:  # e.g. the customer created with the first order
            continue
        trigger = get_trigger(event.trigger_type)
        roots = set(trigger.scope(workflow.trigger_config).fields())
        keys = {key for key in event.payload if key not in GENERIC
                and not (key.endswith("_label") and key[:-6] in roots)}
        assert keys <= roots, (event.trigger_type, keys - roots)
        seen.add(event.trigger_type)
    assert seen == set(trigger_registry.keys())
