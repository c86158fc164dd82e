"""Run the delinquency scan in this process, with a progress bar.

Same code as the nightly Celery run (delinquency/scan.py), chunk after chunk. The business date
defaults to yesterday (the last complete day), as the nightly run does.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from delinquency import scan


class Command(BaseCommand):
    help = "Age every active loan, flag early warnings and queue call tasks as of a business date."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="Business date YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--chunk-size", type=int, default=None, help=f"Loan ids per chunk ({scan.CHUNK_SIZE}).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, as_of=None, chunk_size=None, no_progress=False, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else scan.default_business_date()
        except ValueError:
            raise CommandError("--as-of must be a date like 2026-11-27.") from None
        chunks = scan.chunks_for_active_loans(chunk_size)
        bar = tqdm(total=len(chunks), unit="chunk", disable=no_progress, file=self.stderr._out)
        try:
            run = scan.run_scan(as_of=day, chunk_size=chunk_size, progress=lambda _chunk: bar.update(1))
        except scan.ScanLocked as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"Scan {run.business_date.isoformat()} {run.status}: {run.loans_scanned} loans; "
            f"buckets {run.bucket_counts}; new tasks {run.task_counts}; {run.tasks_assigned} task(s) assigned."
        )
