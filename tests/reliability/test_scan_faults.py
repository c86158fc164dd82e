"""Faults during the nightly scan: a worker dying mid-scan, a chunk failing, the database
dropping a connection. Each ends, after the retry or rerun the product relies on, in exactly
the state a clean scan of the same data leaves.

The "same data" is one portfolio (the demo seeder, deterministic) under a savepoint: the faulted
run happens first, its tables are snapshotted, the savepoint is rolled back and a clean run on
the untouched data is snapshotted for comparison. Celery runs eagerly here (tests/conftest.py),
chords and retries included; tests/reliability/test_worker_kill.py does it with a real worker.
No threads here, so these run on SQLite as well as PostgreSQL.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import OperationalError, transaction

from borrowers.demo.seeder import seed_demo
from delinquency import scan
from delinquency.models import CallTask, ScanRun
from delinquency.tasks import scan_business_date, scan_chunk_task, scan_nightly
from lossmit.celery import app as celery_app
from tests.reliability.scan_state import open_task_duplicates, scan_state

pytestmark = [pytest.mark.django_db]

AS_OF = date(2026, 11, 27)
NIGHT = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)  # 01:30 in New York, when beat starts the scan
LOANS = 240
CHUNK = 30  # eight chunks


@contextmanager
def as_a_worker_does():
    """Eager tasks that behave as on a worker: a failing task's on_failure runs and autoretry
    retries (with eager propagation on, Celery re-raises at once and skips both)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def portfolio(monkeypatch):
    """A small demo portfolio (every delinquency band, promises, holds, NSFs), cut into chunks."""
    with time_machine.travel(NIGHT, tick=False):
        seed_demo(loans=LOANS, seed=11, as_of=AS_OF, workers=0)
    monkeypatch.setattr(scan, "CHUNK_SIZE", CHUNK)
    chunks = scan.chunks_for_active_loans()
    assert len(chunks) >= 6
    return chunks


def clean_run_state(savepoint) -> dict:
    """Undo everything since `savepoint` and scan the untouched portfolio once, cleanly."""
    transaction.savepoint_rollback(savepoint)
    assert not ScanRun.objects.exists()
    with time_machine.travel(NIGHT, tick=False):
        assert scan_business_date.delay(AS_OF.isoformat()).get() == "dispatched"
    state = scan_state()
    assert state["runs"][0][1] == "done"
    assert sum(len(v) for v in state.values()) > LOANS  # the comparison is not between two empty tables
    return state


def test_worker_killed_mid_scan_then_rescanned_matches_a_clean_run(portfolio):
    """A worker dies after half the chunks (no finish step, the run left 'running'): an
    immediate rerun is refused by the date's lock; once the run is stale, the next night's
    catch-up rescans the date and the tables end exactly as after one clean scan."""
    savepoint = transaction.savepoint()
    with time_machine.travel(NIGHT, tick=False):
        scan.scan_claim(as_of=AS_OF, chunks_total=len(portfolio))
        for chunk in portfolio[: len(portfolio) // 2]:
            scan_chunk_task.apply(args=(AS_OF.isoformat(), chunk.lo, chunk.hi)).get()
        # Part of the next chunk written as well: the rerun must cope with any mix of scanned
        # and unscanned loans, whatever the chunk boundaries were.
        scan.scan_chunk(as_of=AS_OF, lo=portfolio[len(portfolio) // 2].lo, hi=portfolio[len(portfolio) // 2].lo + 1)
        assert scan_business_date.delay(AS_OF.isoformat()).get() == "locked"
    assert ScanRun.objects.get().status == "running"

    with time_machine.travel(NIGHT + scan.STALE_RUN + timedelta(minutes=1), tick=False):
        assert scan_nightly() == [AS_OF.isoformat()]  # beat's entry: the date is not done, scan it
    faulted = scan_state()
    assert open_task_duplicates() == []

    assert faulted == clean_run_state(savepoint)


def test_chunk_failing_marks_the_run_failed_and_a_rerun_matches_a_clean_run(portfolio, monkeypatch):
    """One chunk raises (not a retryable database error): the run is recorded failed with the
    chunk and the error; rerunning the date at once completes it, as a clean run would."""
    real_chunk = scan.scan_chunk
    broken = portfolio[3]

    def chunk_or_crash(*, as_of, lo, hi):
        if lo == broken.lo:
            raise RuntimeError("worker lost: SIGKILL")
        return real_chunk(as_of=as_of, lo=lo, hi=hi)

    savepoint = transaction.savepoint()
    monkeypatch.setattr(scan, "scan_chunk", chunk_or_crash)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        dispatch = scan_business_date.delay(AS_OF.isoformat())
    assert dispatch.failed()  # the chord fails without running its finish step
    run = ScanRun.objects.get()
    assert run.status == "failed"
    assert run.failures == [
        {"where": f"chunk {broken.lo}-{broken.hi}", "error": "RuntimeError('worker lost: SIGKILL')"}
    ]

    monkeypatch.setattr(scan, "scan_chunk", real_chunk)
    with time_machine.travel(NIGHT + timedelta(minutes=5), tick=False):
        assert scan_business_date.delay(AS_OF.isoformat()).get() == "dispatched"
    faulted = scan_state()
    assert open_task_duplicates() == []

    assert faulted == clean_run_state(savepoint)


def test_dropped_database_connection_makes_the_chunk_retry(portfolio, monkeypatch):
    """The database drops the connection under one chunk: the task retries (autoretry on
    OperationalError) instead of failing silently, and the scan ends as a clean one does."""
    real_chunk = scan.scan_chunk
    flaky = portfolio[2]
    attempts: list[int] = []

    def chunk_dropping_once(*, as_of, lo, hi):
        if lo == flaky.lo:
            attempts.append(scan_chunk_task.request.retries)
            if len(attempts) == 1:
                raise OperationalError("server closed the connection unexpectedly")
        return real_chunk(as_of=as_of, lo=lo, hi=hi)

    savepoint = transaction.savepoint()
    monkeypatch.setattr(scan, "scan_chunk", chunk_dropping_once)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        assert scan_business_date.delay(AS_OF.isoformat()).get() == "dispatched"

    assert attempts == [0, 1]  # first try, then one retry
    run = ScanRun.objects.get()
    assert (run.status, run.failures, run.chunks_done) == ("done", [], len(portfolio))
    faulted = scan_state()

    assert faulted == clean_run_state(savepoint)


def test_database_down_for_good_fails_the_chunk_visibly_after_its_retries(portfolio, monkeypatch):
    """A connection that never comes back: the chunk is retried up to its limit, then the run
    is recorded failed with the error, so the scan-runs API and the next night see it."""
    attempts: list[int] = []

    def chunk_never_connects(*, as_of, lo, hi):
        attempts.append(scan_chunk_task.request.retries)
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(scan, "scan_chunk", chunk_never_connects)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        scan.scan_claim(as_of=AS_OF, chunks_total=1)
        result = scan_chunk_task.apply(args=(AS_OF.isoformat(), portfolio[0].lo, portfolio[0].hi))

    assert result.failed()
    assert attempts == list(range(scan_chunk_task.max_retries + 1))
    run = ScanRun.objects.get()
    assert run.status == "failed"
    assert run.failures[0]["where"] == f"chunk {portfolio[0].lo}-{portfolio[0].hi}"
    assert "could not connect" in run.failures[0]["error"]
    assert not CallTask.objects.exists()


def test_dropped_connection_in_the_finish_step_retries_it(portfolio, monkeypatch):
    """The connection drops while the finish step assigns tasks and records the run: the step
    retries (scan_finish is safe to repeat) and the run ends done, not stuck 'running'."""
    real_finish = scan.scan_finish
    attempts: list[int] = []

    def finish_dropping_once(**kwargs):
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_finish(**kwargs)

    savepoint = transaction.savepoint()
    monkeypatch.setattr(scan, "scan_finish", finish_dropping_once)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        assert scan_business_date.delay(AS_OF.isoformat()).get() == "dispatched"

    assert attempts == [0, 1]
    run = ScanRun.objects.get()
    assert (run.status, run.failures, run.chunks_done) == ("done", [], len(portfolio))
    faulted = scan_state()

    assert faulted == clean_run_state(savepoint)
