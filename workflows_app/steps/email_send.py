"""`email.send`: send an e-mail through Django's e-mail backend."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage

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

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        to = list(dict.fromkeys(inputs["to"]))
        cc = [address for address in dict.fromkeys(inputs.get("cc") or []) if address not in to]
        # A subject is one header line: fold any line breaks a template produced.
        subject = " ".join(str(inputs["subject"]).split())
        domain = getattr(settings, "WORKFLOWS_EMAIL_DOMAIN", None) or "workflows.local"
        message_id = make_msgid(idstring=context.idempotency_key.replace(":", "."),
                                domain=domain)
        message = EmailMessage(
            subject=subject, body=str(inputs["body"]), to=to, cc=cc,
            headers={"Message-ID": message_id, "X-Idempotency-Key": context.idempotency_key},
        )
        message.send(fail_silently=False)
        return {"message_id": message_id, "recipients": to + cc}
