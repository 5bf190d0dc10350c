"""The built-in triggers, with their sources and admin parts: importing this module
registers them (`WorkflowsAppConfig.ready()` does, before it discovers the
`workflow_triggers` modules of other apps)."""

from workflows_app.triggers import run_failed  # noqa: F401
from workflows_app.triggers.event import trigger as event_trigger  # noqa: F401
from workflows_app.triggers.manual import admin as manual_admin  # noqa: F401
from workflows_app.triggers.manual import trigger as manual_trigger  # noqa: F401
from workflows_app.triggers.model import created, deleted, source, updated  # noqa: F401
from workflows_app.triggers.model_date import trigger as model_date_trigger  # noqa: F401
from workflows_app.triggers.schedule import admin as schedule_admin  # noqa: F401
from workflows_app.triggers.schedule import trigger as schedule_trigger  # noqa: F401
from workflows_app.triggers.webhook import admin as webhook_admin  # noqa: F401
from workflows_app.triggers.webhook import trigger as webhook_trigger  # noqa: F401
