"""A schedule slot fires once with two real `qcluster` processes racing for it.

The slot is frozen: the workflow's cron slot (New Year, 00:00 UTC) is already due and
stays the latest one for the whole test, so every worker of both clusters that starts
a task decides the same slot is due. Work tasks are queued before the clusters start,
so the four workers take them at once and each tries to record the slot. Only the
unique delivery id (`schedule:<workflow>:<slot>`) in the database stands between
them and a second event. PostgreSQL only: concurrent writers from several processes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_q.tasks import async_task

from tests.workflows_app.support import wait_until
from workflows_app.execution.queue import WORK_TASK
from workflows_app.models import Event, Run, RunStatus, Workflow
from workflows_app.services import save_definition
from workflows_app.triggers.schedule.firing import dedupe_key, latest_slot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="several processes writing at once: PostgreSQL only"),
]

CRON = "0 0 1 1 *"  # once a year: the latest slot does not move during the test
TASKS = 12


def test_two_clusters_fire_a_frozen_slot_once(workers) -> None:
    workflow = save_definition({
        "schema_version": 1, "name": "New Year report",
        "trigger": {"type": "schedule", "cron": CRON, "timezone": "UTC"},
        "steps": [{"key": "report", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Report",
            "body": "Due {{ event.scheduled_for }}"}}]}, activate=True).workflow
    slot = latest_slot(CRON, "UTC", timezone.now())
    assert slot == datetime(timezone.now().year, 1, 1, tzinfo=UTC)
    # Saved "before" the slot, so the slot counts as due (not skipped as older than
    # the activation).
    Workflow.objects.filter(pk=workflow.pk).update(updated_at=slot - timedelta(days=1))
    # Both clusters are up before the tasks arrive, so their pushers race for them
    # (an engine task with nothing to do ends at once: one cluster started first
    # could otherwise take them all before the other is up).
    clusters = workers.start(2, q_workers=2)
    for _ in range(TASKS):
        async_task(WORK_TASK, max_seconds=1.0)

    def settled() -> bool:
        processed = [len(re.findall(r"Processed '?" + re.escape(WORK_TASK), c.output()))
                     for c in clusters]
        return sum(processed) >= TASKS and Run.objects.filter(
            workflow=workflow, status=RunStatus.SUCCEEDED).exists()

    wait_until(settled, timeout=120, message="both clusters to take the queued tasks",
               details=workers.output)
    processed = {c.index: len(re.findall(r"Processed '?" + re.escape(WORK_TASK), c.output()))
                 for c in clusters}
    assert all(count > 0 for count in processed.values()), processed  # both raced
    events = list(Event.objects.filter(trigger_type="schedule", workflow=workflow))
    assert [event.dedupe_key for event in events] == [dedupe_key(workflow.pk, slot)]
    assert Run.objects.filter(workflow=workflow).count() == 1
