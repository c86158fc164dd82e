"""Posting a payment from the loan page (POST /loans/<id>/payments/), with and without htmx.

The conftest loan: 188,000.00 at 6.500%, P&I 1,264.14 + escrow 300.00 = 1,564.14, escrow
balance 1,200.00, next due 2026-12-01. One installment paid on 2026-11-27: interest 1,018.33,
principal 245.81, escrow 300.00.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from tests.factories import LoanFactory

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)
    return date(2026, 11, 27)


def url(loan: Loan) -> str:
    return reverse("loan-payment", args=[loan.pk])


def snapshot(loan: Loan) -> tuple:
    """Everything a refused payment must leave alone."""
    loan.refresh_from_db()
    return (
        loan.principal_balance,
        loan.escrow_balance,
        loan.suspense_balance,
        loan.late_charges_outstanding,
        loan.fees_outstanding,
        loan.next_due_date,
        loan.status,
        LedgerTransaction.objects.filter(loan=loan).count(),
        AuditEvent.objects.count(),
    )


UNCHANGED = (D("188000.00"), D("1200.00"), D("0.00"), D("0.00"), D("0.00"), date(2026, 12, 1), "active", 1, 0)


def test_specialist_posts_a_full_installment(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "1564.14", "received_on": "2026-11-27", "reference": "CHK 1001"})
    assert response.status_code == 302
    assert response["Location"] == f"/loans/{loan.pk}/"
    loan.refresh_from_db()
    assert (loan.principal_balance, loan.escrow_balance, loan.suspense_balance, loan.next_due_date) == (
        D("187754.19"),
        D("1500.00"),
        D("0.00"),
        date(2027, 1, 1),
    )
    columns = ("kind", "amount", "principal", "interest", "escrow", "suspense")
    rows = list(loan.ledger.order_by("seq").values_list(*columns))
    assert rows[1:] == [
        ("payment", D("1564.14"), D("0.00"), D("0.00"), D("0.00"), D("1564.14")),
        ("installment", D("1564.14"), D("-245.81"), D("1018.33"), D("300.00"), D("-1564.14")),
    ]
    assert loan.ledger.get(seq=2).reference == "CHK 1001"
    assert loan.ledger.get(seq=2).created_by == specialist
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.loan_id) == (specialist, "payment.post", loan.pk)
    assert event.before["principal_balance"] == "188000.00"
    assert event.after["principal_balance"] == "187754.19"


def test_success_message_after_redirect(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "1,564.14", "received_on": "2026-11-27"}, follow=True)
    html = response.content.decode()
    assert f"Payment of $1,564.14 posted to loan {loan.loan_number}. Next due Jan 1, 2027." in html
    assert "<dt>Principal</dt><dd>$187,754.19</dd>" in html


def test_partial_payment_waits_in_suspense(client, specialist, loan):
    client.force_login(specialist)
    client.post(url(loan), {"amount": "600.00", "received_on": "2026-11-27"})
    assert snapshot(loan) == (
        D("188000.00"),
        D("1200.00"),
        D("600.00"),
        D("0.00"),
        D("0.00"),
        date(2026, 12, 1),
        "active",
        2,
        1,
    )


def test_manager_can_post(client, manager, loan):
    client.force_login(manager)
    response = client.post(url(loan), {"amount": "1564.14", "received_on": "2026-11-27"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.principal_balance == D("187754.19")
    assert AuditEvent.objects.get().actor == manager


@pytest.mark.parametrize("persona", ["admin_user", "outsider"])
def test_admin_and_outsider_cannot_post(client, request, loan, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url(loan), {"amount": "1564.14", "received_on": "2026-11-27"})
    assert response.status_code == 403
    assert snapshot(loan) == UNCHANGED


def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, loan):
    response = client.post(url(loan), {"amount": "1564.14", "received_on": "2026-11-27"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert snapshot(loan) == UNCHANGED


def test_get_is_not_allowed(client, specialist, loan):
    client.force_login(specialist)
    assert client.get(url(loan)).status_code == 405


def test_unknown_loan_is_404(client, specialist):
    client.force_login(specialist)
    assert client.post("/loans/999999/payments/", {"amount": "1.00", "received_on": "2026-11-27"}).status_code == 404


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be greater than zero."),
        ("-5", "The amount must be greater than zero."),
        ("1.234", "The amount cannot have more than two decimal places."),
        ("abc", "The amount must be a number."),
        ("1e12", "The amount is too large."),
        ("", "Enter the amount received."),
        ("NaN", "The amount must be a number."),
        ("Infinity", "The amount must be a number."),
        ("1e999999999", "The amount is too large."),
        ("0.001", "The amount cannot have more than two decimal places."),
    ],
)
def test_bad_amount_shows_an_error_and_changes_nothing(client, specialist, loan, amount, message):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": amount, "received_on": "2026-11-27"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="field-error" id="id_amount_error">{message}</p>' in html
    assert 'aria-invalid="true"' in html
    assert snapshot(loan) == UNCHANGED


def test_more_than_the_payoff_is_refused(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "500000.00", "received_on": "2026-11-27"})
    assert response.status_code == 400
    assert "more than the payoff amount" in response.content.decode()
    assert snapshot(loan) == UNCHANGED


def test_future_date_is_refused_on_its_field(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "100.00", "received_on": "2026-11-28"})
    assert response.status_code == 400
    assert '<p class="field-error" id="id_received_on_error">Enter today or an earlier date.</p>' in (
        response.content.decode()
    )
    assert snapshot(loan) == UNCHANGED


def test_paid_off_loan_takes_no_payment(client, specialist):
    loan = LoanFactory(status=Loan.Status.PAID_OFF)
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "100.00", "received_on": "2026-11-27"})
    assert response.status_code == 400
    assert f"Loan {loan.loan_number} is paid off; it takes no payments." in response.content.decode()
    assert LedgerTransaction.objects.filter(loan=loan).count() == 1
    assert AuditEvent.objects.count() == 0


def test_htmx_post_swaps_form_and_updates_balances_ledger_and_header_in_place(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "1564.14", "received_on": "2026-11-27"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="payment-card"')
    assert '<section id="balances" class="card" aria-labelledby="balances-title" hx-swap-oob="true">' in html
    assert '<section id="ledger" class="card card-flush" aria-labelledby="ledger-title" hx-swap-oob="true">' in html
    assert 'id="loan-header" class="loan-header card" hx-swap-oob="true"' in html
    assert 'id="messages" class="messages container" role="status" aria-live="polite" hx-swap-oob="true"' in html
    assert "<dt>Principal</dt><dd>$187,754.19</dd>" in html
    assert "Payment of $1,564.14 posted" in html
    assert 'name="amount" value=""' not in html  # a fresh form: amount is empty
    assert "<html" not in html
    assert LedgerTransaction.objects.filter(loan=loan).count() == 3


def test_htmx_bad_payment_returns_the_form_with_errors_as_400(client, specialist, loan):
    client.force_login(specialist)
    response = client.post(url(loan), {"amount": "1.234", "received_on": "2026-11-27"}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="payment-card"')
    assert "The amount cannot have more than two decimal places." in html
    assert 'value="1.234"' in html  # what was typed stays for correction
    assert "hx-swap-oob" not in html
    assert snapshot(loan) == UNCHANGED
