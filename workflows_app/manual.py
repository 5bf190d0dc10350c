"""Starting a `manual` workflow by hand ("Run now" in admin, or an API call).

    from workflows_app.manual import ManualInputError, start_manual_run

    try:
        event = start_manual_run(workflow, {"order": 12, "reason": "re-send"}, request.user)
    except ManualInputError as exc:
        exc.errors  # {"order": "No Order with id 12.", ...}

The inputs are checked against the workflow's declared inputs (required, type,
records that must exist); the event is recorded in the caller's transaction and
a worker starts the run after the commit, with `inputs.*` and `event.actor` set.
(The implementation lives beside the trigger, in `workflows_app.triggers.manual`;
this module is the stable place to import from.)
"""

from workflows_app.triggers.manual.start import (
    NON_FIELD_ERRORS,
    REQUIRED_MESSAGE,
    ManualInputError,
    clean_input,
    clean_manual_inputs,
    start_manual_run,
)

__all__ = [
    "NON_FIELD_ERRORS",
    "REQUIRED_MESSAGE",
    "ManualInputError",
    "clean_input",
    "clean_manual_inputs",
    "start_manual_run",
]
