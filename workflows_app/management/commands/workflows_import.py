"""`workflows_import PATH`: create or update workflows from JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from engine import InvalidDefinition
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.services import import_definition
from workflows_app.tenancy.events import acting_for
from workflows_app.tenancy.scoping import tenant_option


class Command(BaseCommand):
    help = ("Create or update workflows (by name) from JSON definition files. A file may "
            "hold one definition or a list of them; a changed definition becomes a new "
            "version, an unchanged one changes nothing. Exits 1 naming the bad place when "
            "a definition is invalid; nothing from that file is stored then (the other "
            "files are imported).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH",
                            help="JSON files (or directories of *.json files).")
        parser.add_argument("--activate", action="store_true",
                            help="Also activate the imported workflows.")
        parser.add_argument("--tenant", metavar="ID",
                            help="With tenancy on: the tenant the workflows belong to "
                                 "(names are matched among its workflows); without it, "
                                 "workflows of no tenant.")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = []
        for raw in options["paths"]:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(path.glob("*.json")))
            elif path.exists():
                files.append(path)
            else:
                raise CommandError(f"{path}: no such file")
        try:
            tenant = tenant_option(options.get("tenant"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        failed = False
        with acting_for(tenant):
            for path in files:
                failed |= not self.import_file(path, activate=options["activate"])
        if failed:
            raise CommandError("some definitions were not imported (see above)")

    def import_file(self, path: Path, *, activate: bool) -> bool:
        try:
            data = parse_definition_text(path.read_bytes(), as_list=True)
        except OSError as exc:
            self.stderr.write(f"{path}: cannot be read ({exc.strerror or exc})")
            return False
        except JSONInputError as exc:
            self.stderr.write(f"{path}: {exc}")
            return False
        definitions = data if isinstance(data, list) else [data]
        try:
            with transaction.atomic():  # a file is imported whole or not at all
                done, errors = self._import_all(path, data, definitions, activate)
                if errors:
                    raise _FileRefused(errors, valid=len(done))
        except _FileRefused as refused:
            for line in refused.errors:
                self.stderr.write(line)
            if refused.valid:
                self.stderr.write(f"{path}: nothing from this file was stored "
                                  f"({refused.valid} valid definition(s) not imported either)")
            return False
        for line in done:
            self.stdout.write(line)
        return True

    def _import_all(self, path: Path, data: Any, definitions: list[Any], activate: bool
                    ) -> tuple[list[str], list[str]]:
        """(what was imported, the errors), one line each."""
        done: list[str] = []
        errors: list[str] = []
        for index, definition in enumerate(definitions):
            where = f"{path}[{index}]" if isinstance(data, list) else str(path)
            try:
                with transaction.atomic():
                    result = import_definition(definition,
                                               change_note=f"Imported from {path.name}")
            except InvalidDefinition as exc:
                errors.extend(f"{where}: {error}" for error in exc.errors)
                continue
            if activate and not result.workflow.is_active:
                result.workflow.is_active = True
                result.workflow.save(update_fields=["is_active", "updated_at"])
            if result.created:
                verb = "created"
            elif result.changed:
                verb = f"updated to version {result.version.number}"
            else:
                verb = f"unchanged (version {result.version.number})"
            done.append(f'{where}: "{result.workflow.name}" {verb}')
        return done, errors


class _FileRefused(Exception):
    """Rolls back a file's imports when any of its definitions is invalid."""

    def __init__(self, errors: list[str], *, valid: int) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
        self.valid = valid
