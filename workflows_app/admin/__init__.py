"""Django admin for workflows: the changelist, the builder, versions, import/export.

One module per concern:

- `workflow`: `WorkflowAdmin` (changelist, actions, URLs, history);
- `builder`: the add/change page, generated from engine metadata
  (`workflows_app.metadata`, shared with the REST API);
- `endpoints`: JSON endpoints the builder calls while editing (scope, cron);
- `versions`: compare and restore versions, the read-only version admin;
- `diff`: readable differences between two definitions;
- `import_export`: download and upload definitions as JSON;
- `json_samples`: samples of registered models' JSON fields ("JSON field samples").
"""

# Run history (runs, events, "why didn't it run?"): runs.py, events.py, why.py.
from workflows_app.admin.approvals import ApprovalAdmin
from workflows_app.admin.events import EventAdmin
from workflows_app.admin.json_samples import JSONFieldSampleAdmin
from workflows_app.admin.runs import RunAdmin
from workflows_app.admin.workflow import WorkflowAdmin
from workflows_app.connections.admin import ConnectionAdmin
from workflows_app.work.admin import NotificationAdmin, TaskAdmin

__all__ = ["ApprovalAdmin", "ConnectionAdmin", "EventAdmin", "JSONFieldSampleAdmin",
           "NotificationAdmin", "RunAdmin", "TaskAdmin", "WorkflowAdmin"]
