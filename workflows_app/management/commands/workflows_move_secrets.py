"""`manage.py workflows_move_secrets`: move inline http.request secrets onto connections."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows_app.connections.crypto import key_problem
from workflows_app.connections.move_secrets import move_secrets


class Command(BaseCommand):
    help = ("Move the signing secrets and credential headers written inside http.request "
            "steps onto encrypted connections, saving a new version of each workflow "
            "that had any. --dry-run lists what would move.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="List what would move; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        problem = key_problem()
        if problem:
            raise CommandError(problem)
        moved = move_secrets(dry_run=options["dry_run"])
        verb = "Would move" if options["dry_run"] else "Moved"
        for item in moved:
            self.stdout.write(f"{verb} {', '.join(item.secret_names)} of \u201c{item.workflow}"
                              f"\u201d step {item.step} to connection \u201c{item.connection}"
                              "\u201d.")
        if not moved:
            self.stdout.write("No http.request step holds a secret: nothing to move.")
