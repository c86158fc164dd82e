"""Benchmark: the nightly delinquency scan against a floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/scan.py [--full]

Seeds N loans with COPY into a scratch PostgreSQL database (`lossmit_bench` by default,
dropped and recreated), runs the scan in this process (the same code as a Celery chunk task),
then measures the floor: one hand-written UPDATE computing days past due for the same loans.
Prints loans/s and the scan/floor ratio for 10k and 100k loans (and 1M with --full), so the
growth with N can be read off. A second, "next night" scan shows the steady state, where every
status row exists already.
"""

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
SPECIALISTS = 50


def scratch_url(base: str, name: str) -> str:
    parts = urlparse(base)
    return urlunparse(parts._replace(path=f"/{name}"))


def recreate_database(base_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(scratch_url(base_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lossmit.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class Copier:
    """COPY rows into a model's table, every concrete column filled (given value or the field's
    default), so the bench keeps working when other apps add columns."""

    def __init__(self, model):
        from django.db import models

        self.table = model._meta.db_table
        self.fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.columns = [f.column for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = _text(NOW)
            elif f.has_default():
                self.defaults[f.attname] = _text(f.get_default())
            elif f.null:
                self.defaults[f.attname] = r"\N"
            else:
                self.defaults[f.attname] = ""

    def copy(self, cursor, rows) -> None:
        buf = io.StringIO()
        names = [f.attname for f in self.fields]
        for row in rows:
            buf.write("\t".join(_text(row[n]) if n in row else self.defaults[n] for n in names))
            buf.write("\n")
        buf.seek(0)
        cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", buf)


SEED_BATCH = 50_000  # rows built in Python per COPY, so a million loans seed in bounded memory


def seed(n: int, start_id: int, rng: random.Random, users: list[int]) -> None:
    from django.db import connection

    for lo in range(start_id, start_id + n, SEED_BATCH):
        seed_batch(range(lo, min(lo + SEED_BATCH, start_id + n)), rng, users)
    with connection.cursor() as cur:
        for table in ("borrowers_borrower", "borrowers_property", "borrowers_loan", "borrowers_ledgertransaction"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cur.execute("VACUUM ANALYZE")  # Django runs in autocommit outside atomic blocks


def seed_batch(ids: range, rng: random.Random, users: list[int]) -> None:
    """Loans `ids`: 85% current, the rest spread over the buckets, with
    three months of installments for the current ones, some NSFs, suspense and holds."""
    from django.db import connection

    from borrowers.models import Borrower, LedgerTransaction, Loan, Property
    from delinquency.models import Hold

    with connection.cursor() as cur:
        Copier(Borrower).copy(
            cur,
            (
                {
                    "id": i,
                    "first_name": "Pat",
                    "last_name": f"Borrower{i}",
                    "preferred_language": "es" if i % 20 == 0 else "en",
                    "mailing_state": "GA",
                }
                for i in ids
            ),
        )
        states = ["GA", "CA", "TX", "FL", "NY", "IL", "AZ", "WA"]
        Copier(Property).copy(
            cur,
            (
                {"id": i, "address1": f"{i} Main St", "city": "Town", "state": states[i % 8], "zip_code": "30301"}
                for i in ids
            ),
        )
        loans, ledger, holds = [], [], []
        for i in ids:
            r = rng.random()
            if r < 0.85:
                next_due = date(2026, 12, 1)
            elif r < 0.90:
                next_due = date(2026, 11, 1)
            elif r < 0.94:
                next_due = date(2026, 10, 1)
            elif r < 0.96:
                next_due = date(2026, 9, 1)
            elif r < 0.97:
                next_due = date(2026, 8, 1)
            else:
                next_due = date(2026, 1 + rng.randrange(7), 1)
            suspense = Decimal("500.00") if rng.random() < 0.02 else Decimal("0.00")
            loans.append(
                {
                    "id": i,
                    "loan_number": f"B{i:09d}",
                    "borrower_id": i,
                    "property_id": i,
                    "investor": "FNMA",
                    "program": "GSE_FLEX",
                    "origination_date": date(2020, 11, 15),
                    "original_balance": Decimal("200000.00"),
                    "note_rate": Decimal("6.500"),
                    "original_term_months": 360,
                    "remaining_term_months": 311,
                    "first_payment_date": date(2021, 1, 1),
                    "maturity_date": date(2050, 12, 1),
                    "monthly_pi": Decimal("1264.14"),
                    "monthly_escrow": Decimal("300.00"),
                    "principal_balance": Decimal("188000.00"),
                    "suspense_balance": suspense,
                    "next_due_date": next_due,
                    "status": "active",
                    "foreclosure_type": "non_judicial",
                    "grace_days": 15,
                    "late_charge_pct": Decimal("4.000"),
                    "assigned_to_id": users[i % len(users)] if rng.random() < 0.7 else None,
                }
            )
            seq = 1
            ledger.append(
                {
                    "loan_id": i,
                    "seq": seq,
                    "kind": "opening",
                    "effective_date": date(2020, 11, 15),
                    "amount": Decimal("188000.00"),
                    "next_due_date_after": next_due,
                }
            )
            if next_due == date(2026, 12, 1):
                for month in (9, 10, 11):
                    seq += 1
                    paid = date(2026, month, 1 + rng.randrange(10))
                    ledger.append(
                        {
                            "loan_id": i,
                            "seq": seq,
                            "kind": "installment",
                            "effective_date": paid,
                            "amount": Decimal("1564.14"),
                            "installment_due_date": date(2026, month, 1),
                            "next_due_date_after": date(2026, month + 1, 1),
                        }
                    )
                if rng.random() < 0.01:
                    seq += 1
                    ledger.append(
                        {
                            "loan_id": i,
                            "seq": seq,
                            "kind": "nsf_reversal",
                            "effective_date": AS_OF - timedelta(days=rng.randrange(120)),
                            "amount": Decimal("1564.14"),
                            "next_due_date_after": next_due,
                        }
                    )
            if rng.random() < 0.005:
                holds.append({"loan_id": i, "kind": "bankruptcy", "start_date": date(2026, 6, 1), "reason": "Ch. 13"})
        Copier(Loan).copy(cur, loans)
        Copier(LedgerTransaction).copy(cur, ledger)
        Copier(Hold).copy(cur, holds)


def make_specialists() -> list[int]:
    from django.contrib.auth.models import Group, User

    from accounts.models import Profile

    group = Group.objects.get(name="Specialist")
    ids = []
    for k in range(SPECIALISTS):
        user = User.objects.create(username=f"bench{k}")
        user.groups.add(group)
        Profile.objects.create(user=user, capacity=25_000, languages="en,es" if k % 10 == 0 else "en")
        ids.append(user.pk)
    return ids


def reset_scan_tables() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE delinquency_calltask, delinquency_callattempt, delinquency_bucketevent,"
            " delinquency_loandelinquency, delinquency_promise, delinquency_scanrun"
        )
        cur.execute("UPDATE borrowers_loan SET assigned_to_id = NULL WHERE id % 10 >= 7")


def floor_seconds(as_of: date) -> float:
    """The floor: one hand-written UPDATE computing days past due for the same (active) loans,
    into a fresh narrow table so every measurement starts from the same state. Best of two."""
    from django.db import connection

    best = float("inf")
    for _ in range(2):
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_floor")
            cur.execute(
                "CREATE TABLE bench_floor AS SELECT id AS loan_id, 0 AS days_past_due FROM borrowers_loan"
                " WHERE status = 'active'"
            )
            cur.execute("ALTER TABLE bench_floor ADD PRIMARY KEY (loan_id)")
            cur.execute("VACUUM ANALYZE bench_floor")
            cur.execute("SET jit = off")  # as the scan runs: same footing
            t0 = time.perf_counter()
            cur.execute(
                "UPDATE bench_floor f SET days_past_due = GREATEST(0, %s::date - l.next_due_date)"
                " FROM borrowers_loan l WHERE l.id = f.loan_id",
                [as_of.isoformat()],
            )
            best = min(best, time.perf_counter() - t0)
            cur.execute("RESET jit")
    return best


def _child_init() -> None:
    import django

    django.setup()


def _child_chunk(job: tuple[str, int, int]) -> tuple[int, float]:
    from delinquency import scan

    as_of, lo, hi = job
    count = scan.scan_chunk(as_of=date.fromisoformat(as_of), lo=lo, hi=hi)
    return count, peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux ru_maxrss survives
    exec, so a spawned worker would report its parent's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_scan(as_of: date, chunk_size: int | None, workers: int) -> tuple[float, float, dict]:
    """The scan as Celery runs it: claim, chunks in `workers` worker processes, finish.
    Returns (seconds, peak worker RSS in MB, task counts)."""
    import multiprocessing

    from delinquency import scan

    chunks = scan.chunks_for_active_loans(chunk_size)
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_child_init) as pool:
        pool.map(_child_init_done, range(workers))  # workers up before the clock starts
        t0 = time.perf_counter()
        scan.scan_claim(as_of=as_of, chunks_total=len(chunks))
        results = pool.map(_child_chunk, [(as_of.isoformat(), c.lo, c.hi) for c in chunks], chunksize=1)
        run = scan.scan_finish(as_of=as_of, loans_scanned=sum(r[0] for r in results), chunks_done=len(chunks))
        seconds = time.perf_counter() - t0
    return seconds, max(r[1] for r in results), run.task_counts


def _child_init_done(_: int) -> None:
    time.sleep(0.2)


def run(sizes: list[int], base_url: str, db_name: str, chunk_size: int | None, workers: list[int]) -> None:
    recreate_database(base_url, db_name)
    setup_django(scratch_url(base_url, db_name))
    rng = random.Random(2026)
    users = make_specialists()
    seeded = 0
    print("floor = one UPDATE computing days past due for the same loans (fresh narrow table, best of 2)")
    print("night 1 = first scan (every status row, event and task new); night 2 = the next night's scan")
    print(
        f"{'loans':>9} {'workers':>7} {'night1 s':>8} {'loans/s':>9} {'ratio':>6} | {'night2 s':>8} {'loans/s':>9}"
        f" {'ratio':>6} | {'floor s':>7} {'tasks':>7} {'worker MB':>9}"
    )
    for n in sizes:
        t0 = time.perf_counter()
        seed(n - seeded, seeded + 1, rng, users)
        seeded = n
        seed_s = time.perf_counter() - t0
        floor = floor_seconds(AS_OF)
        for w in workers:
            reset_scan_tables()
            night1, rss1, task_counts = timed_scan(AS_OF, chunk_size, w)
            night2, rss2, _ = timed_scan(AS_OF + timedelta(days=1), chunk_size, w)
            print(
                f"{n:>9,} {w:>7} {night1:>8.2f} {n / night1:>9,.0f} {night1 / floor:>6.2f} |"
                f" {night2:>8.2f} {n / night2:>9,.0f} {night2 / floor:>6.2f} | {floor:>7.2f}"
                f" {sum(task_counts.values()):>7,} {max(rss1, rss2):>9.0f}   (seeded in {seed_s:.1f}s)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also 1,000,000 loans")
    parser.add_argument("--sizes", help="comma-separated loan counts, e.g. 10000,50000")
    parser.add_argument("--db", default="lossmit_bench", help="scratch database name (dropped and recreated)")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument(
        "--workers", default="1,2", help="comma-separated worker process counts to run the chunks with (like Celery's)"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not base_url.startswith("postgres"):
        parser.error("the benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10_000, 100_000]
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    run(sorted(sizes), base_url, args.db, args.chunk_size, [int(w) for w in args.workers.split(",")])


if __name__ == "__main__":
    main()
