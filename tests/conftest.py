"""Personas (healthchecks style): each test names who acts."""

import importlib

import pytest

from accounts.roles import Role
from lossmit.celery import app as celery_app
from tests.factories import LoanFactory, UserFactory


@pytest.fixture
def manager(db):
    """Dev manages the team Maria and Sam are on (Profile.manager): he acts on their loans."""
    return UserFactory(username="dev", first_name="Dev", role=Role.MANAGER)


@pytest.fixture
def specialist(db, manager):
    return UserFactory(username="maria", first_name="Maria", role=Role.SPECIALIST, manager=manager)


@pytest.fixture
def other_specialist(db, manager):
    """On Maria's team; their loans are another caseload to her (accounts/policy.py)."""
    return UserFactory(username="sam", first_name="Sam", role=Role.SPECIALIST, manager=manager)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="priya", first_name="Priya", role=Role.ADMIN, is_staff=True)


@pytest.fixture
def outsider(db):
    """Logged in, but holds no Lossmit role."""
    return UserFactory(username="olly")


@pytest.fixture
def loan(db, specialist):
    return LoanFactory(assigned_to=specialist)


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process in tests even when CELERY_BROKER_URL points at Redis (CI); only
    tests marked `celery_worker` talk to a real worker. Our app is made current again for every
    test: a real-worker test leaves another app current, and `shared_task` follows it."""
    from django.conf import settings

    celery_app.set_current()
    celery_app.set_default()
    configured = settings.CELERY_TASK_ALWAYS_EAGER
    # Set explicitly, never "left as found": a test's own monkeypatch of the flag may be undone
    # after this fixture's teardown and leave the process eager for every later test.
    celery_app.conf.task_always_eager = configured if request.node.get_closest_marker("celery_worker") else True
    yield
    celery_app.conf.task_always_eager = configured


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 (production's hasher, tests/security/test_deploy_check.py) costs ~0.3 s per user
    created or logged in; tests hash with MD5 so the suite's time goes to what it tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Rows that data migrations create and every part of the app relies on:
# (app, migration module, its idempotent forward function).
ROWS_FROM_MIGRATIONS = (
    ("accounts", "0002_role_groups", "create_groups"),
    ("rules", "0002_default_rule_sets", "create_version_1"),
    ("letters", "0002_default_templates", "load"),
)


def restore_rows_from_migrations() -> None:
    from django.apps import apps

    for app, module, function in ROWS_FROM_MIGRATIONS:
        getattr(importlib.import_module(f"{app}.migrations.{module}"), function)(apps, None)


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


def _item_uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DB_FIXTURES & set(item.fixturenames))


def _session_has_database(session) -> bool:
    """pytest-django creates the test databases only when some collected test uses one (by
    marker or fixture); a test may also reach one later (request.getfixturevalue("manager"))."""
    found = getattr(session, "_lossmit_has_database", None)
    if found is None:
        found = session._lossmit_has_database = any(_item_uses_database(item) for item in session.items)
    return found


@pytest.fixture(autouse=True)
def _rows_from_migrations(request, django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table, migration rows included (role groups,
    rule set version 1, letter templates). Whatever runs next must see the database migrations
    leave, so each test starts by putting them back when they are missing (one cheap query)."""
    from django.contrib.auth.models import Group

    if not _session_has_database(request.session):
        # A run of database-free tests only has no test database: never touch the app's own.
        return
    with django_db_blocker.unblock():
        if not Group.objects.filter(name=Role.SPECIALIST).exists():
            restore_rows_from_migrations()
