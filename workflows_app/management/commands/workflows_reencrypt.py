"""`manage.py workflows_reencrypt`: encrypt every connection secret with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workflows_app.connections.crypto import CannotDecrypt, key_problem, reencrypt
from workflows_app.models import Connection


class Command(BaseCommand):
    help = ('Encrypt every connection secret again with the first key of '
            'WORKFLOWS["CONNECTION_KEYS"] (after adding a new key in front). Once it '
            "has run, older keys can be removed from the list.")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = key_problem()
        if problem:
            raise CommandError(problem)
        done = 0
        failed: list[str] = []
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().order_by("pk"):
                secrets = dict(connection.secrets)
                for name, token in secrets.items():
                    try:
                        secrets[name] = reencrypt(token)
                        done += 1
                    except CannotDecrypt:
                        failed.append(f'"{connection.name}" ({name})')
                Connection.objects.filter(pk=connection.pk).update(secrets=secrets)
        self.stdout.write(f"Re-encrypted {done} secret(s) with the newest key.")
        if failed:
            raise CommandError(
                "These secrets could not be decrypted with any configured key and were "
                "left as they were: " + ", ".join(failed)
                + ". Put back the key they were encrypted with, or set them again in the "
                "admin.")
