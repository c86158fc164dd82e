"""The settings module is driven by the environment; these run it in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    " 'debug': settings.DEBUG, 'secure': settings.SESSION_COOKIE_SECURE}))"
)


def _run(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}}
    env.pop("PYTEST_VERSION", None)
    env.update({"DJANGO_SETTINGS_MODULE": "lossmit.settings", "LOSSMIT_VAR_DIR": str(tmp_path)}, **env_overrides)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_secret_key_required_when_debug_off(tmp_path):
    """Without DEBUG and without SECRET_KEY the app refuses to start."""
    result = _run({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_defaults_are_sqlite_and_eager_celery(tmp_path):
    """With nothing set but DEBUG, the app uses SQLite under var/ and runs tasks eagerly."""
    result = _run({"DEBUG": "1"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "debug": True,
        "secure": False,
    }
    assert (tmp_path).is_dir()


def test_database_and_broker_urls_switch_to_postgres_and_redis(tmp_path):
    """DATABASE_URL and CELERY_BROKER_URL select PostgreSQL and a real broker; cookies turn secure."""
    result = _run(
        {
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@db:5432/lossmit",
            "CELERY_BROKER_URL": "redis://r:6379/0",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.postgresql",
        "eager": False,
        "debug": False,
        "secure": True,
    }
