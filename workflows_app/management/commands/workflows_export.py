"""`workflows_export [NAME]`: print definitions as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows_app.models import Workflow
from workflows_app.services import export_definition


class Command(BaseCommand):
    help = ("Print the live definition of the workflow NAME as JSON, or of every workflow "
            "as a JSON list when no name is given (the format workflows_import reads).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="The workflow's name.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.get("name")
        if name:
            workflow = Workflow.objects.filter(name=name).select_related("live_version").first()
            if workflow is None:
                raise CommandError(f'no workflow is named "{name}"')
            data: Any = export_definition(workflow)
        else:
            data = [export_definition(workflow) for workflow in Workflow.objects.filter(
                live_version__isnull=False).select_related("live_version").order_by("name")]
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
