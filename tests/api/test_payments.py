"""POST /api/v1/loans/{id}/payments/ and POST /api/v1/payments/{id}/nsf/, with Idempotency-Key."""

from datetime import date
from decimal import Decimal

import pytest

from audit.models import AuditEvent, IdempotencyKey
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import payment_post
from tests.api.conftest import assert_error

# The factory loan: 188,000.00 at 6.500%, P&I 1,264.14 + escrow 300.00, next due 2026-12-01.
INSTALLMENT = "1564.14"


def _pay(client, loan, amount=INSTALLMENT, key=None, **extra):
    body = {"amount": amount, "received_on": "2026-11-20", "reference": "CHK 1001", **extra}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/loans/{loan.pk}/payments/", body, format="json", **headers)


def _payments(loan) -> int:
    return LedgerTransaction.objects.filter(loan=loan, kind=LedgerTransaction.Kind.PAYMENT).count()


def test_specialist_posts_a_payment_and_sees_the_new_balances(client_for, specialist, loan):
    """One whole installment for Dec 1: interest 1,018.33, principal 245.81, escrow 300.00."""
    response = _pay(client_for(specialist), loan)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment"]["kind"] == "payment"
    assert body["payment"]["amount"] == INSTALLMENT
    assert body["payment"]["effective_date"] == "2026-11-20"
    assert body["payment"]["reference"] == "CHK 1001"
    assert body["payment"]["created_by"] == "maria"
    assert [(row["kind"], row["interest"], row["principal"], row["escrow"]) for row in body["applications"]] == [
        ("installment", "1018.33", "-245.81", "300.00"),
    ]
    assert body["loan"] == {
        "id": loan.pk,
        "loan_number": loan.loan_number,
        "status": "active",
        "principal_balance": "187754.19",
        "escrow_balance": "1500.00",
        "suspense_balance": "0.00",
        "late_charges_outstanding": "0.00",
        "fees_outstanding": "0.00",
        "deferred_principal": "0.00",
        "next_due_date": "2027-01-01",
        "remaining_term_months": 310,
    }
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("187754.19")
    assert AuditEvent.objects.filter(action="payment.post", loan_id=loan.pk).count() == 1


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("outsider", 403, "permission_denied"),
        ("specialist", 201, None),
        ("manager", 201, None),
        ("admin", 403, "forbidden"),
    ],
    indirect=["persona"],
)
def test_who_may_post_a_payment(client_for, persona, loan, status, code):
    """Specialists and managers post payments; admins, outsiders and strangers cannot."""
    response = _pay(client_for(persona), loan)
    if code is None:
        assert response.status_code == status
        assert _payments(loan) == 1
    else:
        assert_error(response, status, code)
        assert _payments(loan) == 0


def test_unknown_loan_is_404(client_for, specialist, loan):
    response = client_for(specialist).post("/api/v1/loans/999999/payments/", {"amount": "10.00"}, format="json")
    assert_error(response, 404, "loan_not_found", {})


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"amount": "abc"}, {"amount": ["A valid number is required."]}),
        ({"amount": "10.001"}, {"amount": ["Ensure that there are no more than 2 decimal places."]}),
        ({"amount": "0.00"}, {"amount": ["Ensure this value is greater than or equal to 0.01."]}),
        ({}, {"amount": ["This field is required."]}),
        ({"amount": "10.00", "received_on": "27/11/2026"}, None),
        (
            {"amount": "10.00", "reference": "x" * 65},
            {"reference": ["Ensure this field has no more than 64 characters."]},
        ),
    ],
)
def test_bad_input_is_400_and_writes_nothing(client_for, specialist, loan, body, fields):
    response = client_for(specialist).post(f"/api/v1/loans/{loan.pk}/payments/", body, format="json")
    error = assert_error(response, 400, "invalid", fields)
    assert set(error["fields"]) == set(body.keys() - {"amount"} if fields is None else fields)
    assert _payments(loan) == 0
    assert AuditEvent.objects.count() == 0


def test_future_payment_date_is_400(client_for, specialist, loan):
    """The service refuses a payment received tomorrow; the API reports it on the field."""
    response = _pay(client_for(specialist), loan, received_on="2026-11-28")
    assert_error(response, 400, "future_date", {"received_on": ["Enter today or an earlier date."]})
    assert _payments(loan) == 0


def test_payment_on_a_paid_off_loan_is_409(client_for, specialist, loan):
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.PAID_OFF)
    assert_error(_pay(client_for(specialist), loan), 409, "loan_not_active")


# --- Idempotency-Key --------------------------------------------------------------------------


def test_replay_with_the_same_key_returns_the_first_response_and_posts_once(client_for, specialist, loan):
    client = client_for(specialist)
    first = _pay(client, loan, key="pay-7f3a")
    second = _pay(client, loan, key="pay-7f3a")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _payments(loan) == 1
    assert AuditEvent.objects.filter(action="payment.post").count() == 1
    record = IdempotencyKey.objects.get()
    assert (record.user, record.key, record.method, record.path, record.response_status) == (
        specialist,
        "pay-7f3a",
        "POST",
        f"/api/v1/loans/{loan.pk}/payments/",
        201,
    )


def test_key_order_and_whitespace_do_not_make_a_different_request(client_for, specialist, loan):
    client = client_for(specialist)
    _pay(client, loan, key="k1")
    raw = '{ "reference": "CHK 1001",  "received_on": "2026-11-20", "amount": "1564.14" }'
    again = client.post(
        f"/api/v1/loans/{loan.pk}/payments/", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _payments(loan) == 1


def test_same_key_with_a_different_body_is_422_and_changes_nothing(client_for, specialist, loan):
    client = client_for(specialist)
    _pay(client, loan, key="k1")
    response = _pay(client, loan, amount="100.00", key="k1")
    assert_error(response, 422, "idempotency_key_reused", {"Idempotency-Key": ["Use a new key for a new request."]})
    assert _payments(loan) == 1


def test_same_key_on_another_endpoint_is_422(client_for, specialist, loan):
    client = client_for(specialist)
    first = _pay(client, loan, key="k1").json()
    response = client.post(
        f"/api/v1/payments/{first['payment']['id']}/nsf/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert_error(response, 422, "idempotency_key_reused")
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.NSF_REVERSAL).exists()


def test_keys_belong_to_their_user(client_for, specialist, manager, loan):
    """Two integrators choosing the same key do not see each other's responses."""
    _pay(client_for(specialist), loan, key="k1")
    second = _pay(client_for(manager), loan, key="k1")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert _payments(loan) == 2


def test_a_refused_request_stores_no_key_so_a_corrected_retry_runs(client_for, specialist, loan):
    client = client_for(specialist)
    assert _pay(client, loan, received_on="2026-11-28", key="k1").status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert _pay(client, loan, key="k1").status_code == 201
    assert _payments(loan) == 1


def test_a_key_that_is_too_long_is_400(client_for, specialist, loan):
    response = _pay(client_for(specialist), loan, key="k" * 256)
    assert_error(response, 400, "invalid", {"Idempotency-Key": ["Send 1 to 255 characters."]})
    assert _payments(loan) == 0


# --- Returned payments (NSF) ------------------------------------------------------------------


@pytest.fixture
def payment(loan, specialist):
    return payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal(INSTALLMENT), received_on=date(2026, 11, 20))


def _return(client, payment, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/payments/{payment.pk}/nsf/", body, format="json", **headers)


def test_returning_a_payment_restores_the_balances(client_for, specialist, loan, payment):
    response = _return(client_for(specialist), payment, returned_on="2026-11-25", reason="R01 insufficient funds")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reversal"]["kind"] == "nsf_reversal"
    assert body["reversal"]["reversal_of"] == payment.pk
    assert body["reversal"]["amount"] == INSTALLMENT
    assert body["reversal"]["reference"] == "R01 insufficient funds"
    assert body["loan"]["principal_balance"] == "188000.00"
    assert body["loan"]["escrow_balance"] == "1200.00"
    assert body["loan"]["suspense_balance"] == "0.00"
    assert body["loan"]["next_due_date"] == "2026-12-01"
    payment.refresh_from_db()
    assert payment.reversed_by.pk == body["reversal"]["id"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("outsider", 403), ("specialist", 201), ("manager", 201), ("admin", 403)],
    indirect=["persona"],
)
def test_who_may_return_a_payment(client_for, persona, payment, status):
    response = _return(client_for(persona), payment)
    assert response.status_code == status, response.content
    assert LedgerTransaction.objects.filter(reversal_of=payment).count() == (1 if status == 201 else 0)


def test_returning_an_unknown_payment_is_404(client_for, specialist, loan):
    response = client_for(specialist).post("/api/v1/payments/999999/nsf/", {}, format="json")
    assert_error(response, 404, "payment_not_found", {})


def test_returning_twice_is_409(client_for, specialist, payment):
    client = client_for(specialist)
    assert _return(client, payment).status_code == 201
    assert_error(_return(client, payment), 409, "already_reversed")


def test_return_replayed_with_its_key_returns_the_first_result(client_for, specialist, payment):
    """Without the key the second call would be a 409; with it the client sees its first answer."""
    client = client_for(specialist)
    first = _return(client, payment, key="nsf-1")
    second = _return(client, payment, key="nsf-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert LedgerTransaction.objects.filter(reversal_of=payment).count() == 1
    # the payment row and its installment application, each reversed once
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.NSF_REVERSAL).count() == 2


def test_bad_return_date_is_400(client_for, specialist, payment):
    response = _return(client_for(specialist), payment, returned_on="yesterday")
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["returned_on"]
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.NSF_REVERSAL).exists()
