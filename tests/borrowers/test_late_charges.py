"""late_charges_assess: once per installment after the grace days, 4% of P&I, idempotent, audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import late_charges_assess, payment_post
from tests.borrowers.test_payment_post import assert_consistent, balances, snapshot, today
from tests.factories import LoanFactory

__all__ = ["today"]  # the fixture, imported so pytest finds it here

D = Decimal
LATE = LedgerTransaction.Kind.LATE_CHARGE


@pytest.fixture
def behind(db):
    """A loan whose Oct 1, 2026 installment is unpaid."""
    return LoanFactory(next_due_date=date(2026, 10, 1), remaining_term_months=313)


def charges(loan: Loan) -> list[tuple]:
    return list(
        loan.ledger.filter(kind=LATE)
        .order_by("seq")
        .values_list("installment_due_date", "amount", "late_charges", "effective_date")
    )


def test_no_charge_through_the_last_grace_day(behind):
    """Due Oct 1 with 15 grace days: nothing is charged as of Oct 16, and nothing is audited."""
    before = snapshot(behind)
    assert late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 16)) == []
    assert snapshot(behind) == before


def test_charge_when_unpaid_at_the_end_of_oct_16(behind):
    """As of Oct 17 the Oct 1 installment carries one 50.57 charge (4% of 1,264.14), with an audit event."""
    rows = late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17))
    assert [(r.kind, r.installment_due_date, r.amount) for r in rows] == [(LATE, date(2026, 10, 1), D("50.57"))]
    assert charges(behind) == [(date(2026, 10, 1), D("50.57"), D("50.57"), date(2026, 10, 17))]
    assert balances(behind)[3] == D("50.57")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.loan_id) == ("late_charge.assess", None, behind.pk)
    assert (event.before["late_charges_outstanding"], event.after["late_charges_outstanding"]) == ("0.00", "50.57")
    assert_consistent(behind)


def test_assessing_again_is_idempotent(behind):
    """Running the assessment twice, or later for the same installment, never charges it again."""
    late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17))
    before = snapshot(behind)
    assert late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17)) == []
    assert late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 31)) == []
    assert snapshot(behind) == before


def test_each_missed_installment_is_charged_once(behind):
    """By Nov 17 the Oct and Nov installments are each charged once; the charge does not grow (no pyramiding)."""
    late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17))
    late_charges_assess(loan_id=behind.pk, as_of=date(2026, 11, 17))
    assert charges(behind) == [
        (date(2026, 10, 1), D("50.57"), D("50.57"), date(2026, 10, 17)),
        (date(2026, 11, 1), D("50.57"), D("50.57"), date(2026, 11, 17)),
    ]
    assert balances(behind)[3] == D("101.14")
    assert_consistent(behind)


def test_catching_up_charges_every_late_installment_at_once(behind):
    """A first run on Dec 20 charges Oct, Nov and Dec together."""
    rows = late_charges_assess(loan_id=behind.pk, as_of=date(2026, 12, 20))
    assert [r.installment_due_date for r in rows] == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert AuditEvent.objects.count() == 1


def test_loan_override_five_percent(db):
    """A note with a 5% late charge on 1,500.00 P&I is charged 75.00."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), monthly_pi=D("1500.00"), late_charge_pct=D("5.000"))
    assert [r.amount for r in late_charges_assess(loan_id=loan.pk, as_of=date(2026, 10, 17))] == [D("75.00")]


def test_loan_grace_override(db):
    """A note with 10 grace days is late on Oct 12."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), grace_days=10)
    assert late_charges_assess(loan_id=loan.pk, as_of=date(2026, 10, 11)) == []
    assert len(late_charges_assess(loan_id=loan.pk, as_of=date(2026, 10, 12))) == 1


def test_paid_installment_is_not_charged(behind, specialist, today):
    """An installment paid within grace is never charged, even if the job runs later."""
    today(date(2026, 10, 16))
    payment_post(actor=specialist, loan_id=behind.pk, amount=D("1564.14"))
    assert late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 20)) == []


def test_nightly_charge_then_payment_does_not_charge_twice(behind, specialist, today):
    """A charge assessed by the nightly job is not assessed again when the payment posts."""
    late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17))
    today(date(2026, 10, 20))
    payment_post(actor=specialist, loan_id=behind.pk, amount=D("1564.14"))
    assert len(charges(behind)) == 1
    assert_consistent(behind)


@pytest.mark.parametrize("status", [Loan.Status.PAID_OFF, Loan.Status.CHARGED_OFF])
def test_closed_loans_are_not_charged(db, status):
    """A paid-off or charged-off loan gets no late charges and no audit event."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), status=status)
    before = snapshot(loan)
    assert late_charges_assess(loan_id=loan.pk, as_of=date(2026, 12, 20)) == []
    assert snapshot(loan) == before


def test_database_refuses_a_second_charge_for_one_installment(behind):
    """The ledger's unique constraint backs the once-per-installment rule even against a stray insert."""
    (row,) = late_charges_assess(loan_id=behind.pk, as_of=date(2026, 10, 17))
    duplicate = LedgerTransaction(
        loan=behind,
        seq=row.seq + 1,
        kind=LATE,
        effective_date=date(2026, 10, 18),
        amount=row.amount,
        late_charges=row.amount,
        principal_after=row.principal_after,
        next_due_date_after=row.next_due_date_after,
        installment_due_date=date(2026, 10, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


# Fees (fee_assess): the other charge a payment's excess pays. ---------------------------------


def test_manager_assesses_a_fee(loan, manager, today):
    """A manager's fee adds to fees outstanding with one ledger row and one audit event."""
    from borrowers.services import fee_assess

    row = fee_assess(actor=manager, loan_id=loan.pk, amount=D("25.00"), reason="property inspection")
    assert (row.kind, row.amount, row.fees, row.reference, row.effective_date) == (
        "fee",
        D("25.00"),
        D("25.00"),
        "property inspection",
        date(2026, 11, 28),
    )
    assert balances(loan)[4] == D("25.00")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.note) == ("fee.assess", manager, "property inspection")
    assert_consistent(loan)


@pytest.mark.parametrize(
    ("persona", "overrides", "code", "status"),
    [
        ("specialist", {}, "forbidden", 403),
        ("admin_user", {}, "forbidden", 403),
        ("manager", {"amount": D("0.00")}, "invalid_amount", 400),
        ("manager", {"amount": D("1.001")}, "invalid_amount", 400),
        ("manager", {"reason": "  "}, "reason_required", 400),
        ("manager", {"on": date(2026, 11, 29)}, "future_date", 400),
        ("manager", {"on": "2026-11-27"}, "invalid_date", 400),
    ],
)
def test_fee_refusals_change_nothing(loan, request, today, persona, overrides, code, status):
    """Only managers assess fees, for a positive amount in cents, with a reason, not in the future."""
    from borrowers.services import fee_assess
    from lossmit.errors import DomainError

    actor = request.getfixturevalue(persona)
    kwargs = {"amount": D("25.00"), "reason": "inspection", **overrides}
    before = snapshot(loan)
    with pytest.raises(DomainError) as caught:
        fee_assess(actor=actor, loan_id=loan.pk, **kwargs)
    assert (caught.value.code, caught.value.status) == (code, status)
    assert snapshot(loan) == before


def test_no_fee_on_a_closed_loan(manager, today):
    """A paid-off loan takes no fee (409): nothing would ever collect it."""
    from borrowers.services import fee_assess
    from lossmit.errors import DomainError

    loan = LoanFactory(status=Loan.Status.PAID_OFF)
    before = snapshot(loan)
    with pytest.raises(DomainError) as caught:
        fee_assess(actor=manager, loan_id=loan.pk, amount=D("25.00"), reason="inspection")
    assert caught.value.code == "loan_not_active"
    assert snapshot(loan) == before
