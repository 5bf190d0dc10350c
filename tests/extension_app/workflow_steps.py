"""A step in one module: "Compose a greeting" (docs/writing-a-step.md)."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import Choice, String

GREETINGS = {"formal": "Good day, {name}.", "casual": "Hi {name}!"}


@step_registry.register
class ComposeGreeting(StepType):
    """Writes a greeting for a person; later steps use it as
    `{{ steps.<key>.text }}`."""

    key = "greeting.compose"
    label = "Compose a greeting"
    description = "Writes a greeting for someone, formal or casual."
    group = "Text"
    params = (
        Param("name", String(), "Name", help="Who to greet."),
        Param("style", Choice([("formal", "Formal"), ("casual", "Casual")]), "Style",
              required=False, default="casual"),
        Param("sign_off", String(), "Sign-off", required=False,
              help="Added on a new line, e.g. the shop's name."),
    )
    outputs = (Output("text", String(), "Greeting"),)
    # It only computes: nothing outside the database is touched, nothing to mark.
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        sign_off = step.raw_params.get("sign_off")
        if isinstance(sign_off, str) and len(sign_off) > 80:
            return [DefinitionError(join_path(join_path(step.path, "params"), "sign_off"),
                                    "a sign-off has at most 80 characters")]
        return []

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        text = GREETINGS[inputs.get("style") or "casual"].format(name=inputs["name"])
        if inputs.get("sign_off"):
            text += f"\n{inputs['sign_off']}"
        context.log(f"greeted {inputs['name']}")
        return {"text": text}
