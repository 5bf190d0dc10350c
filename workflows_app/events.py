"""Named events that host code declares and emits (the `event` trigger).

Declare an event once, with typed data, e.g. in your `AppConfig.ready()`::

    from workflows_app.events import declare_event

    declare_event(
        "payment.received",
        label="A payment is received",
        data={"order": "Record[demo.order]", "amount": "Number", "method": "String"},
    )

then emit it where it happens (inside the same transaction as your change)::

    from workflows_app.events import emit

    emit("payment.received", order=payment.order, amount=payment.amount,
         method=payment.method)

The data is checked against the declaration when emitted, so a typo fails in
your code, not later in a worker (`InvalidEventData`, `UnknownEvent`). See
docs/events.md. (The implementation lives beside the trigger, in
`workflows_app.triggers.event`; this module is the stable place to import from.)
"""

from workflows_app.triggers.event.declared import (
    DeclaredEvent,
    declare_event,
    declared_event_choices,
    event_registry,
    get_declared_event,
)
from workflows_app.triggers.event.emit import (
    EmitError,
    InvalidEventData,
    UnknownEvent,
    emit,
    event_data,
)

__all__ = [
    "DeclaredEvent",
    "EmitError",
    "InvalidEventData",
    "UnknownEvent",
    "declare_event",
    "declared_event_choices",
    "emit",
    "event_data",
    "event_registry",
    "get_declared_event",
]
