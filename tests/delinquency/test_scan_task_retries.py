"""Which failures the scan's Celery tasks retry: transient database errors (a dropped
connection, a serialization failure or deadlock) with backoff, never programming errors, which
fail the same way every time and are recorded at once. The beat entry task retries too."""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import IntegrityError, InterfaceError, OperationalError, ProgrammingError

from delinquency import scan
from delinquency.models import ScanRun
from delinquency.tasks import TRANSIENT_DB_ERRORS, scan_chunk_task, scan_finish_task, scan_nightly
from lossmit.celery import app as celery_app
from tests.factories import LoanFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 27)
NIGHT = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)  # 01:30 in New York


@contextmanager
def as_a_worker_does():
    """Eager tasks that retry and run on_failure as on a worker (eager propagation skips both)."""
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        celery_app.conf.task_eager_propagates = previous


def test_only_transient_database_errors_are_retried():
    assert (OperationalError, InterfaceError) == TRANSIENT_DB_ERRORS
    for task in (scan_nightly, scan_chunk_task, scan_finish_task):
        assert task.autoretry_for == TRANSIENT_DB_ERRORS
        assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter, task.max_retries) == (5, 300, True, 5)


@pytest.mark.parametrize("error", [ProgrammingError('relation "x" does not exist'), IntegrityError("duplicate key")])
def test_programming_error_in_a_chunk_fails_at_once_and_is_recorded(monkeypatch, error):
    LoanFactory()
    attempts: list[int] = []

    def chunk_with_a_bug(*, as_of, lo, hi):
        attempts.append(scan_chunk_task.request.retries)
        raise error

    monkeypatch.setattr(scan, "scan_chunk", chunk_with_a_bug)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        scan.scan_claim(as_of=AS_OF, chunks_total=1)
        result = scan_chunk_task.apply(args=(AS_OF.isoformat(), 1, 100))

    assert result.failed()
    assert attempts == [0]  # no retry
    run = ScanRun.objects.get()
    assert (run.status, run.failures) == ("failed", [{"where": "chunk 1-100", "error": repr(error)}])


def test_serialization_failure_in_a_chunk_is_retried(monkeypatch):
    loan = LoanFactory(next_due_date=date(2026, 10, 1))
    real_chunk = scan.scan_chunk
    attempts: list[int] = []

    def chunk_losing_a_race_once(*, as_of, lo, hi):
        attempts.append(scan_chunk_task.request.retries)
        if len(attempts) == 1:
            raise OperationalError("could not serialize access due to concurrent update")
        return real_chunk(as_of=as_of, lo=lo, hi=hi)

    monkeypatch.setattr(scan, "scan_chunk", chunk_losing_a_race_once)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        scan.scan_claim(as_of=AS_OF, chunks_total=1)
        result = scan_chunk_task.apply(args=(AS_OF.isoformat(), loan.pk, loan.pk + 1))

    assert result.get() == 1
    assert attempts == [0, 1]
    assert ScanRun.objects.get().failures == []


def test_nightly_entry_retries_when_the_database_drops(monkeypatch):
    """The task that works out the business dates reads the database: a dropped connection at
    01:30 retries it instead of losing the night."""
    LoanFactory()
    real_dates = scan.dates_to_scan
    calls: list[date] = []

    def dates_dropping_once(target):
        calls.append(target)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return real_dates(target)

    monkeypatch.setattr(scan, "dates_to_scan", dates_dropping_once)
    with time_machine.travel(NIGHT, tick=False), as_a_worker_does():
        result = scan_nightly.delay()

    assert result.get() == ["2026-11-27"]
    assert calls == [AS_OF, AS_OF]
    assert ScanRun.objects.get().status == "done"
