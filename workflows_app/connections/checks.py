"""System checks of the connection keys (tag ``workflows_connections``).

- ``workflows.E020``: ``WORKFLOWS["CONNECTION_KEYS"]`` is missing or holds a value
  that is not a Fernet key.
- ``workflows.E021``: a stored connection secret cannot be decrypted with any of
  the configured keys (a key was dropped before ``workflows_reencrypt`` ran).
  Checked against the database when it can be reached (skipped before ``migrate``).
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from workflows_app.connections.crypto import CannotDecrypt, decrypt, key_problem

TAG = "workflows_connections"


@checks.register(TAG)
def check_connection_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problem = key_problem()
    if problem:
        return [checks.Error(problem, id="workflows.E020",
                             hint="Keys are listed newest first; see docs/settings.md.")]
    return _undecryptable()


def _undecryptable() -> list[checks.CheckMessage]:
    from workflows_app.models import Connection

    try:
        stored = list(Connection.objects.values_list("name", "secrets"))
    except (DatabaseError, RuntimeError):  # no table yet, no database, or none allowed
        return []
    found: list[checks.CheckMessage] = []
    for name, secrets in stored:
        for setting, token in (secrets or {}).items():
            try:
                decrypt(token)
            except CannotDecrypt:
                found.append(checks.Error(
                    f'The secret "{setting}" of connection "{name}" cannot be decrypted '
                    'with any key in WORKFLOWS["CONNECTION_KEYS"].',
                    hint="Put back the key it was encrypted with (any position), run "
                         "`manage.py workflows_reencrypt`, or set the secret again in the "
                         "admin.",
                    id="workflows.E021"))
    return found
