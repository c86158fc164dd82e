"""`manage.py check --deploy` is clean with production settings, so a release cannot quietly
lose HTTPS, HSTS, secure cookies or a strong key. Runs in a fresh interpreter with the
environment production sets (and none of the test runner's)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The variables a developer's shell or CI may carry that production would not.
# The browser journeys set DJANGO_ALLOW_ASYNC_UNSAFE for live_server in this process; production never does.
CLEARED = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
}


def _production_env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.pop("PYTEST_VERSION", None)  # settings.TESTING would relax cookies
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lossmit.settings",
            "LOSSMIT_VAR_DIR": str(tmp_path),
            "SECRET_KEY": secrets.token_urlsafe(60),  # 80 characters, high entropy
            "ALLOWED_HOSTS": "lossmit.example.com",
            "SECURE_SSL_REDIRECT": "1",
        }
    )
    env.update(overrides)
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    """No warnings at all: nothing silenced, nothing to fix."""
    result = _check(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_catches_a_weak_configuration(tmp_path):
    """The check is live: turning off HTTPS redirect and using a short key makes it fail."""
    result = _check(_production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECRET_KEY="short-key"))
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT
    assert "security.W009" in result.stderr + result.stdout  # SECRET_KEY


def test_production_settings_are_the_secure_ones(tmp_path):
    """What check --deploy does not look at: secure CSRF and session cookies, HTTP-only session,
    HSTS with subdomains and preload, DEBUG off, Argon2 first, the login lockout installed."""
    probe = (
        "import json, django; from django.conf import settings as s; django.setup(); print(json.dumps(["
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.PASSWORD_HASHERS[0],"
        " s.AUTHENTICATION_BACKENDS[0], s.MIDDLEWARE[-1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=_production_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '[false, true, true, true, 31536000, true, true, "django.contrib.auth.hashers.Argon2PasswordHasher", '
        '"axes.backends.AxesStandaloneBackend", "axes.middleware.AxesMiddleware"]'
    )
