"""Writes to users and their credentials."""

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.roles import Role, user_has_role
from audit.services import audit_record
from lossmit.errors import PermissionRefused


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
