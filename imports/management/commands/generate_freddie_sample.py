"""python manage.py generate_freddie_sample --loans N --seed S OUT_DIR

Writes sample_orig.txt and sample_svcg.txt in the Freddie Mac loan-level layout with invented
loans (Freddie Mac's own data may not be redistributed). Same seed, same files.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand

from imports.freddie import DEFAULT_END_PERIOD, write_sample


def _period(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), 1)


class Command(BaseCommand):
    help = "Write deterministic sample files in the Freddie Mac Single-Family Loan-Level Dataset layout."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path)
        parser.add_argument("--loans", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--end-period", type=_period, default=DEFAULT_END_PERIOD, help="Last reporting period, YYYYMM."
        )

    def handle(self, *args, out_dir: Path, loans: int, seed: int, end_period: date, **options):
        orig, perf = write_sample(out_dir, loans=loans, seed=seed, end_period=end_period)
        self.stdout.write(self.style.SUCCESS(f"Wrote {orig} and {perf}"))
