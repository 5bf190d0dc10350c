"""`approval`: a person approves or rejects before the run goes on."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.steps import StepCheck
from engine.types import ArrayType, Choice, Duration, String, Text, User
from engine.types.structure import StructField, StructType
from workflows_app.steps.types import not_runnable_yet

#: Who may decide: users and/or groups (by name).
ASSIGNEES = StructType((
    StructField("users", ArrayType(User()), "Users", required=False),
    StructField("groups", ArrayType(String()), "Groups", required=False,
                help="Names of groups whose members may decide."),
), type_name="Assignees", label="Who decides")


@step_registry.register
class Approval(StepType):
    """Parks the run until one of the assignees approves or rejects (in the admin,
    from a link in a notification, or through the API), with an optional comment,
    or until `timeout`. Outputs the decision and who made it, for a later `branch`."""

    key = "approval"
    label = "Ask for approval"
    description = "Wait for a person to approve or reject."
    group = "Flow"
    params = (
        Param("assignees", ASSIGNEES, "Who decides"),
        Param("title", Text(), "What to decide", help="e.g. Refund order {{ record.number }}?"),
        Param("timeout", Duration(), "Give up after", required=False),
    )
    outputs = (
        Output("decision", Choice(options=[("approved", "Approved"), ("rejected", "Rejected"),
                                           ("timed_out", "Timed out")]), "Decision"),
        Output("decided_by", User(), "Decided by"),
        Output("comment", String(), "Comment"),
    )

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("approval is not available yet")
