"""Built-in triggers, one per module, registered in `engine.trigger_registry`.

Import side effects register them; `WorkflowsAppConfig.ready()` imports this
package and autodiscovers `workflow_triggers` modules of other installed apps.
"""

from workflows_app.triggers import (  # noqa: F401
    event,
    manual,
    model_created,
    model_deleted,
    model_updated,
    schedule,
    webhook,
)
