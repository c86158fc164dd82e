from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from accounts.services import api_token_issue
from audit.models import AuditEvent
from lossmit.errors import PermissionRefused


def test_issue_api_token_prints_the_key_last(specialist):
    """The command prints a new token as the last word, and that token authenticates the user."""
    out = StringIO()
    call_command("issue_api_token", "maria", stdout=out)
    key = out.getvalue().split()[-1]
    assert Token.objects.get(key=key).user == specialist
    assert AuditEvent.objects.filter(action="api_token.issue", object_id=str(specialist.pk)).count() == 1


def test_issuing_again_revokes_the_previous_token(specialist):
    """Only the newest token works."""
    first = api_token_issue(actor=None, user=specialist).key
    second = api_token_issue(actor=None, user=specialist).key
    assert first != second
    assert list(Token.objects.filter(user=specialist).values_list("key", flat=True)) == [second]


def test_unknown_user_is_an_error(db):
    """A misspelt username is a clear error."""
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("issue_api_token", "nobody")


def test_only_admins_issue_tokens_in_the_app(manager, specialist):
    """A manager cannot mint tokens for others; nothing is written."""
    with pytest.raises(PermissionRefused):
        api_token_issue(actor=manager, user=specialist)
    assert Token.objects.count() == 0
    assert AuditEvent.objects.count() == 0
