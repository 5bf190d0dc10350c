"""`model.deleted`: a registered record was deleted."""

from engine import trigger_registry
from workflows_app.triggers.model.base import ModelTrigger


@trigger_registry.register
class ModelDeleted(ModelTrigger):
    """Fires after a delete is committed; `record.*` holds the values it had."""

    key = "model.deleted"
    label = "A record is deleted"
    description = "Runs when a record of the chosen kind is deleted."
    action = "deleted"
    live_record = False
