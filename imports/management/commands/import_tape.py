"""python manage.py import_tape FILE [--dry-run]: load a servicing tape (imports/tape.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.management.commands._progress import Bars, count_lines
from imports.models import ImportRun
from imports.services import tape_import


class Command(BaseCommand):
    help = "Check a servicing-tape CSV whole, then load it in one transaction as an upsert by loan number."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and classify rows; write no loan data.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file: Path, dry_run: bool, no_progress: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        rows = max(count_lines(file) - 1, 0)
        bars = Bars({"check": rows, "apply": rows}, disable=no_progress or options["verbosity"] == 0)
        try:
            run = tape_import(path=file, dry_run=dry_run, progress=bars)
        finally:
            bars.close()
        for error in run.errors:
            where = f"line {error['line']}" + (f", {error['column']}" if error["column"] else "")
            self.stdout.write(f"{where}: {error['message']}")
        if run.error_count > len(run.errors):
            self.stdout.write(f"... and {run.error_count - len(run.errors)} more error(s)")
        summary = (
            f"Run {run.pk} {run.status}: {run.rows_total} row(s), {run.rows_new} new, {run.rows_updated} updated, "
            f"{run.rows_unchanged} unchanged, {run.ledger_rows} ledger row(s), {run.error_count} error(s)"
        )
        if run.status == ImportRun.Status.REJECTED:
            raise CommandError(f"{summary}. Nothing was loaded; fix the rows above and load the file again.")
        self.stdout.write(self.style.SUCCESS(summary + (" (dry run: nothing written)" if dry_run else "")))
