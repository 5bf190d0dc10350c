"""`email.send` through Django's SMTP backend to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator

import django
import pytest
from aiosmtpd.controller import Controller

from tests.workflows_app.support import create_workflow, customer, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus

pytestmark = pytest.mark.django_db


class Mailbox:
    """An aiosmtpd handler keeping every message; refuses recipients at `refuse@...`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        with self.lock:
            return [(list(item.rcpt_tos),
                     email.message_from_bytes(item.content, policy=email.policy.default))
                    for item in self.envelopes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION >= (6, 1):  # MAILERS replaces the EMAIL_* settings
        settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {
            "host": "127.0.0.1", "port": controller.port, "use_tls": False,
            "use_ssl": False, "timeout": 10}}}
    else:
        settings.EMAIL_BACKEND = smtp
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "workflows@shop.example"
    try:
        yield mailbox
    finally:
        controller.stop()


def mail_step(**params) -> dict:
    base = {"to": [{"ref": "record.customer.email"}, "ops@example.com"],
            "cc": ["boss@example.com"],
            "subject": "Order {{ record.number }} confirmed",
            "body": "Hello {{ record.customer.name }},\nyour order of "
                    "{{ record.total_amount }} {{ record.currency }} is confirmed."}
    base.update(params)
    return {"key": "mail", "type": "email.send", "params": base}


def test_the_message_reaches_the_smtp_server(smtp_server):
    buyer = customer("Ada Lovelace", "ada@example.org")
    workflow = create_workflow("Confirmation", [mail_step()])
    order("1250.00", number="M-7", customer_obj=buyer)
    drain()

    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED, run.error
    [(recipients, message)] = smtp_server.messages()
    assert sorted(recipients) == ["ada@example.org", "boss@example.com", "ops@example.com"]
    assert message["Subject"] == "Order M-7 confirmed"
    assert message["From"] == "workflows@shop.example"
    assert message["To"] == "ada@example.org, ops@example.com"
    assert message["Cc"] == "boss@example.com"
    assert message["X-Idempotency-Key"] == f"{run.pk}:mail"
    assert f"{run.pk}.mail" in message["Message-ID"]
    assert message.get_content().splitlines() == [
        "Hello Ada Lovelace,", "your order of 1250.00 USD is confirmed."]

    step = steps_of(run)["mail"]
    assert step.outputs["message_id"] == message["Message-ID"]
    assert step.outputs["recipients"] == ["ada@example.org", "ops@example.com",
                                          "boss@example.com"]
    assert step.inputs["subject"] == "Order M-7 confirmed"


def test_a_refused_recipient_fails_the_step_with_the_servers_answer(smtp_server):
    workflow = create_workflow("Refused", [mail_step(to=["refuse@example.com"], cc=[])])
    order("10.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    step = steps_of(run)["mail"]
    assert step.status == StepStatus.FAILED
    assert "refuse@example.com" in step.error and "550" in step.error
    assert smtp_server.messages() == []
