"""Personas (healthchecks style): each test names who acts."""

import pytest

from accounts.roles import Role
from lossmit.celery import app as celery_app
from tests.factories import LoanFactory, UserFactory


@pytest.fixture
def specialist(db):
    return UserFactory(username="maria", first_name="Maria", role=Role.SPECIALIST)


@pytest.fixture
def other_specialist(db):
    return UserFactory(username="sam", first_name="Sam", role=Role.SPECIALIST)


@pytest.fixture
def manager(db):
    return UserFactory(username="dev", first_name="Dev", role=Role.MANAGER)


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
    tests marked `celery_worker` talk to a real worker."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is what production uses (tests/lossmit/test_settings.py checks it); hashing every
    persona with it would dominate the suite's runtime, and password strength is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
