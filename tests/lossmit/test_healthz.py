import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_reports_ok_without_login(client, settings):
    """An anonymous probe gets 200 and each part's status when everything answers."""
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "eager"}}


@pytest.mark.django_db
def test_healthz_names_a_dead_broker(client, settings):
    """A broker that does not answer makes the probe 503 and names it."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "ok", "broker": "error: ConnectionError"},
        "failing": ["broker"],
    }


@pytest.mark.django_db
def test_healthz_names_a_failing_database(client, settings, monkeypatch):
    """A database error makes the probe 503 and names the database."""
    settings.CELERY_BROKER_URL = ""

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("lossmit.health.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: OperationalError"
    assert response.json()["failing"] == ["database"]


@pytest.mark.django_db
@pytest.mark.skipif("not __import__('os').environ.get('CELERY_BROKER_URL')", reason="needs the CI Redis broker")
def test_healthz_reaches_the_real_broker(client, settings):
    """With the CI Redis configured, the broker check pings it for real."""
    import os

    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    assert client.get("/healthz").json()["checks"]["broker"] == "ok"
