"""Kinds of connections, one per module, registered in `connection_kinds`.

A project adds a kind by registering a `ConnectionKind` subclass in any module it
imports (e.g. its `workflow_steps` module, next to the step that uses it).
"""

from workflows_app.connections.kinds import (  # noqa: F401  (registration)
    http_basic,
    http_bearer,
    http_signing,
    pagerduty,
    slack,
    teams,
    twilio_sms,
    twilio_whatsapp,
)
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds

__all__ = ["ConnectionKind", "Setting", "connection_kinds"]
