"""Models of the workflows app: definitions and their versions, events, runs."""

from workflows_app.models.event import Event, EventStatus, WorkflowEvaluation
from workflows_app.models.run import Run, RunAction, RunStatus, StepRun, StepStatus
from workflows_app.models.workflow import Workflow, WorkflowVersion

__all__ = [
    "Event",
    "EventStatus",
    "Run",
    "RunAction",
    "RunStatus",
    "StepRun",
    "StepStatus",
    "Workflow",
    "WorkflowEvaluation",
    "WorkflowVersion",
]
