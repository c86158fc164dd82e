"""API clients for the personas: each authenticates with its own API token, as integrators do."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def client_for(db):
    """client_for(user) -> an APIClient sending that user's token; client_for(None) is anonymous."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def persona(request):
    """The persona named by a test's `persona` parametrization (None is anonymous); only that
    persona's user is created."""
    name = {"anonymous": None, "admin": "admin_user"}.get(request.param, request.param)
    return None if name is None else request.getfixturevalue(name)


NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def today(time_machine):
    """Every API test runs at noon on Friday 2026-11-27 in the servicer's zone."""
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)
    return TODAY


def assert_error(response, status: int, code: str, fields: dict | None = None) -> dict:
    """The one error shape: exactly code, message and fields."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    if fields is not None:
        assert body["fields"] == fields
    return body
