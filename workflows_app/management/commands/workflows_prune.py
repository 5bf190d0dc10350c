"""`workflows_prune`: delete run history older than the retention period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone

from workflows_app.retention import DEFAULT_BATCH_SIZE, prune, retention_days


class Command(BaseCommand):
    help = ("Delete finished runs (with their steps and action history), dispatched events "
            "without runs, and webhook deliveries older than WORKFLOWS['RETENTION_DAYS'] "
            "(or --days). Never deletes unfinished runs or events that still have a run. "
            "Run it daily (cron, or a django-q2 schedule).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="Keep this many days instead of RETENTION_DAYS.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Only count what would be deleted.")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help="Events whose runs are deleted, or events and webhook "
                                 "deliveries deleted, per transaction "
                                 f"(default {DEFAULT_BATCH_SIZE}).")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = retention_days()
            if days is None:
                self.stdout.write("RETENTION_DAYS is None: run history is kept forever. "
                                  "Nothing deleted (give --days to prune anyway).")
                return
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbosity = options["verbosity"]
        dry_run = options["dry_run"]

        def progress(kind: str, done: int, total: int) -> None:
            if verbosity >= 1 and not dry_run:
                self.stdout.write(f"  deleted {done:,} / {total:,} {kind}")

        now = timezone.now()
        cutoff = now - timedelta(days=days)
        when = formats.date_format(timezone.localtime(cutoff), "DATETIME_FORMAT")
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleting'} run history from "
                          f"before {when} ({days} days)...")
        result = prune(days=days, dry_run=dry_run, batch_size=options["batch_size"],
                       progress=progress, now=now)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {result.runs:,} runs, {result.events:,} events and "
            f"{result.deliveries:,} webhook deliveries from before {when}."))
