"""lossmit/idempotency.py beyond the payment tests: in-flight keys and concurrent retries."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from audit.models import IdempotencyKey
from borrowers.models import LedgerTransaction
from tests.api.conftest import assert_error


def _pay(client, loan, key):
    body = {"amount": "1564.14", "received_on": "2026-11-20"}
    return client.post(f"/api/v1/loans/{loan.pk}/payments/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_key_still_being_processed_is_409(client_for, specialist, loan):
    """A row without a response is a request that has not committed yet (seen only by a reader
    that raced past the unique index); the client should retry later, not post again."""
    client = client_for(specialist)
    first = _pay(client, loan, "k1")
    IdempotencyKey.objects.filter(key="k1").update(response_status=None, response_body=None)
    assert_error(_pay(client, loan, "k1"), 409, "idempotency_key_in_flight")
    assert first.status_code == 201
    assert LedgerTransaction.objects.filter(kind="payment").count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
def test_two_concurrent_retries_post_once(transactional_db, client_for, specialist, loan):
    """Both requests start together with one key: the second waits on the key's unique index,
    then replays the first's response. One payment, two identical answers."""
    barrier = threading.Barrier(2)
    responses = []

    def send():
        try:
            client = client_for(specialist)
            barrier.wait(timeout=10)
            responses.append(_pay(client, loan, "same-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.headers.get("Idempotent-Replayed", "no") for r in responses) == ["no", "true"]
    assert LedgerTransaction.objects.filter(kind="payment", loan=loan).count() == 1
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("187754.19")
