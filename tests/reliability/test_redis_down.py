"""Redis (broker and result backend) down: the web app keeps answering, /healthz says which
part is failing, and a scan that cannot be dispatched is visible as failed, not an exception
page and not a run stuck 'running' that locks the date.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from kombu.exceptions import OperationalError as BrokerError

from delinquency import scan
from delinquency.models import ScanRun
from delinquency.tasks import scan_business_date
from lossmit.celery import app as celery_app
from tests.factories import LoanFactory
from tests.reliability.conftest import forget_celery_connections

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
AS_OF = date(2026, 11, 27)


@pytest.fixture
def redis_down(settings):
    """The web process configured for Redis, as in production, with Redis not answering."""
    settings.CELERY_BROKER_URL = CLOSED_PORT
    conf = celery_app.conf
    saved = (conf.broker_url, conf.result_backend, conf.task_always_eager, conf.result_backend_transport_options)
    conf.broker_url, conf.result_backend, conf.task_always_eager = CLOSED_PORT, CLOSED_PORT, False
    # Celery's default retries the result store for about 20 s before giving up; the outcome
    # is the same with one quick retry, and the test stays fast.
    conf.result_backend_transport_options = {"retry_policy": {"max_retries": 1, "interval_max": 0.1}}
    forget_celery_connections()
    yield
    conf.broker_url, conf.result_backend, conf.task_always_eager, conf.result_backend_transport_options = saved
    forget_celery_connections()


@pytest.fixture
def loans(specialist):
    return [
        LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist),
        LoanFactory(next_due_date=date(2026, 12, 1), assigned_to=specialist),
    ]


def test_pages_still_answer(redis_down, client, specialist, loans):
    """Loan search, a loan page and the worklist need no broker: 200 with Redis down."""
    client.force_login(specialist)
    assert client.get("/loans/", {"q": loans[0].loan_number}).status_code == 200
    assert client.get(f"/loans/{loans[0].pk}/").status_code == 200
    assert client.get("/delinquency/worklist/").status_code == 200


def test_healthz_names_the_broker(redis_down, client):
    """The probe answers 503, the database still ok, the broker named as failing."""
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def test_the_scan_command_still_scans(redis_down, loans):
    """The operator's fallback: `run_delinquency_scan` runs the chunks in-process, no broker."""
    out = StringIO()
    call_command("run_delinquency_scan", "--as-of", AS_OF.isoformat(), "--no-progress", stdout=out)
    assert ScanRun.objects.get(business_date=AS_OF).status == "done"
    assert "done: 2 loans" in out.getvalue()


def test_scan_dispatch_with_redis_down_is_recorded_failed(redis_down, client, manager, loans):
    """A scan started while Redis is down (the date's task run by hand or by a worker that lost
    the broker) cannot fan its chunks out: its run must read failed, with the broker error, on
    the scan-runs API, and the date must not stay locked."""
    with pytest.raises((BrokerError, RuntimeError)):  # RuntimeError: the result store's retries ran out
        scan_business_date(AS_OF.isoformat())  # the error still reaches the caller (a worker logs it)

    run = ScanRun.objects.get(business_date=AS_OF)
    assert run.status == "failed", (run.status, run.failures)
    assert [failure["where"] for failure in run.failures] == ["dispatch"]
    assert run.failures[0]["error"].startswith(("RuntimeError", "OperationalError"))
    client.force_login(manager)
    listed = client.get("/api/v1/scan-runs/").json()
    assert listed[0]["status"] == "failed"
    scan.scan_claim(as_of=AS_OF)  # not ScanLocked: the date can be scanned again once Redis is back
