"""API pieces every app's `api.py` shares (who may call, the error shape in the schema) and
the token endpoints: admins issue and revoke per-user API tokens.

Roles work as on the pages: any Lossmit role (Specialist, Manager, Admin) may call the API;
a signed-in user with no role gets 403 everywhere, an anonymous caller 401. What a role may
*do* is decided by the services, which raise PermissionRefused (403).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import STAFF_ROLES, user_has_role
from accounts.services import api_token_issue, api_token_revoke


class HasLossmitRole(permissions.IsAuthenticated):
    """Authenticated and holding a Lossmit role. Use as every API view's permission class."""

    message = "Your account has no Lossmit role."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and user_has_role(request.user, *STAFF_ROLES)


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (lossmit/api_errors.py)."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. `invalid`, `not_found`, `forbidden`.")
    message = serializers.CharField(help_text="One sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages for bad input, keyed by field path (`borrower.last_name`, `[2].note_rate`).",
    )


_ERROR_MEANINGS = {
    400: "Bad input: `fields` says which fields and why.",
    401: "No or invalid credentials (send `Authorization: Token <key>`).",
    403: "Your role does not allow this.",
    404: "Unknown or not visible.",
    409: "A rule or the current state refuses the action.",
    415: "The body is not JSON, form or multipart data that can be parsed.",
    422: "The Idempotency-Key was already used for a different request (`idempotency_key_reused`).",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an operation can answer; 401 and 403 always."""
    wanted = sorted({401, 403, *codes})
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_MEANINGS[code]) for code in wanted}


def _user_or_404(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise NotFound(f"No user named {username!r}.") from None


class TokenIssueSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="The user the token is for.")


class TokenSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="The user the token authenticates.")
    key = serializers.CharField(
        help_text="The token. Send it as `Authorization: Token <key>`. Shown once; issuing again revokes it."
    )
    created = serializers.DateTimeField(help_text="When the token was issued.")


class TokenIssueView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="tokens_issue",
        summary="Issue an API token (admins)",
        description="Issues a new token for the user, revoking any previous one. Admins only.",
        request=TokenIssueSerializer,
        examples=[OpenApiExample("A specialist's token", value={"username": "maria"}, request_only=True)],
        responses={201: TokenSerializer, **error_responses(400, 404, 415)},
        tags=["tokens"],
    )
    def post(self, request: Request) -> Response:
        data = TokenIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user_or_404(data.validated_data["username"])
        token = api_token_issue(actor=request.user, user=user)
        body = TokenSerializer({"username": user.get_username(), "key": token.key, "created": token.created}).data
        return Response(body, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    permission_classes = [HasLossmitRole]

    @extend_schema(
        operation_id="tokens_revoke",
        summary="Revoke a user's API tokens (admins)",
        description="Deletes every token of the user; their integrations stop authenticating at once.",
        parameters=[
            OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH, description="Whose tokens to revoke.")
        ],
        request=None,
        responses={
            200: inline_serializer(
                "TokenRevoked",
                {
                    "username": serializers.CharField(help_text="Whose tokens were revoked."),
                    "revoked": serializers.IntegerField(help_text="How many tokens were deleted (0 or 1)."),
                },
            ),
            **error_responses(404),
        },
        tags=["tokens"],
    )
    def delete(self, request: Request, username: str) -> Response:
        user = _user_or_404(username)
        revoked = api_token_revoke(actor=request.user, user=user)
        return Response({"username": user.get_username(), "revoked": revoked})
