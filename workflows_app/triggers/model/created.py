"""`model.created`: a registered record was created."""

from engine import trigger_registry
from workflows_app.triggers.model.base import ModelTrigger


@trigger_registry.register
class ModelCreated(ModelTrigger):
    """Fires once after a new record of the model is committed."""

    key = "model.created"
    label = "A record is created"
    description = "Runs when a new record of the chosen kind is saved."
    action = "created"
