"""Returning a payment as NSF (/loans/<id>/payments/<payment id>/return/).

The conftest loan: 188,000.00 at 6.500%, P&I 1,264.14 + escrow 300.00 = 1,564.14, escrow
balance 1,200.00, next due 2026-12-01. A full installment posted on 2026-11-27 moves it to
principal 187,754.19, escrow 1,500.00, next due 2027-01-01; its return puts everything back.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import payment_post

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")
HTMX = {"HX-Request": "true"}
CONFIRMED = {"confirmed": "1", "returned_on": "2026-11-27", "reason": "NSF"}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)
    return date(2026, 11, 27)


@pytest.fixture
def payment(loan, specialist):
    return payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"), received_on=date(2026, 11, 27))


def url(loan: Loan, payment: LedgerTransaction) -> str:
    return reverse("loan-payment-return", args=[loan.pk, payment.pk])


def snapshot(loan: Loan) -> tuple:
    loan.refresh_from_db()
    return (
        loan.principal_balance,
        loan.escrow_balance,
        loan.suspense_balance,
        loan.next_due_date,
        LedgerTransaction.objects.filter(loan=loan).count(),
        AuditEvent.objects.count(),
    )


AFTER_PAYMENT = (D("187754.19"), D("1500.00"), D("0.00"), date(2027, 1, 1), 3, 1)
AFTER_RETURN = (D("188000.00"), D("1200.00"), D("0.00"), date(2026, 12, 1), 5, 2)


def test_specialist_returns_a_payment(client, specialist, loan, payment):
    client.force_login(specialist)
    response = client.post(url(loan, payment), CONFIRMED)
    assert response.status_code == 302
    assert response["Location"] == f"/loans/{loan.pk}/#ledger"
    assert snapshot(loan) == AFTER_RETURN
    rows = list(loan.ledger.order_by("seq").values_list("kind", "amount", "principal", "escrow", "suspense"))
    assert rows[3:] == [
        # the installment the payment paid, then the payment itself: both are the return
        ("nsf_reversal", D("1564.14"), D("245.81"), D("-300.00"), D("1564.14")),
        ("nsf_reversal", D("1564.14"), D("0.00"), D("0.00"), D("-1564.14")),
    ]
    event = AuditEvent.objects.get(action="payment.reverse_nsf")
    assert (event.actor, event.loan_id) == (specialist, loan.pk)


def test_success_message_after_redirect(client, specialist, loan, payment):
    client.force_login(specialist)
    html = client.post(url(loan, payment), CONFIRMED, follow=True).content.decode()
    assert "Payment of $1,564.14 received Nov 27, 2026 returned (NSF)." in html


def test_manager_can_return(client, manager, loan, payment):
    client.force_login(manager)
    assert client.post(url(loan, payment), CONFIRMED).status_code == 302
    assert snapshot(loan) == AFTER_RETURN


@pytest.mark.parametrize("persona", ["admin_user", "outsider"])
def test_admin_and_outsider_cannot_return(client, request, loan, payment, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(loan, payment), CONFIRMED).status_code == 403
    assert client.get(url(loan, payment)).status_code == 403
    assert snapshot(loan) == AFTER_PAYMENT


def test_anonymous_is_sent_to_login(client, loan, payment):
    response = client.post(url(loan, payment), CONFIRMED)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert snapshot(loan) == AFTER_PAYMENT


def test_unconfirmed_post_shows_the_confirmation_page_and_changes_nothing(client, specialist, loan, payment):
    """Without JavaScript the ledger button lands here instead of returning at once."""
    client.force_login(specialist)
    response = client.post(url(loan, payment), {"returned_on": "2026-11-27", "reason": "NSF"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Return payment (NSF)" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert "$1,564.14" in html
    assert snapshot(loan) == AFTER_PAYMENT


def test_confirmation_page_by_get(client, specialist, loan, payment):
    client.force_login(specialist)
    response = client.get(url(loan, payment))
    assert response.status_code == 200
    assert 'name="returned_on" value="2026-11-27"' in response.content.decode()


def test_future_return_date_is_refused(client, specialist, loan, payment):
    client.force_login(specialist)
    response = client.post(url(loan, payment), {**CONFIRMED, "returned_on": "2026-12-01"})
    assert response.status_code == 400
    assert "A payment cannot be returned in the future." in response.content.decode()
    assert snapshot(loan) == AFTER_PAYMENT


def test_returning_twice_is_refused_and_changes_nothing(client, specialist, loan, payment):
    client.force_login(specialist)
    client.post(url(loan, payment), CONFIRMED)
    response = client.post(url(loan, payment), CONFIRMED)
    assert response.status_code == 409
    html = response.content.decode()
    assert "This payment has already been returned or reversed; there is nothing to do." in html
    assert "Return payment</button>" not in html
    assert snapshot(loan) == AFTER_RETURN


def test_payment_of_another_loan_is_404(client, specialist, loan, payment):
    from tests.factories import LoanFactory

    other = LoanFactory()
    client.force_login(specialist)
    assert client.post(url(other, payment), CONFIRMED).status_code == 404
    assert snapshot(loan) == AFTER_PAYMENT


def test_non_payment_row_is_404(client, specialist, loan, payment):
    client.force_login(specialist)
    opening = loan.ledger.get(seq=1)
    assert client.post(url(loan, opening), CONFIRMED).status_code == 404


def test_htmx_return_swaps_the_ledger_and_updates_balances(client, specialist, loan, payment):
    client.force_login(specialist)
    response = client.post(url(loan, payment), CONFIRMED, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="ledger" class="card card-flush" aria-labelledby="ledger-title">')
    assert '<section id="balances" class="card" aria-labelledby="balances-title" hx-swap-oob="true">' in html
    assert "<dt>Principal</dt><dd>$188,000.00</dd>" in html
    assert "returned (NSF)" in html
    assert snapshot(loan) == AFTER_RETURN


def test_htmx_second_return_answers_409_with_the_message(client, specialist, loan, payment):
    client.force_login(specialist)
    client.post(url(loan, payment), CONFIRMED, headers=HTMX)
    response = client.post(url(loan, payment), CONFIRMED, headers=HTMX)
    assert response.status_code == 409
    assert "This payment has already been returned." in response.content.decode()
    assert snapshot(loan) == AFTER_RETURN
