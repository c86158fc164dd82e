"""Benchmark: seed_demo against a bare COPY floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/seed.py [--loans N]

Creates a scratch PostgreSQL database (`lossmit_bench_seed`, dropped and recreated, dropped
again at the end unless --keep), migrates it, and seeds N loans (default 100,000; issue 2 asks
for under a minute) the way `manage.py seed_demo` does. The floor is a COPY of the same number of
bare rows (id, loan number, balance, date) into a temporary table: what writing one row per loan
costs with no generation and no indexes. Prints loans/s, rows/s and the seed/floor ratio, and
checks that every loan's balances equal its ledger sums.
"""

import argparse
import io
import os
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "lossmit_bench_seed"
AS_OF = date(2026, 11, 27)


def scratch_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def admin_execute(base_url: str, *statements: str, database: str = "postgres") -> None:
    """Run each statement in autocommit (CREATE/DROP DATABASE, VACUUM) in `database`."""
    import psycopg2

    conn = psycopg2.connect(scratch_url(base_url, database))
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
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


def floor_seconds(loans: int) -> float:
    """COPY `loans` bare rows into a temporary table, generation included, in one transaction."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_floor (id bigint, loan_number text, balance numeric(14, 2), due date)"
            )
        text = "".join(f"{i}\t{1_000_000_000 + i}\t{150000 + i % 1000}.25\t2026-12-01\n" for i in range(loans))
        connection.connection.cursor().copy_expert("COPY bench_floor FROM STDIN", io.BytesIO(text.encode()))
        transaction.set_rollback(True)
    return time.perf_counter() - start


def backend_cpu_seconds() -> float:
    """CPU used so far by this connection's PostgreSQL backend (local server, Linux /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=None, help="generator processes (default: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = scratch_url(base, DATABASE)
    admin_execute(base, f'DROP DATABASE IF EXISTS "{DATABASE}"', f'CREATE DATABASE "{DATABASE}"')
    try:
        setup_django(url)
        from django.db import connection

        from borrowers.demo.seeder import seed_demo, summary_lines
        from borrowers.services import ledger_mismatches

        floor = floor_seconds(args.loans)
        cpu_before, pg_before = os.times(), backend_cpu_seconds()
        result = seed_demo(loans=args.loans, seed=args.seed, as_of=AS_OF, workers=args.workers)
        cpu_after, pg_after = os.times(), backend_cpu_seconds()
        check_start = time.perf_counter()
        mismatches = ledger_mismatches().count()
        check_seconds = time.perf_counter() - check_start

        rows = sum(result.rows.values())
        print(f"seed_demo --loans {args.loans:,} --seed {args.seed} (as of {AS_OF}, {result.workers} workers)")
        print(f"  seeded in        {result.seconds:8.2f} s   {args.loans / result.seconds:10,.0f} loans/s")
        print(f"  rows written     {rows:>10,}   {rows / result.seconds:10,.0f} rows/s")
        cpu = (cpu_after.user - cpu_before.user) + (cpu_after.children_user - cpu_before.children_user)
        pg_cpu = pg_after - pg_before
        print(f"  python cpu       {cpu:8.2f} s   (this process and its generator workers)")
        print(f"  postgres cpu     {pg_cpu:8.2f} s   (the seeding connection's backend)")
        print(f"  cpu-bound floor  {(cpu + pg_cpu) / (os.cpu_count() or 1):8.2f} s   (that cpu spread over all cores)")
        print("  phases           " + ", ".join(f"{k} {v:.1f} s" for k, v in result.phases.items()))
        print(f"  floor (bare COPY of {args.loans:,} rows) {floor:8.2f} s")
        print(f"  ratio seed/floor {result.seconds / floor:8.1f}x")
        print(f"  under a minute   {'yes' if result.seconds < 60 else 'NO'}")
        print(f"  ledger mismatches {mismatches} (checked in {check_seconds:.1f} s)")
        load = os.getloadavg()
        print(f"  load average     {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
        for line in summary_lines(result, AS_OF):
            print("  " + line)
        connection.close()
    finally:
        if not args.keep:
            admin_execute(base, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
