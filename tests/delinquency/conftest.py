from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Profile
from accounts.roles import Role
from tests.factories import UserFactory

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def today(time_machine):
    """Friday Nov 27, 2026, noon Eastern (the day after Thanksgiving)."""
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)


@pytest.fixture
def spanish_specialist(db):
    """Luis speaks Spanish, carries less than the others."""
    user = UserFactory(username="luis", first_name="Luis", role=Role.SPECIALIST)
    Profile.objects.filter(user=user).update(languages="en,es", capacity=100)
    return user
