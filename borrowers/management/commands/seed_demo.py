"""python manage.py seed_demo --loans N --seed S: demo logins and a synthetic portfolio."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from borrowers.demo.seeder import seed_demo, summary_lines
from borrowers.demo.users import DEMO_USERS


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-11-27, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Create the demo users (specialist1-3, manager1, admin1; passwords are reset and printed) and, "
        "only if the database has no loans yet, a deterministic synthetic loan portfolio with payment "
        "histories built by the production posting rules. When loans already exist it only ensures the "
        "users, so it is safe (and fast) to run on every start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, default=2000, help="Loans to generate (default 2000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument(
            "--as-of",
            type=_iso_date,
            default=None,
            help="Business date the payment histories run up to (default today).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Generator processes on PostgreSQL (default: one per core for 5000+ loans; 0 = in-process).",
        )

    def handle(self, *args, loans: int, seed: int, as_of: date | None, workers: int | None, **options):
        if loans < 0:
            raise CommandError("--loans cannot be negative.")
        as_of = as_of or timezone.localdate()
        verbosity = options["verbosity"]
        with tqdm(total=loans, unit="loan", disable=verbosity < 1 or None, desc="Seeding") as bar:
            result = seed_demo(loans=loans, seed=seed, as_of=as_of, workers=workers, progress=bar.update)

        if not result.created:
            self.stdout.write(
                f"Demo portfolio already present ({result.existing_loans:,} loans); left as it is, demo users ensured."
            )
        else:
            rate = result.loans / result.seconds if result.seconds else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.loans:,} loans (seed {seed}) in {result.seconds:.1f}s ({rate:,.0f} loans/s)."
                )
            )
            for line in summary_lines(result, as_of):
                self.stdout.write(line)
        self.stdout.write("Demo logins:")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<12} {user.password:<24} {user.role}")
