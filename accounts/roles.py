"""Roles are Django groups. One place names them and answers "may this user do X"."""

from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    SPECIALIST = "Specialist", "Specialist"
    MANAGER = "Manager", "Manager"
    ADMIN = "Admin", "Admin"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_lossmit_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._lossmit_roles = cached
    return cached


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str):
    """View decorator: 403 unless the user holds one of `roles` (login is enforced by middleware)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, *roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Who may post payments: the people who talk to borrowers and their managers (issue 2).
PAYMENT_ROLES = (Role.SPECIALIST, Role.MANAGER)
STAFF_ROLES = (Role.SPECIALIST, Role.MANAGER, Role.ADMIN)
