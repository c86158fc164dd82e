"""The admin's team page (/team/): people, roles, capacity, languages, availability, approval
limits, adding a person, API tokens."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from accounts.roles import Role
from audit.models import AuditEvent
from tests.factories import LoanFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM = reverse("team")


def _edit(user) -> str:
    return reverse("team-person", args=[user.pk])


def _profile_state(user):
    profile = Profile.objects.get(user=user)
    return (
        sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True)),
        profile.capacity,
        profile.languages,
        profile.approval_limit,
        profile.is_active_for_assignment,
        AuditEvent.objects.count(),
    )


def test_team_requires_login(client):
    response = client.get(TEAM)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist", "manager"])
def test_only_admins_open_the_team_pages(client, request, persona, other_specialist):
    client.force_login(request.getfixturevalue(persona))
    before = _profile_state(other_specialist)
    assert client.get(TEAM).status_code == 403
    assert client.get(_edit(other_specialist)).status_code == 403
    assert client.post(_edit(other_specialist), {"role": "Admin", "capacity": 1, "languages": "en"}).status_code == 403
    assert client.post(reverse("team-token-issue", args=[other_specialist.pk])).status_code == 403
    assert client.post(reverse("team-create"), {"username": "x"}).status_code == 403
    assert _profile_state(other_specialist) == before
    assert not Token.objects.exists()


def test_team_lists_people_with_their_attributes(client, admin_user, specialist, manager):
    Profile.objects.filter(user=specialist).update(capacity=150, languages="en,es", is_active_for_assignment=False)
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("250000.00"))
    LoanFactory(assigned_to=specialist)
    client.force_login(admin_user)
    response = client.get(TEAM)
    assert response.status_code == 200
    rows = {p.username: (p.role, p.active_loans, p.lossmit_profile.capacity) for p in response.context["people"]}
    assert rows["maria"] == ("Specialist", 1, 150)
    assert rows["dev"] == ("Manager", 0, 150)
    html = response.content.decode()
    assert "en,es" in html
    assert "on leave" in html
    assert "250,000.00" in html


def test_admin_changes_role_capacity_languages_and_limit(client, admin_user, specialist, manager):
    client.force_login(admin_user)
    response = client.post(
        _edit(specialist),
        {
            "role": "Manager", "capacity": "120", "languages": "EN, es", "approval_limit": "$150,000.00",
            "is_active_for_assignment": "", "manager": str(manager.pk),
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == TEAM
    profile = Profile.objects.get(user=specialist)
    assert (profile.capacity, profile.languages, profile.approval_limit) == (120, "en,es", Decimal("150000.00"))
    assert (profile.is_active_for_assignment, profile.manager) == (False, manager)
    assert list(specialist.groups.values_list("name", flat=True)) == ["Manager"]
    event = AuditEvent.objects.get(action="profile.update")
    assert event.actor == admin_user
    assert event.before["roles"] == ["Specialist"]
    assert event.after == {
        "roles": ["Manager"], "capacity": 120, "languages": "en,es", "approval_limit": "150000.00",
        "is_active_for_assignment": False, "manager": manager.pk, "is_active": True,
    }  # fmt: skip


def test_bad_values_are_refused_and_change_nothing(client, admin_user, specialist):
    client.force_login(admin_user)
    before = _profile_state(specialist)
    response = client.post(_edit(specialist), {"role": "Specialist", "capacity": "150", "languages": "english!"})
    assert response.status_code == 400
    assert "Enter codes like en,es." in response.content.decode()
    response = client.post(_edit(admin_user), {"role": "Specialist", "capacity": "150", "languages": "en"})
    assert response.status_code == 409
    assert "You cannot remove your own admin role" in response.content.decode()
    assert _profile_state(specialist) == before


def test_admin_adds_a_spanish_speaking_specialist(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("team-create"),
        {
            "username": "ana", "first_name": "Ana", "last_name": "Lopez", "email": "", "role": "Specialist",
            "capacity": "150", "languages": "en,es", "password": "a-long-first-password",
        },
    )  # fmt: skip
    assert response.status_code == 302
    ana = User.objects.get(username="ana")
    assert ana.check_password("a-long-first-password")
    assert (ana.profile.capacity, ana.profile.languages) == (150, "en,es")
    assert list(ana.groups.values_list("name", flat=True)) == [Role.SPECIALIST]
    event = AuditEvent.objects.get(action="user.create")
    assert "password" not in event.after
    response = client.post(
        reverse("team-create"),
        {"username": "ANA", "first_name": "A", "last_name": "B", "role": "Specialist", "capacity": "1",
         "languages": "en", "password": "another-long-password"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Choose another username." in response.content.decode()
    assert User.objects.filter(username__iexact="ana").count() == 1


def test_token_is_shown_once_and_can_be_revoked(client, admin_user, specialist):
    client.force_login(admin_user)
    response = client.post(reverse("team-token-issue", args=[specialist.pk]))
    assert response.status_code == 200
    token = Token.objects.get(user=specialist)
    assert token.key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    page = client.get(_edit(specialist)).content.decode()
    assert token.key not in page
    assert "A token is issued" in page
    response = client.post(reverse("team-token-revoke", args=[specialist.pk]))
    assert response.status_code == 302
    assert not Token.objects.filter(user=specialist).exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "api_token.issue",
        "api_token.revoke",
    ]


def test_team_page_runs_the_same_queries_for_3_or_30_people(client, admin_user):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(TEAM).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(admin_user)
    for _ in range(2):
        UserFactory(role="Specialist")
    small = count()
    for _ in range(27):
        LoanFactory(assigned_to=UserFactory(role="Specialist"))
    assert count() == small
