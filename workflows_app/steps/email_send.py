"""`email.send`: send an e-mail through Django's e-mail backend."""

from __future__ import annotations

from engine import Output, Param, StepType, step_registry
from engine.types import Email, String, Text
from engine.types.array import ArrayType


@step_registry.register
class SendEmail(StepType):
    """Sends one e-mail with Django's configured backend (`EMAIL_BACKEND`).

    The message carries the step's idempotency key in an `X-Idempotency-Key`
    header and a Message-ID derived from it, so a receiving system can drop a
    duplicate if a worker dies between sending and checkpointing.
    """

    key = "email.send"
    label = "Send an e-mail"
    description = "Send an e-mail to one or more addresses."
    group = "Messaging"
    params = (
        Param("to", ArrayType(Email(), min_items=1), "To", help="One or more addresses."),
        Param("cc", ArrayType(Email()), "Cc", required=False),
        Param("subject", Text(), "Subject"),
        Param("body", Text(), "Body"),
    )
    outputs = (
        Output("message_id", String(), "Message-ID"),
        Output("recipients", ArrayType(Email()), "Recipients"),
    )
