"""`workflows_export [NAME]`: print definitions as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows_app.models import Workflow
from workflows_app.services import export_definition
from workflows_app.tenancy.scoping import of_tenant, tenant_option


class Command(BaseCommand):
    help = ("Print the live definition of the workflow NAME as JSON, or of every workflow "
            "as a JSON list when no name is given (the format workflows_import reads).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="The workflow's name.")
        parser.add_argument("--tenant", metavar="ID",
                            help="With tenancy on: export the workflows of this tenant only.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options.get("name")
        workflows = Workflow.objects.all()
        if options.get("tenant") is not None:
            try:
                workflows = of_tenant(workflows, tenant_option(options["tenant"]))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        if name:
            workflow = workflows.filter(name=name).select_related("live_version").first()
            if workflow is None:
                raise CommandError(f'no workflow is named "{name}"')
            data: Any = export_definition(workflow)
        else:
            data = [export_definition(workflow) for workflow in workflows.filter(
                live_version__isnull=False).select_related("live_version").order_by("name")]
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
