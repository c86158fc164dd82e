"""The ledger invariant (issue 2): after any sequence of postings, returns, late charges and
fees, every loan balance equals what its ledger sums to, and no balance goes negative.

Rule-based: each step draws an action that fits the loan's current state (only live payments
can be returned), dates only move forward, and "today" is pinned with time-machine.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from borrowers.models import LedgerTransaction, Loan
from borrowers.services import (
    fee_assess,
    late_charges_assess,
    ledger_mismatches,
    payment_post,
    payment_reverse_nsf,
)
from lossmit.errors import DomainError
from tests.borrowers.test_payment_post import snapshot
from tests.factories import LoanFactory

D = Decimal
NEW_YORK = ZoneInfo("America/New_York")
INSTALLMENT = D("1564.14")

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)
payment_amounts = st.one_of(
    cents,  # partials and odd amounts up to 5,000.00
    st.integers(min_value=1, max_value=3).map(lambda n: INSTALLMENT * n),  # whole installments
    st.just(D("250000.00")),  # more than the payoff: refused
    st.just(None),  # exactly the payoff, computed from the loan at the time
)


def assert_invariant(loan: Loan) -> None:
    assert not ledger_mismatches([loan.pk]).exists()
    loan.refresh_from_db()
    balances = (loan.principal_balance, loan.suspense_balance, loan.late_charges_outstanding, loan.fees_outstanding)
    assert min(balances) >= 0, balances
    assert loan.deferred_principal >= 0
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
    seqs = list(loan.ledger.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert (loan.status == Loan.Status.PAID_OFF) == (loan.principal_balance == 0)


def _payoff(loan: Loan, on: date) -> Decimal:
    from borrowers import posting
    from borrowers.services import loan_state

    return posting.payoff_amount(loan_state(loan), on)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_ledger_always_sums_to_the_loan(specialist, manager, time_machine, data):
    """Random postings, NSF returns, late-charge runs and fees keep the loan equal to its ledger sums."""
    day = date(2026, 9, 25)
    loan = LoanFactory(next_due_date=date(2026, 10, 1), remaining_term_months=313)
    assert_invariant(loan)
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        day += timedelta(days=data.draw(st.integers(min_value=0, max_value=20), label="days later"))
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, tzinfo=NEW_YORK), tick=False)
        loan.refresh_from_db()
        live = list(
            loan.ledger.filter(kind=LedgerTransaction.Kind.PAYMENT, reversed_by__isnull=True).values_list(
                "pk", flat=True
            )
        )
        action = data.draw(
            st.sampled_from(["pay", "pay", "late", "fee"] + (["nsf", "nsf"] if live else [])), label="action"
        )
        before = snapshot(loan)
        refusal = None
        try:
            if action == "pay":
                amount = data.draw(payment_amounts, label="amount")
                if amount is None:
                    amount = _payoff(loan, day) if loan.is_active else D("1.00")
                payment_post(actor=specialist, loan_id=loan.pk, amount=amount)
            elif action == "nsf":
                payment_reverse_nsf(actor=specialist, payment_id=data.draw(st.sampled_from(live), label="returned"))
            elif action == "late":
                late_charges_assess(loan_id=loan.pk, as_of=day)
            else:
                fee_assess(actor=manager, loan_id=loan.pk, amount=data.draw(cents, label="fee"), reason="inspection")
        except DomainError as exc:
            refusal = exc
        event(f"{action}: {refusal.code if refusal else 'ok'}")
        if refusal is not None:
            # Refused only for a reason the rules give, and then nothing at all changed.
            assert refusal.code in {"exceeds_payoff", "loan_not_active", "invalid_amount"}, refusal.code
            assert snapshot(loan) == before
        else:
            loan.refresh_from_db()
            event(f"status {loan.status}")
        assert_invariant(loan)


@pytest.mark.parametrize(
    "field",
    [
        "principal_balance",
        "escrow_balance",
        "suspense_balance",
        "late_charges_outstanding",
        "fees_outstanding",
        "deferred_principal",
    ],
)
def test_mismatch_of_one_cent_is_reported(db, field):
    """A balance one cent away from its ledger sum is reported, whichever balance it is."""
    loan = LoanFactory()
    assert not ledger_mismatches([loan.pk]).exists()
    Loan.objects.filter(pk=loan.pk).update(**{field: getattr(loan, field) + D("0.01")})
    assert list(ledger_mismatches([loan.pk])) == [loan]
    assert list(ledger_mismatches()) == [loan]


def test_exact_sums_are_not_mismatches_on_any_database(db, specialist, time_machine):
    """Paid to zero through rows whose float sum is not exactly zero (SQLite), the loan still matches."""
    time_machine.move_to(datetime(2026, 11, 28, 12, tzinfo=NEW_YORK), tick=False)
    loan = LoanFactory()
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("189318.33"))  # 188,000.00 - 245.81 - 187,754.19
    loan.refresh_from_db()
    assert (loan.principal_balance, loan.suspense_balance) == (D("0.00"), D("0.00"))
    assert not ledger_mismatches([loan.pk]).exists()
