"""Personas (healthchecks style): each test names who acts."""

import pytest

from accounts.roles import Role
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
