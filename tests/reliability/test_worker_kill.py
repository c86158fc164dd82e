"""A real Celery worker SIGKILLed in the middle of the nightly scan, then started again: the
in-flight chunk comes back (acks_late), the chord finishes, and a rerun of the date leaves
exactly the tables a clean scan leaves, with no duplicate or missing task.

Needs CELERY_BROKER_URL (a Redis database of its own, e.g. redis://127.0.0.1:6379/7, flushed
here) and PostgreSQL; skipped otherwise.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from delinquency import scan
from delinquency.models import BucketEvent, CallTask, LoanDelinquency, ScanRun
from delinquency.tasks import scan_business_date
from tests.factories import LoanFactory
from tests.reliability.conftest import forget_celery_connections, needs_postgres
from tests.reliability.scan_state import open_task_duplicates, scan_state

pytestmark = [
    needs_postgres,
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 27)
CHUNK = 2
WAIT_SECONDS = 30


def start_worker(**env: str) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.worker_main"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        worker.send_signal(sig)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}: runs {list(ScanRun.objects.values())}")


def finished_run(after=None):
    run = ScanRun.objects.filter(business_date=AS_OF, status="done").first()
    return run if run and (after is None or run.finished_at > after) else None


@pytest.fixture
def portfolio(specialist, monkeypatch):
    monkeypatch.setattr(scan, "CHUNK_SIZE", CHUNK)
    for due in (date(2026, 11, 1), date(2026, 10, 1), date(2026, 12, 1), date(2026, 8, 1), date(2026, 11, 1)):
        LoanFactory(next_due_date=due, assigned_to=specialist)
    LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    assert len(scan.chunks_for_active_loans()) == 3


@pytest.fixture
def broker(monkeypatch):
    """A Redis database of its own for this test's workers and the chord it sends, so no other
    consumer left in this process (an earlier in-process worker) can take its messages."""
    import redis

    from lossmit.celery import app as celery_app

    url = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/14"
    redis.Redis.from_url(url).flushdb()
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # the worker subprocesses inherit it
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    conf = celery_app.conf
    saved = (conf.broker_url, conf.result_backend)
    conf.broker_url = conf.result_backend = url
    forget_celery_connections()
    yield
    conf.broker_url, conf.result_backend = saved
    forget_celery_connections()


def test_worker_killed_mid_scan_then_restarted_and_rerun_matches_a_clean_run(portfolio, broker):
    # The clean run, in this process, then its traces removed (the loans carry no other state
    # the scan changes: every loan is assigned, there are no promises).
    scan.run_scan(as_of=AS_OF)
    clean = scan_state()
    for model in (CallTask, BucketEvent, LoanDelinquency, ScanRun):
        model.objects.all().delete()

    # Each chunk sleeps long enough that the kill lands mid-scan even on a loaded machine.
    first = start_worker(SLOW_CHUNK_SECONDS="5")
    second = None
    try:
        scan_business_date(AS_OF.isoformat())  # claims the date, sends the chord to Redis
        wait_for(lambda: LoanDelinquency.objects.exists(), "the first chunk")
        stop(first, signal.SIGKILL)  # the second chunk is in flight, unacknowledged
        assert ScanRun.objects.get(business_date=AS_OF).status == "running"

        second = start_worker(VISIBILITY_TIMEOUT="1")
        resumed = wait_for(finished_run, "the restarted worker to finish the chord")
        assert (resumed.chunks_done, resumed.loans_scanned) == (3, 6)
        after_restart = scan_state()

        scan_business_date(AS_OF.isoformat())  # the operator reruns the date
        rerun = wait_for(lambda: finished_run(after=resumed.finished_at), "the rerun")
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)

    assert after_restart == clean
    assert open_task_duplicates() == []
    # The rerun changes nothing; its run row differs only in counting no newly assigned tasks.
    assert rerun.tasks_assigned == 0
    after_rerun = scan_state()
    assert after_rerun.pop("runs") == [(*clean["runs"][0][:7], 0, [])]
    clean.pop("runs")
    assert after_rerun == clean
