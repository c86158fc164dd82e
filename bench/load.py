"""Load test: the worklist, a loan page and the loans API at 20 concurrent users, on loopback,
against gunicorn with 2 workers, next to a /healthz baseline measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py [--loans N]

Creates a scratch PostgreSQL database (`lossmit_load` or --db, dropped and recreated unless
--reuse finds it already seeded with N loans), seeds N loans (default 1,000,000): up to 200,000
with the demo seeder's COPY path (borrowers/demo/seeder.py, as `manage.py seed_demo` does),
above that with bench/scan.py's bare COPY rows (--seeder); runs the delinquency scan so the
worklist has tasks, then starts gunicorn on 127.0.0.1 and drives it with USERS threads:

- baseline: GET /healthz (no login; a database round trip, the cheapest real request);
- worklist: GET /delinquency/worklist/ logged in as the demo specialist (session cookie);
- loan page: GET /loans/<random id>/ as the same specialist;
- loans API: GET /api/v1/loans/ with the token of a second demo user.

Each endpoint is driven alone, at the same concurrency, for at most --seconds seconds and
--requests requests, so every figure is a latency under the same load. Prints p50/p95/p99 and
the error count per endpoint, and the p95 ratio to the baseline's p95. Exit status: 1 if any
request failed (a status other than 200 or a connection error), 2 if a p95 ratio is above
--target (5x), 0 otherwise. The server is stopped on every exit path.
"""

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed import admin_execute, scratch_url, setup_django  # noqa: E402 -- needs ROOT on sys.path

DATABASE = "lossmit_load"
AS_OF = date(2026, 11, 27)
SPECIALIST = "specialist1"  # the demo specialist: session login
TOKEN_USER = "manager1"  # the API client: token login
SERVER_START_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 30
WARMUP_REQUESTS = 4  # per endpoint, one at a time, before measuring: both workers import views, caches fill
DEMO_SEEDER_MAX = 200_000  # seed_demo takes ~4 min per 100k loans on two busy cores; COPY rows above
DRAIN_SECONDS = 30  # after a phase, how long the server may take to work off requests clients gave up on


@dataclass
class Endpoint:
    name: str
    paths: object  # a callable returning the next path
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add_error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(base: str, name: str, loans: int, reuse: bool, seeder: str) -> str:
    """Seed (or reuse) the scratch database; return its URL. Django is set up on it afterwards."""
    url = scratch_url(base, name)
    if reuse and _seeded_loans(url) == loans:
        print(f"reusing {name} with {loans:,} loans", flush=True)
        setup_django(url)
        return url
    admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    setup_django(url)
    from delinquency import scan

    started = time.perf_counter()
    if seeder == "demo":
        from borrowers.demo.seeder import seed_demo

        seed_demo(loans=loans, seed=42, as_of=AS_OF)
    else:
        # bench/scan.py's bare COPY rows (no payment histories): a million loans in minutes.
        # Spread over the demo specialists and bench/scan.py's fifty, as a servicer's floor is.
        from bench.scan import make_specialists
        from bench.scan import seed as bare_seed
        from borrowers.demo.users import DEMO_USERS, ensure_demo_users

        demo = ensure_demo_users()
        users = [demo[u.username].pk for u in DEMO_USERS if u.role == "Specialist"] + make_specialists()
        bare_seed(loans, 1, random.Random(2026), users)
    print(f"seeded {loans:,} loans ({seeder}) in {time.perf_counter() - started:.1f} s", flush=True)
    run = scan.run_scan(as_of=AS_OF)
    print(
        f"scanned as of {AS_OF}: {run.loans_scanned:,} loans, tasks {run.task_counts}"
        f" ({time.perf_counter() - started:.1f} s with the seed)",
        flush=True,
    )
    # A server settles after a bulk load: autovacuum sets the visibility map (index-only scans
    # stop visiting the heap) and refreshes the statistics within minutes. Do it now rather
    # than measure the first minutes after a million-row load.
    admin_execute(base, "VACUUM (ANALYZE)", database=name)
    print(f"vacuumed and analysed ({time.perf_counter() - started:.1f} s in all)", flush=True)
    return url


def _seeded_loans(url: str) -> int | None:
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM borrowers_loan")
            return cur.fetchone()[0]
    except psycopg2.Error:
        return None
    finally:
        conn.close()


def credentials() -> tuple[str, str, list[int], int]:
    """The specialist's password, a fresh API token for the token user, the loan ids, and how
    many open tasks the specialist's worklist holds."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.services import api_token_issue
    from borrowers.demo.users import DEMO_USERS, ensure_demo_users
    from borrowers.models import Loan

    ensure_demo_users()  # resets the demo passwords, so a reused database logs in too
    password = next(u.password for u in DEMO_USERS if u.username == SPECIALIST)
    token = api_token_issue(actor=None, user=get_user_model().objects.get(username=TOKEN_USER)).key
    from delinquency.models import CallTask

    loan_ids = list(Loan.objects.values_list("id", flat=True))
    worklist = CallTask.objects.filter(assigned_to__username=SPECIALIST, status=CallTask.Status.OPEN).count()
    connection.close()  # gunicorn's workers must not share this process's connection
    return password, token, loan_ids, worklist


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "lossmit.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-only-" + "x" * 40,
        "SECURE_COOKIES": "0",  # plain http on loopback: the session cookie must travel
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)  # the baseline is the database round trip, not Redis
    command = [
        str(Path(sys.executable).parent / "gunicorn"),  # this interpreter's venv (worktrees share one)
        "lossmit.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start listening")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def login(base_url: str, username: str, password: str) -> dict:
    """Log in through the login form like a browser; return the session cookies."""
    import requests

    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=REQUEST_TIMEOUT_SECONDS)
    page.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    answer = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"login as {username} failed: {answer.status_code}")
    return session.cookies.get_dict()


def drive(base_url: str, endpoint: Endpoint, users: int, seconds: float, max_requests: int) -> Result:
    """`users` threads, each with its own HTTP session, request until the time or the request
    budget runs out."""
    import requests

    result = Result()
    lock = threading.Lock()
    budget = [max_requests]
    stop_at = time.monotonic() + seconds

    def user() -> None:
        session = requests.Session()
        session.headers.update(endpoint.headers)
        session.cookies.update(endpoint.cookies)
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            path = endpoint.paths()
            started = time.perf_counter()
            try:
                answer = session.get(base_url + path, allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS)
                elapsed = time.perf_counter() - started
                ok = answer.status_code == 200
                text = f"{path}: {answer.status_code}"
            except requests.RequestException as exc:
                elapsed, ok, text = 0.0, False, f"{path}: {type(exc).__name__}"
            with lock:
                if ok:
                    result.latencies.append(elapsed)
                else:
                    result.add_error(text)
        session.close()

    threads = [threading.Thread(target=user, daemon=True) for _ in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT_SECONDS + 5)
    result.seconds = time.perf_counter() - started
    return result


def drained(base_url: str) -> bool:
    """Has the server worked off its backlog: does /healthz answer within a second?"""
    import requests

    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
    return False


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20, help="concurrent users (threads)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per endpoint")
    parser.add_argument("--requests", type=int, default=2000, help="request limit per endpoint")
    parser.add_argument("--target", type=float, default=5.0, help="p95 ratio to the baseline that passes")
    parser.add_argument(
        "--seeder",
        choices=["demo", "bare", "auto"],
        default="auto",
        help="demo: seed_demo's portfolio with payment histories; bare: bench/scan.py's COPY rows;"
        f" auto: demo up to {DEMO_SEEDER_MAX:,} loans, bare above",
    )
    parser.add_argument("--db", default=DATABASE, help="scratch database name (dropped and recreated)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already has --loans loans")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not base.startswith("postgres"):
        parser.error("the load test needs PostgreSQL: set DATABASE_URL=postgres://...")
    keep = args.keep or args.reuse
    seeder = args.seeder if args.seeder != "auto" else ("demo" if args.loans <= DEMO_SEEDER_MAX else "bare")
    url = prepare_database(base, args.db, args.loans, args.reuse, seeder)
    server = None
    try:
        password, token, loan_ids, worklist_tasks = credentials()
        port = free_port()
        server = start_server(url, port, args.workers)
        base_url = f"http://127.0.0.1:{port}"
        cookies = login(base_url, SPECIALIST, password)
        rng = random.Random(7)
        rng_lock = threading.Lock()

        def random_loan() -> str:
            with rng_lock:
                return f"/loans/{rng.choice(loan_ids)}/"

        endpoints = [
            Endpoint("baseline /healthz", lambda: "/healthz"),
            Endpoint("worklist", lambda: "/delinquency/worklist/", cookies=cookies),
            Endpoint("loan page", random_loan, cookies=cookies),
            Endpoint("loans API", lambda: "/api/v1/loans/", headers={"Authorization": f"Token {token}"}),
        ]
        for endpoint in endpoints:
            drive(base_url, endpoint, 1, REQUEST_TIMEOUT_SECONDS, WARMUP_REQUESTS)
        drained(base_url)
        print(
            f"\n{args.loans:,} loans, gunicorn {args.workers} workers on 127.0.0.1, {args.users} concurrent users,"
            f" each endpoint alone for <= {args.seconds:g} s / {args.requests} requests; {os.cpu_count()} cores"
        )
        print(f"{SPECIALIST}'s worklist: {worklist_tasks:,} open tasks")
        header = ("endpoint", "ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "p95/base")
        print("{:<18} {:>6} {:>6} {:>7} {:>8} {:>8} {:>8} {:>9}".format(*header))
        results: dict[str, Result] = {}
        for endpoint in endpoints:
            results[endpoint.name] = drive(base_url, endpoint, args.users, args.seconds, args.requests)
            if not drained(base_url):
                # Requests the clients timed out on still occupy the sync workers; the next
                # endpoint must not be measured behind them.
                print(f"  (server still busy {DRAIN_SECONDS} s after {endpoint.name}: restarting it)", flush=True)
                stop_server(server)
                server = start_server(url, port, args.workers)
        base_p95 = percentile(results[endpoints[0].name].latencies, 95)
        failed_target = []
        for name, result in results.items():
            lat = result.latencies
            p50, p95, p99 = (percentile(lat, p) * 1000 for p in (50, 95, 99))
            ratio = (p95 / 1000) / base_p95 if base_p95 and lat else float("nan")
            if name != endpoints[0].name and not ratio <= args.target:
                failed_target.append(name)
            rate = len(lat) / result.seconds if result.seconds else 0
            print(
                f"{name:<18} {len(lat):>6} {result.errors:>6} {rate:>7.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"
                f" {ratio:>8.1f}x"
            )
            for sample in result.error_samples:
                print(f"    error: {sample}")
        errors = sum(r.errors for r in results.values())
        print(f"errors: {errors}; target p95 <= {args.target:g}x baseline: ", end="")
        print("met" if not failed_target else f"MISSED by {', '.join(failed_target)}")
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        if errors:
            return 1
        return 2 if failed_target else 0
    finally:
        if server is not None:
            stop_server(server)
        if not keep:
            from django.db import connection

            connection.close()
            admin_execute(base, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
