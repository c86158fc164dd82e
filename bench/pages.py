"""Page benchmark: every main page of the workspace, for the role that uses it, timed through
Django's test Client next to `/healthz` measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/pages.py [--loans N] [--reuse]

Seeds (or with --reuse keeps) a scratch PostgreSQL database (`lossmit_bench_pages` or --db) with
the demo portfolio `make run` serves (default 2,000 loans; --loans 100000 for the big demo), runs
the nightly scan so worklists and dashboards have data, then requests each page --repeat times
in-process (no HTTP server: the figure is Django's own cost: middleware, session, queries,
template) with DEBUG off, as production renders. Prints per page: median and p95 ms, the
median's ratio to /healthz's median (a session-less request with one database round trip), and
the SQL queries one request ran, and the median CPU time of this process per request (Django's
own work without the database's, steadier than wall time on a shared machine) with its ratio
to /healthz's. Exit status 1 if a page did not answer 200.
"""

import argparse
import html
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "lossmit_bench_pages"


@dataclass
class Page:
    name: str
    role: str  # the demo user who opens it
    path: str
    headers: dict | None = None


def subjects() -> dict:
    """Ids the pages need, picked from the seeded data: specialist1's first task, its loan, a
    submitted workout, a loan with letters, a search term."""
    from borrowers.models import Loan
    from delinquency.models import CallTask
    from letters.models import Letter
    from workouts.models import Workout

    task = (
        CallTask.objects.filter(assigned_to__username="specialist1", status=CallTask.Status.OPEN)
        .order_by("priority", "due_by", "pk")
        .first()
    )
    loan = task.loan if task else Loan.objects.order_by("pk").first()
    workout = Workout.objects.order_by("-pk").first()
    letter = Letter.objects.order_by("-pk").first()
    return {
        "task": task.pk if task else None,
        "loan": loan.pk,
        "loan_number": loan.loan_number,
        "surname": loan.borrower.last_name,
        "workout": workout.pk if workout else None,
        "letters_loan": letter.loan_id if letter else loan.pk,
    }


def pages(ids: dict) -> list[Page]:
    loan = ids["loan"]
    out = [
        Page("worklist", "specialist1", "/delinquency/worklist/"),
        Page("worklist, page 2", "specialist1", "NEXT_WORKLIST_PAGE"),
        Page("worklist filtered (htmx)", "specialist1", "/delinquency/worklist/?bucket=30-59", {"HX-Request": "true"}),
        Page("loan page", "specialist1", f"/loans/{loan}/"),
        Page("loan activity (htmx)", "specialist1", f"/delinquency/loans/{loan}/activity/", {"HX-Request": "true"}),
        Page("loan workouts (htmx)", "specialist1", f"/workouts/loans/{loan}/summary/", {"HX-Request": "true"}),
        Page("evaluation page", "specialist1", f"/workouts/loans/{loan}/evaluate/"),
        Page("letters log", "specialist1", f"/letters/loans/{ids['letters_loan']}/"),
        Page("search by surname", "specialist1", f"/loans/?q={ids['surname']}"),
        Page("search by loan number", "specialist1", f"/loans/?q={ids['loan_number']}"),
        Page("approval queue", "manager1", "/workouts/approvals/"),
        Page("dashboard", "manager1", "/delinquency/dashboard/"),
        Page("reassign", "manager1", "/delinquency/reassign/"),
        Page("audit timeline", "manager1", f"/audit/loans/{loan}/"),
        Page("loan page", "manager1", f"/loans/{loan}/"),
        Page("rules page", "admin1", "/rules/"),
        Page("scan runs", "admin1", "/delinquency/scans/"),
        Page("team", "admin1", "/team/"),
    ]
    if ids["task"]:
        out.insert(3, Page("call log form", "specialist1", f"/delinquency/tasks/{ids['task']}/call/"))
    if ids["workout"]:
        out.insert(-5, Page("approval review", "manager1", f"/workouts/approvals/{ids['workout']}/"))
    return out


def measure(client, page: Page, repeat: int) -> tuple[int, list[float], int, float]:
    """(status, latencies in seconds, queries of one request, median CPU seconds of this
    process per request: Django's own work, less sensitive than wall time to a busy machine)."""
    from django.db import connection

    headers = page.headers or {}
    status = 0
    for _ in range(2):  # warm-up: imports, template loading, caches
        status = client.get(page.path, headers=headers).status_code
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(page.path, headers=headers).status_code
    times, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(page.path, headers=headers)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return status, times, len(queries), statistics.median(cpu)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=2000, help="demo loans (make run seeds 2,000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--db", default=DATABASE, help="scratch database name (dropped and recreated)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already has --loans loans")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not base.startswith("postgres"):
        parser.error("the page benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    # Production rendering: DEBUG off (no query log, cached templates), plain http cookies.
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 40,
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    from bench.load import prepare_database
    from bench.seed import admin_execute

    prepare_database(base, args.db, args.loans, args.reuse, "demo")
    try:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from borrowers.demo.users import ensure_demo_users

        ensure_demo_users()
        users = {
            u.username: u for u in get_user_model().objects.filter(username__in=["specialist1", "manager1", "admin1"])
        }
        clients = {}
        for name, user in users.items():
            clients[name] = Client()
            clients[name].force_login(user)
        ids = subjects()
        anonymous = Client()
        _, base_times, base_queries, base_cpu = measure(anonymous, Page("/healthz", "", "/healthz"), args.repeat)
        base_median = statistics.median(base_times)

        from delinquency.models import CallTask

        worklist = clients["specialist1"].get("/delinquency/worklist/").content.decode()
        link = re.search(r'href="(/delinquency/worklist/\?after=[^"]+)"', worklist)
        next_page = html.unescape(link.group(1)) if link else ""
        open_tasks = CallTask.objects.filter(assigned_to=users["specialist1"], status=CallTask.Status.OPEN).count()

        print(f"\n{args.loans:,} demo loans, {args.repeat} requests per page, DEBUG off, {os.cpu_count()} cores")
        print(f"specialist1: {open_tasks:,} open tasks")
        header = ("page", "role", "status", "median ms", "p95 ms", "x healthz", "cpu ms", "cpu x", "queries")
        line = "{:<26} {:<12} {:>6} {:>10} {:>8} {:>10} {:>7} {:>6} {:>8}"
        print(line.format(*header))
        print(
            line.format(
                "/healthz (baseline)",
                "-",
                200,
                f"{base_median * 1000:.1f}",
                f"{p95(base_times) * 1000:.1f}",
                "1.0x",
                f"{base_cpu * 1000:.1f}",
                "1.0x",
                base_queries,
            )
        )
        failures = 0
        for page in pages(ids):
            if page.path == "NEXT_WORKLIST_PAGE":
                if not next_page:
                    continue
                page.path = next_page
            status, times, queries, cpu = measure(clients[page.role], page, args.repeat)
            failures += status != 200
            median = statistics.median(times)
            print(
                line.format(
                    page.name,
                    page.role,
                    status,
                    f"{median * 1000:.1f}",
                    f"{p95(times) * 1000:.1f}",
                    f"{median / base_median:.1f}x",
                    f"{cpu * 1000:.1f}",
                    f"{cpu / base_cpu:.0f}x" if base_cpu else "-",
                    queries,
                )
            )
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        return 1 if failures else 0
    finally:
        if not (args.keep or args.reuse):
            from django.db import connection

            connection.close()
            admin_execute(base, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
