"""The demo logins (names fixed in ../shared/api-contract.md): three specialists, a manager, an admin."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Profile
from accounts.roles import Role

SPECIALIST_CAPACITY = 150  # users.md: a new specialist starts with capacity 150
MANAGER_APPROVAL_LIMIT = Decimal("500000.00")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    languages: str = "en"

    @property
    def password(self) -> str:
        # Fixed and printed: these are demo logins on a development database, not secrets.
        return f"{self.username}-demo-pass"


DEMO_USERS = (
    DemoUser("specialist1", Role.SPECIALIST, "Maria", "Okafor"),
    DemoUser("specialist2", Role.SPECIALIST, "Luis", "Herrera", languages="en,es"),
    DemoUser("specialist3", Role.SPECIALIST, "Sam", "Whitfield"),
    DemoUser("manager1", Role.MANAGER, "Dev", "Patel"),
    DemoUser("admin1", Role.ADMIN, "Priya", "Raman"),
)


def ensure_demo_users() -> dict[str, object]:
    """Create or repair the five demo users, their groups and profiles; reset their passwords.

    Idempotent: running it again leaves the same users with the same printed passwords.
    Returns the users by username.
    """
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{spec.username}@example.com"
        user.is_active = True
        user.is_staff = spec.role == Role.ADMIN  # Django admin is the admins' tool
        user.is_superuser = spec.role == Role.ADMIN
        user.set_password(spec.password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=spec.role)[0])
        users[spec.username] = user

    manager = users["manager1"]
    for spec in DEMO_USERS:
        profile, _ = Profile.objects.get_or_create(user=users[spec.username])
        profile.languages = spec.languages
        if spec.role == Role.SPECIALIST:
            profile.capacity = SPECIALIST_CAPACITY
            profile.manager = manager
        if spec.role == Role.MANAGER:
            profile.approval_limit = MANAGER_APPROVAL_LIMIT
        profile.save()
    return users
