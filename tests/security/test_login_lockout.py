"""Login throttling (django-axes): five wrong passwords lock a username on an address for an
hour, even the right password is refused while locked, and a success clears the count."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory


def _login(client, username: str, password: str, *, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username: str, times: int, *, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = _login(client, username, "wrong-password", address=address)
        assert response.status_code in (200, 429)


def test_settings_match_the_policy():
    """The policy in settings: 5 failures, 1 hour, keyed on username and address, reset on success."""
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(hours=1) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_four_failures_still_let_the_right_password_in(client, specialist):
    """Below the limit a typo costs nothing: the right password logs in."""
    _fail(client, "maria", 4)
    response = _login(client, "maria", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_fifth_failure_shows_the_lockout_page(client, specialist):
    """The fifth wrong password answers 429 with a page that says what happened and for how long."""
    _fail(client, "maria", 4)
    response = _login(client, "maria", "wrong-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page
    assert "Too many failed logins" in page
    assert "60 minutes" in page
    assert "wrong-password" not in page


def test_locked_user_cannot_log_in_with_the_right_password(client, specialist):
    """While locked, even the right password is refused and no session is opened."""
    _fail(client, "maria", 5)
    response = _login(client, "maria", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still anonymous: sent to the login page


def test_lockout_is_per_username_and_address(client, specialist, other_specialist):
    """Maria locked on one computer can log in from another; Sam on the same computer is not affected."""
    _fail(client, "maria", 5, address="10.0.0.1")
    assert _login(client, "sam", PASSWORD, address="10.0.0.1").status_code == 302
    client.logout()
    assert _login(client, "maria", PASSWORD, address="10.0.0.2").status_code == 302


def test_lockout_ends_after_an_hour(client, specialist):
    """The cool-off is one hour: after it the right password works again."""
    _fail(client, "maria", 5)
    assert _login(client, "maria", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert _login(client, "maria", PASSWORD).status_code == 302


def test_success_resets_the_count(client, specialist):
    """Four failures, a success, then four more failures: not locked, since the success reset the count."""
    _fail(client, "maria", 4)
    assert _login(client, "maria", PASSWORD).status_code == 302
    client.logout()
    _fail(client, "maria", 4)
    assert _login(client, "maria", PASSWORD).status_code == 302


@pytest.mark.parametrize("username", ["nobody", "MARIA"])
def test_unknown_usernames_are_throttled_too(client, specialist, username):
    """Guessing at a username that does not exist locks just the same, so lockout tells nothing."""
    _fail(client, username, 4)
    assert _login(client, username, "wrong-password").status_code == 429
