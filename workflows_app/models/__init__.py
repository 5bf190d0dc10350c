"""Models of the workflows app: definitions and their versions, events, runs, the
webhook delivery log, schedule state and samples of JSON fields."""

from workflows_app.models.approval import Approval, ApprovalStatus
from workflows_app.models.connection import Connection
from workflows_app.models.event import Event, EventStatus, WorkflowEvaluation
from workflows_app.models.json_sample import JSONFieldSample
from workflows_app.models.notification import Notification
from workflows_app.models.prune import PruneLog
from workflows_app.models.run import Run, RunAction, RunStatus, StepRun, StepStatus
from workflows_app.models.schedule import ScheduleState
from workflows_app.models.task import Task, TaskStatus
from workflows_app.models.wakeup import PendingWakeUp
from workflows_app.models.webhook import WebhookDelivery
from workflows_app.models.workflow import Workflow, WorkflowVersion

__all__ = [
    "Approval",
    "ApprovalStatus",
    "Connection",
    "Event",
    "EventStatus",
    "JSONFieldSample",
    "Notification",
    "PendingWakeUp",
    "PruneLog",
    "Run",
    "RunAction",
    "RunStatus",
    "ScheduleState",
    "StepRun",
    "StepStatus",
    "Task",
    "TaskStatus",
    "WebhookDelivery",
    "Workflow",
    "WorkflowEvaluation",
    "WorkflowVersion",
]
