"""Models of the workflows app: definitions and their versions, events, runs, the
webhook delivery log and schedule state."""

from workflows_app.models.approval import Approval, ApprovalStatus
from workflows_app.models.connection import Connection
from workflows_app.models.event import Event, EventStatus, WorkflowEvaluation
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
