"""End to end with a real Celery worker on the Redis broker: the nightly task fans the chunks
out as a chord, the worker runs them and the finish step, and the scan run is recorded.

Needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/5) and PostgreSQL; skipped otherwise.
"""

import os
import time
from datetime import date

import pytest
from django.db import connection

from delinquency import scan
from delinquency.models import CallTask, LoanDelinquency, ScanRun
from tests.factories import LoanFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"),
]


@pytest.fixture
def worker():
    import redis
    from celery.contrib.testing.worker import start_worker

    from lossmit.celery import app

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()  # no stale messages from earlier runs
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30) as w:
        yield w


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_nightly_scan(worker, specialist, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the worker test runs on PostgreSQL")
    from delinquency.tasks import scan_business_date

    monkeypatch.setattr(scan, "CHUNK_SIZE", 2)  # several chunks, so the chord really fans out
    loans = [LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist) for _ in range(3)]
    loans.append(LoanFactory(assigned_to=specialist))
    loans.append(LoanFactory(next_due_date=date(2026, 10, 1)))

    scan_business_date.delay("2026-11-27")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = ScanRun.objects.filter(business_date=date(2026, 11, 27), status="done").first()
        if run is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the scan did not finish: {list(ScanRun.objects.values())}")

    assert (run.loans_scanned, run.chunks_total, run.chunks_done) == (5, 3, 3)
    assert run.bucket_counts == {"current": 1, "1-29": 3, "30-59": 1}
    assert run.task_counts == {"regx_live_contact": 4, "regx_written_notice": 4}
    assert LoanDelinquency.objects.count() == 5
    assert set(CallTask.objects.values_list("assigned_to__username", flat=True)) == {"maria"}
