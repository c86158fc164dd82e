"""Benchmark: the servicing-tape import against a bare COPY of the same file, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/tape.py [--rows N]

Writes an N-row tape (default 1,000,000) with the test generator's row shape
(tests/imports/tapes.py), into a scratch PostgreSQL database (`lossmit_bench_tape` by default,
dropped and recreated). Then, in this process:
1. the floor: COPY the same CSV into a plain all-text table with the tape's columns;
2. the first load (every loan new), through the same service as `import_tape`;
3. the repeat load of the same file (every loan unchanged, nothing written).
Prints seconds, rows/s and each load's ratio against the floor, and the load average.
"""

import argparse
import cProfile
import csv
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan import recreate_database, scratch_url, setup_django  # noqa: E402

STATES = ("GA", "TX", "CA", "FL", "NY")


def write_tape(path: Path, rows: int) -> None:
    """N valid rows, distinct loan numbers, balances, names, phones and states (as many_rows)."""
    from imports.tape import COLUMN_NAMES
    from tests.imports.tapes import tape_row

    base = tape_row()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMN_NAMES)
        varying = ("loan_number", "principal_balance", "borrower_last_name", "borrower_phone")
        varying = (*varying, "property_address1", "property_state")
        index = {name: COLUMN_NAMES.index(name) for name in varying}
        template = [base[name] for name in COLUMN_NAMES]
        for n in range(rows):
            row = list(template)
            row[index["loan_number"]] = f"8{n:07d}"
            row[index["principal_balance"]] = f"{100000 + n % 100000 * 7}.00"
            row[index["borrower_last_name"]] = f"Reyes{n}"
            row[index["borrower_phone"]] = f"404-555-{n % 10000:04d}"
            row[index["property_address1"]] = f"{n} Oak Lane"
            row[index["property_state"]] = STATES[n % len(STATES)]
            writer.writerow(row)


def bare_copy_seconds(path: Path) -> float:
    """The floor: COPY the CSV as text into a plain unindexed table with the tape's columns."""
    from django.db import connection

    from imports.tape import COLUMN_NAMES

    columns = ", ".join(f"{name} text" for name in COLUMN_NAMES)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_tape_floor")
        cursor.execute(f"CREATE TABLE bench_tape_floor ({columns})")
        started = time.perf_counter()
        with path.open(encoding="utf-8") as handle:
            cursor.cursor.copy_expert("COPY bench_tape_floor FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_tape_floor")
    return seconds


def timed_import(path: Path, profile: bool, timings: bool = False):
    from django.db import connection

    from imports import services

    profiler = cProfile.Profile() if profile else None
    statements: list[tuple[float, str]] = []
    checking: list[float] = []
    check_fast, apply_fast = services.check_tape_fast, services.apply_tape
    applying: list[float] = []

    def timed_apply(*args, **kwargs):
        began = time.perf_counter()
        try:
            return apply_fast(*args, **kwargs)
        finally:
            applying.append(time.perf_counter() - began)

    def timed_check(*args, **kwargs):
        began = time.perf_counter()
        try:
            return check_fast(*args, **kwargs)
        finally:
            checking.append(time.perf_counter() - began)

    def timed_sql(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - began, " ".join(sql.split())))

    started = time.perf_counter()
    if profiler:
        profiler.enable()
    services.check_tape_fast, services.apply_tape = timed_check, timed_apply
    try:
        if timings:
            with connection.execute_wrapper(timed_sql):
                run = services.tape_import(path=path)
        else:
            run = services.tape_import(path=path)
    finally:
        services.check_tape_fast, services.apply_tape = check_fast, apply_fast
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if timings:
        print(f"  checking pass (Python, incl. spooling): {sum(checking):.2f} s")
        for seconds, sql in sorted(statements, reverse=True)[:15]:
            print(f"  {seconds:7.2f} s  {sql[:150]}")
        print(f"  all SQL statements: {sum(s for s, _ in statements):.2f} s in {len(statements)} statement(s)")
        print(f"  applying (COPY into staging and the statements): {sum(applying):.2f} s")
    if timings or profile:
        run_seconds = time.perf_counter() - started
        print(
            f"  the rest (commit with its deferred foreign-key checks, the run's records): "
            f"{run_seconds - sum(checking) - sum(applying):.2f} s"
        )
    return time.perf_counter() - started, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="lossmit_bench_tape", help="scratch database name (dropped and recreated)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first load")
    parser.add_argument(
        "--timings", action="store_true", help="time the checking pass and each SQL statement of both loads"
    )
    parser.add_argument(
        "--per-row", action="store_true", help="also time the per-row path (the SQLite path) on a fresh database"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the database named in it is not touched).")
    recreate_database(base_url, args.db)
    setup_django(scratch_url(base_url, args.db))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tape.csv"
        started = time.perf_counter()
        write_tape(path, args.rows)
        print(f"wrote {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        floor = bare_copy_seconds(path)
        print(f"bare COPY into a plain table: {floor:.2f} s ({args.rows / floor:,.0f} rows/s)")
        for label in ("first load (all new)", "repeat load (all unchanged)"):
            seconds, run = timed_import(path, args.profile and label.startswith("first"), args.timings)
            print(
                f"{label}: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s, {seconds / floor:.1f}x the bare COPY "
                f"[run {run.status}: {run.rows_new} new, {run.rows_updated} updated, {run.rows_unchanged} unchanged]"
            )
        if args.per_row:
            per_row(path, args.rows, floor)
    print("load average:", Path("/proc/loadavg").read_text().strip())


def per_row(path: Path, rows: int, floor: float) -> None:
    """The same file through the per-row path, after emptying the loan tables."""
    from django.db import connection

    from imports import services

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE borrowers_ledgertransaction, borrowers_valuation, borrowers_phone, borrowers_loan, "
            "borrowers_property, borrowers_borrower CASCADE"
        )
    services.TAPE_SET_BASED = False
    try:
        for label in ("per-row path, first load", "per-row path, repeat load"):
            seconds, _run = timed_import(path, False)
            print(f"{label}: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, {seconds / floor:.1f}x the bare COPY")
    finally:
        services.TAPE_SET_BASED = True


if __name__ == "__main__":
    main()
