"""Writes to users and their credentials."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from accounts.roles import Role, user_has_role
from audit.services import audit_record
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused


def _require_admin(actor) -> None:
    # actor=None is the operator at the server's shell (manage.py), who already has full access.
    if actor is not None and not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("forbidden", "Only admins may issue or revoke API tokens.")


@transaction.atomic
def api_token_issue(*, actor, user) -> Token:
    """Issue a fresh token for `user`, revoking the previous one. The key is never logged."""
    _require_admin(actor)
    revoked = Token.objects.filter(user=user).delete()[0]
    token = Token.objects.create(user=user)
    audit_record(actor=actor, action="api_token.issue", obj=user, note=f"previous tokens revoked: {revoked}")
    return token


@transaction.atomic
def api_token_revoke(*, actor, user) -> int:
    _require_admin(actor)
    revoked = Token.objects.filter(user=user).delete()[0]
    audit_record(actor=actor, action="api_token.revoke", obj=user, note=f"tokens revoked: {revoked}")
    return revoked


def _require_admin_for(actor, what: str) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("forbidden", f"Only admins may {what}.")


def _profile_snapshot(user, profile) -> dict:
    return {
        "roles": sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True)),
        "capacity": profile.capacity,
        "languages": profile.languages,
        "approval_limit": None if profile.approval_limit is None else str(profile.approval_limit),
        "is_active_for_assignment": profile.is_active_for_assignment,
        "manager": profile.manager_id,
        "is_active": user.is_active,
    }


def _clean_languages(languages: str) -> str:
    codes = [c.strip().lower() for c in (languages or "").replace(" ", ",").split(",") if c.strip()]
    bad = [c for c in codes if not (2 <= len(c) <= 3 and c.isalpha())]
    if not codes or bad:
        raise BadInput(
            "invalid_languages",
            "Languages are ISO codes separated by commas, e.g. en,es.",
            fields={"languages": ["Enter codes like en,es."]},
        )
    return ",".join(dict.fromkeys(codes))


@transaction.atomic
def profile_update(
    *,
    actor,
    user_id: int,
    role: str,
    capacity: int,
    languages: str,
    approval_limit: Decimal | None,
    is_active_for_assignment: bool,
    manager_id: int | None = None,
) -> Profile:
    """An admin sets a user's role and working attributes (capacity and languages for task
    assignment, delegated approval limit, on leave or not, who they report to).

    Preconditions: the actor is an admin; an admin cannot take the admin role from themselves
    (someone must be left to undo it). Side effects: the user's Lossmit role group is replaced,
    the profile saved, one audit row with before and after.
    """
    _require_admin_for(actor, "change users")
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("user_not_found", "No such user.")
    if role not in Role.values:
        raise BadInput("invalid_role", "Choose a role.", fields={"role": ["Choose a role."]})
    if user.pk == actor.pk and role != Role.ADMIN:
        raise DomainError("own_admin_role", "You cannot remove your own admin role; ask another admin.")
    if capacity is None or capacity < 0 or capacity > 5000:
        raise BadInput("invalid_capacity", "Capacity is 0 to 5,000 loans.", fields={"capacity": ["0 to 5,000."]})
    if approval_limit is not None and approval_limit < 0:
        raise BadInput(
            "invalid_limit", "The approval limit cannot be negative.", fields={"approval_limit": ["0 or more."]}
        )
    if manager_id is not None and (manager_id == user.pk or not User.objects.filter(pk=manager_id).exists()):
        raise BadInput("invalid_manager", "Choose someone else as manager.", fields={"manager": ["Invalid."]})
    profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
    before = _profile_snapshot(user, profile)
    profile.capacity = capacity
    profile.languages = _clean_languages(languages)
    profile.approval_limit = approval_limit
    profile.is_active_for_assignment = is_active_for_assignment
    profile.manager_id = manager_id
    profile.save()
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_lossmit_roles"):
        del user._lossmit_roles
    audit_record(actor=actor, action="profile.update", obj=user, before=before, after=_profile_snapshot(user, profile))
    return profile


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    password: str,
    capacity: int = 150,
    languages: str = "en",
) -> Profile:
    """An admin adds a person with a role, a first password (they change it) and, for
    specialists, the capacity and languages task assignment uses. Audited (never the password)."""
    _require_admin_for(actor, "add users")
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise BadInput("username_required", "Give a username.", fields={"username": ["This field is required."]})
    if User.objects.filter(username__iexact=username).exists():
        raise BadInput("username_taken", "That username is taken.", fields={"username": ["Choose another username."]})
    if role not in Role.values:
        raise BadInput("invalid_role", "Choose a role.", fields={"role": ["Choose a role."]})
    if len(password or "") < 12:
        raise BadInput(
            "weak_password", "The first password needs 12 characters or more.", fields={"password": ["Too short."]}
        )
    if capacity is None or capacity < 0 or capacity > 5000:
        raise BadInput("invalid_capacity", "Capacity is 0 to 5,000 loans.", fields={"capacity": ["0 to 5,000."]})
    user = User.objects.create_user(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        password=password,
    )
    user.groups.add(Group.objects.get(name=role))
    profile = Profile.objects.create(user=user, capacity=capacity, languages=_clean_languages(languages))
    audit_record(actor=actor, action="user.create", obj=user, after=_profile_snapshot(user, profile))
    return profile
