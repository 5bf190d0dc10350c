"""Every model change comes with its migration."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # pragma: no cover - the failure path
        pytest.fail(f"Missing migrations:\n{out.getvalue()}")


@pytest.mark.django_db(transaction=True)
def test_delays_saved_before_recheck_keep_their_behaviour() -> None:
    """Migration 0012 gives stored `delay` steps (nested ones too) `"recheck": false`,
    so workflows saved before it existed do not start stopping after their waits."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("workflows_app", "0011_connection_tenant")], [
        ("workflows_app", "0012_nested_step_keys_delay_recheck")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Workflow = old_apps.get_model("workflows_app", "Workflow")
    WorkflowVersion = old_apps.get_model("workflows_app", "WorkflowVersion")
    workflow = Workflow.objects.create(name="Old", trigger_type="manual")
    steps = [{"key": "wait", "type": "delay", "params": {"duration": "1 hour"}},
             {"key": "each", "type": "for_each", "params": {"items": [1], "steps": [
                 {"key": "inner", "type": "delay", "params": {"duration": "1 minute"}}]}},
             {"key": "kept", "type": "delay", "params": {"duration": "1 minute",
                                                         "recheck": True}}]
    version = WorkflowVersion.objects.create(
        workflow=workflow, number=1, checksum="x",
        definition={"schema_version": 1, "name": "Old", "trigger": {"type": "manual"},
                    "steps": steps})
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    stored = new_apps.get_model("workflows_app", "WorkflowVersion").objects.get(pk=version.pk)
    steps = stored.definition["steps"]
    assert steps[0]["params"]["recheck"] is False
    assert steps[1]["params"]["steps"][0]["params"]["recheck"] is False
    assert steps[2]["params"]["recheck"] is True
    assert stored.checksum != "x"
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_approvals_asked_before_0016_get_their_runs_tenant() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("workflows_app", "0015_branch_runs")]
    after = [("workflows_app", "0016_approval_tenant")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    workflow = old.get_model("workflows_app", "Workflow").objects.create(
        name="Old", trigger_type="manual", tenant_id="7")
    version = old.get_model("workflows_app", "WorkflowVersion").objects.create(
        workflow=workflow, number=1, checksum="x", definition={})
    event = old.get_model("workflows_app", "Event").objects.create(trigger_type="manual")
    run = old.get_model("workflows_app", "Run").objects.create(
        workflow=workflow, version=version, event=event)
    approval = old.get_model("workflows_app", "Approval").objects.create(
        run=run, step_key="ask", title="Refund?")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    assert new.get_model("workflows_app", "Approval").objects.get(
        pk=approval.pk).tenant_id == "7"
    call_command("migrate", verbosity=0)
