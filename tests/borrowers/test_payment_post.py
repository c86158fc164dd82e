"""payment_post: ledger rows, balances and the audit record; refusals change nothing.

The conftest loan: 188,000.00 at 6.500%, P&I 1,264.14 + escrow 300.00 = 1,564.14, escrow
balance 1,200.00, next due 2026-12-01. Interest for its next months: 1,018.33, 1,017.00, 1,015.66.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import ledger_mismatches, payment_post
from lossmit.errors import DomainError, NotFound, PermissionRefused
from tests.factories import LoanFactory

D = Decimal
Z = D("0.00")
INSTALLMENT = D("1564.14")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def today(time_machine):
    """Pin "today" (the servicer's local date) for the test; call it again to move the clock."""

    def move(day: date) -> date:
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, 0, tzinfo=NEW_YORK), tick=False)
        return day

    move(date(2026, 11, 28))
    return move


def rows_after_opening(loan: Loan) -> list[tuple]:
    """Ledger rows past the opening one: kind, amount, principal, interest, escrow, suspense, late, fees, due."""
    return [
        (
            r.kind,
            r.amount,
            r.principal,
            r.interest,
            r.escrow,
            r.suspense,
            r.late_charges,
            r.fees,
            r.installment_due_date,
        )
        for r in loan.ledger.order_by("seq")[1:]
    ]


def balances(loan: Loan) -> tuple:
    loan.refresh_from_db()
    return (
        loan.principal_balance,
        loan.escrow_balance,
        loan.suspense_balance,
        loan.late_charges_outstanding,
        loan.fees_outstanding,
        loan.next_due_date,
        loan.remaining_term_months,
        loan.status,
    )


def snapshot(loan: Loan) -> tuple:
    """Everything a refused action must leave alone: ledger rows, balances, audit rows."""
    return (
        LedgerTransaction.objects.count(),
        list(loan.ledger.order_by("seq").values_list("pk", "seq", "kind", "amount")),
        balances(loan),
        AuditEvent.objects.count(),
    )


def assert_consistent(loan: Loan) -> None:
    """The loan equals what its ledger sums to, and the last row's *_after columns agree."""
    assert not ledger_mismatches([loan.pk]).exists()
    loan.refresh_from_db()
    last = loan.ledger.order_by("-seq").first()
    assert (last.principal_after, last.escrow_after, last.suspense_after) == (
        loan.principal_balance,
        loan.escrow_balance,
        loan.suspense_balance,
    )
    assert (last.late_charges_after, last.fees_after, last.next_due_date_after) == (
        loan.late_charges_outstanding,
        loan.fees_outstanding,
        loan.next_due_date,
    )


PAYMENT = LedgerTransaction.Kind.PAYMENT
INST = LedgerTransaction.Kind.INSTALLMENT
LATE = LedgerTransaction.Kind.LATE_CHARGE
CHARGES = LedgerTransaction.Kind.CHARGES_PAID
CURTAIL = LedgerTransaction.Kind.CURTAILMENT
DEC1 = (INST, INSTALLMENT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT, Z, Z, date(2026, 12, 1))


def test_full_installment_on_nov_28_pays_dec_1(loan, specialist, today):
    """A full installment received Nov 28 pays the Dec 1 installment and moves next due to Jan 1."""
    row = payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"), reference="check 1001")
    assert (row.kind, row.amount, row.effective_date, row.reference, row.created_by) == (
        PAYMENT,
        INSTALLMENT,
        date(2026, 11, 28),
        "check 1001",
        specialist,
    )
    assert rows_after_opening(loan) == [(PAYMENT, INSTALLMENT, Z, Z, Z, INSTALLMENT, Z, Z, None), DEC1]
    assert list(row.applications.values_list("kind", flat=True)) == [INST]
    assert balances(loan) == (D("187754.19"), D("1500.00"), Z, Z, Z, date(2027, 1, 1), 310, "active")
    assert_consistent(loan)


def test_success_writes_one_audit_event_with_before_and_after(loan, specialist, today):
    """A posting writes exactly one audit event naming the actor, with balances before and after."""
    row = payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"))
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_id, event.loan_id) == (
        specialist,
        "payment.post",
        str(row.pk),
        loan.pk,
    )
    assert event.before == {
        "principal_balance": "188000.00",
        "escrow_balance": "1200.00",
        "suspense_balance": "0.00",
        "late_charges_outstanding": "0.00",
        "fees_outstanding": "0.00",
        "next_due_date": "2026-12-01",
        "status": "active",
    }
    assert event.after == {
        "principal_balance": "187754.19",
        "escrow_balance": "1500.00",
        "suspense_balance": "0.00",
        "late_charges_outstanding": "0.00",
        "fees_outstanding": "0.00",
        "next_due_date": "2027-01-01",
        "status": "active",
    }


def test_partial_payment_waits_in_suspense(loan, specialist, today):
    """Less than an installment lands in suspense; nothing is applied and next due stays Dec 1."""
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1000.00"))
    assert rows_after_opening(loan) == [(PAYMENT, D("1000.00"), Z, Z, Z, D("1000.00"), Z, Z, None)]
    assert balances(loan) == (D("188000.00"), D("1200.00"), D("1000.00"), Z, Z, date(2026, 12, 1), 311, "active")
    assert_consistent(loan)


def test_second_partial_completes_the_installment(loan, specialist, today):
    """A later partial plus what waits in suspense completes the installment, credited to the later payment."""
    first = payment_post(actor=specialist, loan_id=loan.pk, amount=D("1000.00"), received_on=date(2026, 11, 20))
    second = payment_post(actor=specialist, loan_id=loan.pk, amount=D("564.14"))
    assert rows_after_opening(loan) == [
        (PAYMENT, D("1000.00"), Z, Z, Z, D("1000.00"), Z, Z, None),
        (PAYMENT, D("564.14"), Z, Z, Z, D("564.14"), Z, Z, None),
        DEC1,
    ]
    assert not first.applications.exists()
    assert second.applications.get().kind == INST
    assert balances(loan) == (D("187754.19"), D("1500.00"), Z, Z, Z, date(2027, 1, 1), 310, "active")
    assert AuditEvent.objects.filter(action="payment.post").count() == 2
    assert_consistent(loan)


def test_several_installments_and_late_charges_at_once(specialist, today):
    """Two months behind: Oct and Nov late charges are assessed, then three installments and the charges paid."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), remaining_term_months=313)
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("4793.56"))
    assert rows_after_opening(loan) == [
        (LATE, D("50.57"), Z, Z, Z, Z, D("50.57"), Z, date(2026, 10, 1)),
        (LATE, D("50.57"), Z, Z, Z, Z, D("50.57"), Z, date(2026, 11, 1)),
        (PAYMENT, D("4793.56"), Z, Z, Z, D("4793.56"), Z, Z, None),
        (INST, INSTALLMENT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT, Z, Z, date(2026, 10, 1)),
        (INST, INSTALLMENT, D("-247.14"), D("1017.00"), D("300.00"), -INSTALLMENT, Z, Z, date(2026, 11, 1)),
        (INST, INSTALLMENT, D("-248.48"), D("1015.66"), D("300.00"), -INSTALLMENT, Z, Z, date(2026, 12, 1)),
        (CHARGES, D("101.14"), Z, Z, Z, D("-101.14"), D("-101.14"), Z, None),
    ]
    assert balances(loan) == (D("187258.57"), D("2100.00"), Z, Z, Z, date(2027, 1, 1), 310, "active")
    assert AuditEvent.objects.count() == 1  # the late charges are part of the one posting
    assert_consistent(loan)


def test_excess_pays_charges_then_curtails_principal(loan, specialist, manager, today):
    """Beyond the installment, money pays late charges, then fees, then reduces principal."""
    from borrowers.services import fee_assess

    fee_assess(actor=manager, loan_id=loan.pk, amount=D("25.00"), reason="inspection", on=date(2026, 11, 20))
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1689.14"))
    assert rows_after_opening(loan)[1:] == [
        (PAYMENT, D("1689.14"), Z, Z, Z, D("1689.14"), Z, Z, None),
        DEC1,
        (CHARGES, D("25.00"), Z, Z, Z, D("-25.00"), Z, D("-25.00"), None),
        (CURTAIL, D("100.00"), D("-100.00"), Z, Z, D("-100.00"), Z, Z, None),
    ]
    assert balances(loan) == (D("187654.19"), D("1500.00"), Z, Z, Z, date(2027, 1, 1), 310, "active")
    assert_consistent(loan)


def test_late_payment_assesses_the_late_charge_first(loan, specialist, today):
    """Paid Dec 17 (after 15 grace days), the Dec 1 installment carries a 50.57 late charge; Jan's payment clears it."""
    today(date(2026, 12, 17))
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"))
    assert rows_after_opening(loan) == [
        (LATE, D("50.57"), Z, Z, Z, Z, D("50.57"), Z, date(2026, 12, 1)),
        (PAYMENT, INSTALLMENT, Z, Z, Z, INSTALLMENT, Z, Z, None),
        DEC1,
    ]
    assert balances(loan) == (D("187754.19"), D("1500.00"), Z, D("50.57"), Z, date(2027, 1, 1), 310, "active")
    today(date(2026, 12, 28))
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1614.71"))
    assert rows_after_opening(loan)[3:] == [
        (PAYMENT, D("1614.71"), Z, Z, Z, D("1614.71"), Z, Z, None),
        (INST, INSTALLMENT, D("-247.14"), D("1017.00"), D("300.00"), -INSTALLMENT, Z, Z, date(2027, 1, 1)),
        (CHARGES, D("50.57"), Z, Z, Z, D("-50.57"), D("-50.57"), Z, None),
    ]
    assert balances(loan) == (D("187507.05"), D("1800.00"), Z, Z, Z, date(2027, 2, 1), 309, "active")
    assert_consistent(loan)


def test_payment_within_grace_has_no_late_charge(loan, specialist, today):
    """Paid Dec 16, the last grace day, the Dec 1 installment carries no late charge."""
    today(date(2026, 12, 16))
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"))
    assert not loan.ledger.filter(kind=LATE).exists()


def test_late_charge_uses_the_loans_own_percent(specialist, today):
    """A loan with a 5% late charge and 1,500.00 P&I is charged 75.00."""
    loan = LoanFactory(monthly_pi=D("1500.00"), late_charge_pct=D("5.000"), next_due_date=date(2026, 11, 1))
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("100.00"))
    assert loan.ledger.get(kind=LATE).amount == D("75.00")


def test_payoff_pays_the_loan_off(loan, specialist, today):
    """Exactly the payoff amount pays the Dec installment and the rest of principal; the loan is paid off."""
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("189318.33"))
    assert rows_after_opening(loan)[-1] == (
        CURTAIL,
        D("187754.19"),
        D("-187754.19"),
        Z,
        Z,
        D("-187754.19"),
        Z,
        Z,
        None,
    )
    assert balances(loan) == (Z, D("1500.00"), Z, Z, Z, date(2027, 1, 1), 310, "paid_off")
    assert_consistent(loan)


def test_manager_can_post(loan, manager, today):
    """Managers post payments too."""
    row = payment_post(actor=manager, loan_id=loan.pk, amount=D("1564.14"))
    assert row.created_by == manager
    assert AuditEvent.objects.get().actor == manager


# Refusals: each one leaves the ledger, the balances and the audit trail untouched. -------------


def refused(loan: Loan, code: str, status: int, error_type=DomainError, **kwargs) -> DomainError:
    before = snapshot(loan)
    with pytest.raises(error_type) as caught:
        payment_post(loan_id=loan.pk, **kwargs)
    assert (caught.value.code, caught.value.status) == (code, status)
    assert snapshot(loan) == before
    return caught.value


@pytest.mark.parametrize("persona", ["outsider", "admin_user"])
def test_only_specialists_and_managers_may_post(loan, persona, request, today):
    """An outsider or an admin is refused (403) and nothing is written."""
    actor = request.getfixturevalue(persona)
    refused(loan, "forbidden", 403, PermissionRefused, actor=actor, amount=D("1564.14"))


def test_anonymous_may_not_post(loan, today):
    """No user at all is refused like an outsider."""
    from django.contrib.auth.models import AnonymousUser

    refused(loan, "forbidden", 403, PermissionRefused, actor=AnonymousUser(), amount=D("1564.14"))


@pytest.mark.parametrize(
    "amount",
    [D("0"), D("-5.00"), D("10.001"), D("NaN"), D("Infinity"), D("1E+30"), D("1000000000.00"), "12.00", None],
)
def test_bad_amount_writes_nothing(loan, specialist, amount, today):
    """Zero, negative, sub-cent, NaN, infinite, huge or non-Decimal amounts are refused with invalid_amount."""
    refused(loan, "invalid_amount", 400, actor=specialist, amount=amount)


def test_more_than_payoff_writes_nothing_not_even_late_charges(specialist, today):
    """Over the payoff is refused, and the late charges assessed on the way are rolled back too."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), remaining_term_months=313)
    error = refused(loan, "exceeds_payoff", 400, actor=specialist, amount=D("900000.00"))
    assert "more than the payoff" in error.message


@pytest.mark.parametrize("status", [Loan.Status.PAID_OFF, Loan.Status.LIQUIDATED, Loan.Status.CHARGED_OFF])
def test_closed_loan_takes_no_payment(status, specialist, today):
    """A paid-off, liquidated or charged-off loan refuses payments (409)."""
    loan = LoanFactory(status=status)
    error = refused(loan, "loan_not_active", 409, actor=specialist, amount=D("100.00"))
    assert loan.loan_number in error.message


def test_paid_off_by_payment_then_refuses_more(loan, specialist, today):
    """Once a payoff posts, the next payment is refused."""
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("189318.33"))
    refused(loan, "loan_not_active", 409, actor=specialist, amount=D("1.00"))


def test_future_date_is_refused(loan, specialist, today):
    """A payment dated tomorrow is refused (400, field received_on)."""
    error = refused(loan, "future_date", 400, actor=specialist, amount=D("100.00"), received_on=date(2026, 11, 29))
    assert "received_on" in error.fields


def test_backdated_payment_is_accepted_on_its_date(loan, specialist, today):
    """A payment received yesterday posts with yesterday's effective date."""
    row = payment_post(actor=specialist, loan_id=loan.pk, amount=D("100.00"), received_on=date(2026, 11, 27))
    assert row.effective_date == date(2026, 11, 27)


def test_unknown_loan_is_not_found(specialist, today, db):
    """Posting to a loan that does not exist is a 404 and writes nothing."""
    with pytest.raises(NotFound):
        payment_post(actor=specialist, loan_id=999_999, amount=D("100.00"))
    assert LedgerTransaction.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("received_on", ["2026-11-27", datetime(2026, 11, 27, 9, 0)])
def test_received_on_must_be_a_date(loan, specialist, today, received_on):
    """A string or a datetime for the received date is bad input (400 invalid_date), not a crash."""
    error = refused(loan, "invalid_date", 400, actor=specialist, amount=D("100.00"), received_on=received_on)
    assert "received_on" in error.fields
