"""python manage.py import_freddie ORIG_FILE PERF_FILE [--as-of YYYY-MM-DD] [--report CSV]

Loads Freddie Mac Single-Family Loan-Level Dataset files and prints, for every loan that does
not simply agree (every loan with -v 2), our MBA delinquency count against the file's status
column, then the totals.
"""

import csv
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports.freddie import AGREE
from imports.management.commands._progress import Bars, count_lines
from imports.models import ImportRun
from imports.services import freddie_import


class Command(BaseCommand):
    help = "Load a Freddie Mac origination file and its performance file; report MBA status agreement."

    def add_arguments(self, parser):
        parser.add_argument("orig_file", type=Path)
        parser.add_argument("perf_file", type=Path)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="Use each loan's latest reporting period ending on or before this date (default: the latest).",
        )
        parser.add_argument("--report", type=Path, help="Write the per-loan agreement report to this CSV file.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write no loan data.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, orig_file, perf_file, as_of, report, dry_run, no_progress, **options):
        for path in (orig_file, perf_file):
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        verbosity = options["verbosity"]
        bars = Bars(
            {"check": count_lines(perf_file), "apply": count_lines(orig_file)}, disable=no_progress or verbosity == 0
        )
        try:
            run, agreements = freddie_import(
                orig_path=orig_file, perf_path=perf_file, as_of=as_of, dry_run=dry_run, progress=bars
            )
        finally:
            bars.close()
        if run.status == ImportRun.Status.REJECTED:
            for error in run.errors:
                self.stdout.write(f"line {error['line']}, {error['column']}: {error['message']}")
            raise CommandError(f"Run {run.pk} rejected: {run.error_count} error(s). Nothing was loaded.")
        self.stdout.write(f"{'loan':<14} {'period':<7} {'file':>4} {'ours':>4}  outcome    reason")
        for a in agreements:
            if a.outcome != AGREE or verbosity >= 2:
                row = a.as_dict()
                ours = "" if a.ours is None else str(a.ours)
                self.stdout.write(
                    f"{a.loan_number:<14} {row['period']:<7} {a.file_status:>4} {ours:>4}  {a.outcome:<10} {a.reason}"
                )
        totals = run.report["totals"]
        self.stdout.write(
            "Totals: {loans} loan(s): {agree} agree, {explained} explained by the file, {disagree} disagree, "
            "{no_data} without performance data".format(**totals)
        )
        for reason, count in run.report["reasons"].items():
            self.stdout.write(f"  {count:>6}  {reason}")
        if report:
            with report.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(
                    handle, fieldnames=["loan_number", "period", "file_status", "ours", "outcome", "reason"]
                )
                writer.writeheader()
                writer.writerows(a.as_dict() for a in agreements)
        self.stdout.write(
            "Borrowers are placeholders named 'Borrower <loan sequence number>' and properties carry only "
            "state, the 3-digit ZIP prefix and occupancy: the dataset has no personal data."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk} {run.status}: {run.rows_new} new, {run.rows_updated} updated, "
                f"{run.rows_unchanged} unchanged, {run.ledger_rows} ledger row(s)"
                + (" (dry run: nothing written)" if dry_run else "")
            )
        )
