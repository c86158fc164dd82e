"""GET /healthz: 503 when the web process cannot work (database, broker); 200 "degraded" with a
`scan` section when the nightly scan failed or is overdue (restarting web would not fix it).

The clock: Saturday Nov 28, 2026, 12:00 Eastern unless a test moves it. The default schedule
starts at 01:30 and the scan gets two hours (SCAN_GRACE), so by 03:30 business date Nov 27
should be scanned; before that, Nov 26."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.utils import OperationalError

from delinquency.models import ScanRun, ScanSchedule
from tests.reliability.conftest import forget_celery_connections

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOON = datetime(2026, 11, 28, 12, 0, tzinfo=NEW_YORK)
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture(autouse=True)
def _eager_and_noon(settings, time_machine):
    settings.CELERY_BROKER_URL = ""
    time_machine.move_to(NOON, tick=False)


def _run(day: date, status: str = "done", failures: list | None = None) -> ScanRun:
    start = datetime.combine(day + timedelta(days=1), time(1, 30), tzinfo=NEW_YORK)
    return ScanRun.objects.create(
        business_date=day,
        status=status,
        started_at=start,
        finished_at=None if status == "running" else start + timedelta(seconds=42),
        failures=failures or [],
    )


def _summary(day: str, status: str, finished: str | None, failures: int = 0) -> dict:
    started = f"{date.fromisoformat(day) + timedelta(days=1)}T06:30:00+00:00"
    return {
        "business_date": day,
        "status": status,
        "started_at": started,
        "finished_at": finished,
        "failures": failures,
    }


def test_healthz_reports_ok_without_login(client):
    """An anonymous probe gets 200, each part's status and last night's scan when all is well."""
    _run(date(2026, 11, 27))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "eager", "scan": "ok"},
        "scan": {
            "last_run": _summary("2026-11-27", "done", "2026-11-28T06:30:42+00:00"),
            "expected_business_date": "2026-11-27",
            "schedule": {"time": "01:30", "enabled": True},
            "problem": None,
        },
    }


def test_last_run_failed_is_degraded_not_503(client):
    """A failed scan: 200 (the web container stays up), status degraded, the failure counted."""
    _run(date(2026, 11, 26))
    _run(date(2026, 11, 27), "failed", [{"where": "chunk 1-20001", "error": "OperationalError()"}] * 2)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"] == {"database": "ok", "broker": "eager", "scan": "warn: last_run_failed"}
    assert body["degraded"] == ["scan"]
    assert "failing" not in body
    assert body["scan"]["last_run"] == _summary("2026-11-27", "failed", "2026-11-28T06:30:42+00:00", failures=2)
    assert body["scan"]["problem"] == "last_run_failed"


def test_missing_scan_after_the_grace_period_is_overdue(client, time_machine):
    """At 03:31 with only Nov 26 scanned, Nov 27's scan is overdue; at 03:29 it is not yet."""
    _run(date(2026, 11, 26))
    time_machine.move_to(datetime(2026, 11, 28, 3, 29, tzinfo=NEW_YORK), tick=False)
    before = client.get("/healthz").json()
    assert (before["status"], before["scan"]["expected_business_date"], before["scan"]["problem"]) == (
        "ok",
        "2026-11-26",
        None,
    )
    time_machine.move_to(datetime(2026, 11, 28, 3, 31, tzinfo=NEW_YORK), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["scan"] == "warn: overdue"
    assert body["scan"]["expected_business_date"] == "2026-11-27"
    assert body["scan"]["last_run"]["business_date"] == "2026-11-26"


def test_a_run_stuck_running_past_the_grace_period_is_overdue(client):
    _run(date(2026, 11, 26))
    _run(date(2026, 11, 27), "running")
    body = client.get("/healthz").json()
    assert (body["status"], body["scan"]["problem"], body["scan"]["last_run"]["status"]) == (
        "degraded",
        "overdue",
        "running",
    )


def test_no_scan_ever_is_overdue(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["scan"]["last_run"] is None
    assert body["scan"]["problem"] == "overdue"


def test_the_admins_schedule_moves_the_deadline(client, time_machine):
    """Scan moved to 05:00: at 06:59 Nov 26's scan is still enough; at 07:01 Nov 27's is due."""
    ScanSchedule.objects.create(time_of_day=time(5, 0), enabled=True)
    _run(date(2026, 11, 26))
    time_machine.move_to(datetime(2026, 11, 28, 6, 59, tzinfo=NEW_YORK), tick=False)
    early = client.get("/healthz").json()
    assert (early["status"], early["scan"]["schedule"]) == ("ok", {"time": "05:00", "enabled": True})
    time_machine.move_to(datetime(2026, 11, 28, 7, 1, tzinfo=NEW_YORK), tick=False)
    assert client.get("/healthz").json()["scan"]["problem"] == "overdue"


def test_healthz_names_a_dead_broker(client, settings):
    """A broker that does not answer makes the probe 503 and names it; the scan is reported too."""
    _run(date(2026, 11, 27))
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"] == {"database": "ok", "broker": "error: ConnectionError", "scan": "ok"}
    assert body["failing"] == ["broker"]
    assert "degraded" not in body


def test_healthz_names_a_failing_database(client, monkeypatch):
    """A database error makes the probe 503 and names the database; no scan section is read."""

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("lossmit.health.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "error: OperationalError", "broker": "eager"},
        "failing": ["database"],
    }


def test_a_broken_scan_read_still_answers(client, monkeypatch):
    """The scan check itself raising is reported, and the probe still answers 200 degraded."""

    def broken(**kwargs):
        raise ValueError("bad row")

    monkeypatch.setattr("lossmit.health.scan_health", broken)
    body = client.get("/healthz").json()
    assert (body["status"], body["checks"]["scan"], body["degraded"]) == ("degraded", "error: ValueError", ["scan"])


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The web process configured for Redis, as in production, with Redis not answering."""
    from lossmit.celery import app as celery_app

    settings.CELERY_BROKER_URL = CLOSED_PORT
    # Celery reads the environment's CELERY_BROKER_URL before its own broker_url (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT)
    conf = celery_app.conf
    saved = (conf.broker_url, conf.result_backend, conf.task_always_eager, conf.broker_transport_options)
    conf.broker_url, conf.result_backend, conf.task_always_eager = CLOSED_PORT, CLOSED_PORT, False
    conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    forget_celery_connections()
    yield
    conf.broker_url, conf.result_backend, conf.task_always_eager, conf.broker_transport_options = saved
    forget_celery_connections()


def test_redis_down_scan_failure_shows_on_the_page_and_in_healthz(redis_down, client, admin_user, manager):
    """Issue 7: with Redis down the web app keeps working; "Run scan now" cannot queue the scan,
    and that failure is recorded: the scan-runs page shows it and /healthz reports it (503 for
    the broker, the scan's failure in its section)."""
    _run(date(2026, 11, 26))
    client.force_login(admin_user)
    response = client.post("/delinquency/scans/run/", follow=True)
    assert response.status_code == 200
    assert "The scan for Nov 27 failed; the run below shows why." in response.content.decode()
    run = ScanRun.objects.get(business_date=date(2026, 11, 27))
    assert run.status == "failed"
    assert [f["where"] for f in run.failures] == ["dispatch"]
    assert run.failures[0]["error"].startswith("OperationalError")

    client.force_login(manager)
    page = client.get("/delinquency/scans/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "The last scan (business date 2026-11-27) <strong>failed</strong> with 1 failure" in html
    assert "OperationalError" in html

    client.logout()
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["broker"]
    assert body["degraded"] == ["scan"]
    assert body["checks"]["scan"] == "warn: last_run_failed"
    assert body["scan"]["last_run"]["business_date"] == "2026-11-27"
    assert body["scan"]["last_run"]["failures"] == 1


@pytest.mark.skipif("not __import__('os').environ.get('CELERY_BROKER_URL')", reason="needs the CI Redis broker")
def test_healthz_reaches_the_real_broker(client, settings):
    """With the CI Redis configured, the broker check pings it for real."""
    import os

    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    assert client.get("/healthz").json()["checks"]["broker"] == "ok"
