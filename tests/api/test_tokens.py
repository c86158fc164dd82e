"""POST /api/v1/tokens/ and DELETE /api/v1/tokens/{username}/: admins issue and revoke API tokens."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.api.conftest import assert_error


def test_admin_issues_a_token_that_authenticates_its_user(client_for, admin_user, specialist):
    response = client_for(admin_user).post("/api/v1/tokens/", {"username": "maria"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"username", "key", "created"}
    assert body["username"] == "maria"
    assert Token.objects.get(user=specialist).key == body["key"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['key']}")
    assert client.get("/api/v1/loans/").status_code == 200
    assert AuditEvent.objects.filter(action="api_token.issue", actor=admin_user).count() == 1


def test_issuing_again_revokes_the_previous_token(client_for, admin_user, specialist):
    client = client_for(admin_user)
    first = client.post("/api/v1/tokens/", {"username": "maria"}, format="json").json()["key"]
    second = client.post("/api/v1/tokens/", {"username": "maria"}, format="json").json()["key"]
    assert first != second
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert_error(stale.get("/api/v1/loans/"), 401, "authentication_failed", {})


def test_admin_revokes_a_token_and_it_stops_working(client_for, admin_user, specialist):
    user_client = client_for(specialist)
    assert user_client.get("/api/v1/loans/").status_code == 200
    response = client_for(admin_user).delete("/api/v1/tokens/maria/")
    assert response.status_code == 200
    assert response.json() == {"username": "maria", "revoked": 1}
    assert not Token.objects.filter(user=specialist).exists()
    assert_error(user_client.get("/api/v1/loans/"), 401, "authentication_failed", {})
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=admin_user).count() == 1


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("outsider", 403, "permission_denied"),
        ("specialist", 403, "forbidden"),
        ("manager", 403, "forbidden"),
    ],
    indirect=["persona"],
)
def test_only_admins_issue_or_revoke(client_for, persona, other_specialist, status, code):
    client = client_for(persona)
    Token.objects.create(user=other_specialist)
    before = set(Token.objects.values_list("key", flat=True))
    assert_error(client.post("/api/v1/tokens/", {"username": "sam"}, format="json"), status, code)
    assert_error(client.delete("/api/v1/tokens/sam/"), status, code)
    assert set(Token.objects.values_list("key", flat=True)) == before
    assert not AuditEvent.objects.filter(action__startswith="api_token").exists()


def test_unknown_user_is_404(client_for, admin_user):
    client = client_for(admin_user)
    assert_error(client.post("/api/v1/tokens/", {"username": "nobody"}, format="json"), 404, "not_found", {})
    assert_error(client.delete("/api/v1/tokens/nobody/"), 404, "not_found", {})


def test_missing_username_is_400(client_for, admin_user):
    response = client_for(admin_user).post("/api/v1/tokens/", {}, format="json")
    assert_error(response, 400, "invalid", {"username": ["This field is required."]})
