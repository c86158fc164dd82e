"""`Idempotency-Key` for API posts that move money or change a workout's state.

A client that did not hear back (timeout, dropped connection) retries with the same key and
gets the first response again; the payment is not posted twice. Semantics:

- The header is optional; without it the request simply runs.
- Keys are scoped to the authenticated user. The first successful (2xx) response is stored
  with the method, path and a hash of the request body, in the same transaction as the
  service call: either both commit or neither does.
- A repeat with the same key, method, path and body returns the stored status and body with
  `Idempotent-Replayed: true`, without running anything.
- The same key with a different body, method or path is refused with 422
  `idempotency_key_reused` (IETF draft "The Idempotency-Key HTTP Header Field", section 2.7).
- A request that failed (4xx) stores nothing: nothing changed, so a retry runs afresh and
  gets a fresh answer (the refusal may no longer apply).
- Keys are kept for `IDEMPOTENCY_KEY_RETENTION_HOURS` (7 days by default), then purged
  nightly (audit/purge.py); a retry after that runs afresh, as a new request.
- Two concurrent requests with one key: the second waits on the unique index until the first
  commits, then replays its response (or gets 409 `idempotency_key_in_flight` if it cannot
  see a stored response).

Use `@idempotent` on an APIView handler method (or a ViewSet action) and add
`IDEMPOTENCY_KEY_PARAMETER` and `IDEMPOTENCY_RESPONSES` to its `extend_schema`.
"""

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from audit.models import IdempotencyKey
from lossmit.errors import BadInput, DomainError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional client-chosen key (up to 255 characters, e.g. a UUID). A retry with the same key "
        "and body returns the first response and changes nothing; the same key with a different "
        "body is refused with 422 `idempotency_key_reused`."
    ),
)


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the request body as canonical JSON, so key order and whitespace don't matter."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form posts): keep repeated keys
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyKey, *, method: str, path: str, fingerprint: str) -> Response:
    if record.method != method or record.path != path or record.request_hash != fingerprint:
        raise DomainError(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
            status=422,
            fields={HEADER: ["Use a new key for a new request."]},
        )
    if record.response_status is None:
        raise DomainError(
            "idempotency_key_in_flight", "A request with this Idempotency-Key is still being processed.", status=409
        )
    return Response(record.response_body, status=record.response_status, headers={REPLAYED_HEADER: "true"})


def _stored_body(response: Response):
    # The response's data may hold Decimals, dates or ReturnDicts: store exactly what the client saw.
    return json.loads(JSONRenderer().render(response.data) or b"null")


def idempotent(handler: Callable) -> Callable:
    """Decorate an APIView handler (`post`) or ViewSet action to honour `Idempotency-Key`.

    Authentication and permission checks have already run when the handler is called, so the
    user is known. The handler's exceptions propagate (rolling the transaction back) to DRF's
    exception handler as usual.
    """

    @wraps(handler)
    def wrapped(view, request: Request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise BadInput(
                "invalid",
                "The request has invalid fields.",
                fields={HEADER: [f"Send 1 to {MAX_KEY_LENGTH} characters."]},
            )
        method, path, fingerprint = request.method, request.path[:255], request_fingerprint(request)
        existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if existing is not None:
            return _replay(existing, method=method, path=path, fingerprint=fingerprint)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user, key=key, method=method, path=path, request_hash=fingerprint
                    )
            except IntegrityError:
                # A concurrent request with this key committed first (we waited on its lock).
                existing = IdempotencyKey.objects.get(user=request.user, key=key)
                return _replay(existing, method=method, path=path, fingerprint=fingerprint)
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                # Only successes are remembered; a refusal changed nothing and may be retried.
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = _stored_body(response)
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapped
