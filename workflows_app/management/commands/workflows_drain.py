"""`workflows_drain`: process every pending event, due run and due delay, then exit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows_app.execution.queue import WorkReport, drain


class Command(BaseCommand):
    help = ("Process every pending event, ready run and due delay in this process, then "
            "exit: for tests, demos and cron-only deployments (no qcluster needed). "
            "With --wait, also wait for parked delays to fall due (up to --max-seconds).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", action="store_true",
                            help="Wait for delays and retry back-offs that fall due.")
        parser.add_argument("--max-seconds", type=float, default=None,
                            help="Stop after this many seconds (default: no limit).")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def progress(report: WorkReport) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  ... {report.runs_created} runs created, "
                                  f"{report.runs_executed} executed")

        report = drain(max_seconds=options["max_seconds"], wait_for_delays=options["wait"],
                       progress=progress)
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(
            report.statuses.items())) or "none"
        self.stdout.write(f"{report.runs_created} runs created, {report.runs_executed} "
                          f"executions ({statuses})")
