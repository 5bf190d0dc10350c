"""Built-in steps, one per module, registered in `engine.step_registry`.

Import side effects register them; `WorkflowsAppConfig.ready()` imports this
package and autodiscovers `workflow_steps` modules of other installed apps, so a
project adds a step by writing one module.
"""

from workflows_app.steps import (  # noqa: F401
    approval,
    branch,
    chat_post,
    delay,
    email_send,
    filter,
    for_each,
    http_request,
    notify_user,
    pagerduty_trigger,
    parallel,
    record_create,
    record_update,
    sms_send,
    task_create,
    wait_for,
    whatsapp_send,
    workflow_run,
)
