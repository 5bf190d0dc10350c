"""`model.updated`: a registered record was changed."""

from engine import trigger_registry
from workflows_app.triggers.model.base import ModelTrigger


@trigger_registry.register
class ModelUpdated(ModelTrigger):
    """Fires after a change to an existing record is committed; `previous.*` holds
    the values before the save, for the `changed*` operators."""

    key = "model.updated"
    label = "A record is updated"
    description = ("Runs when an existing record of the chosen kind is saved; compare with "
                   "the values before the change.")
    action = "updated"
    with_previous = True
