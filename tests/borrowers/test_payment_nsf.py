"""payment_reverse_nsf: a returned payment leaves the loan exactly as if it had never arrived.

Each test compares against a twin loan, boarded identically, that never got the bad payment.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import fee_assess, late_charges_assess, payment_post, payment_reverse_nsf
from lossmit.errors import DomainError, NotFound, PermissionRefused
from tests.borrowers.test_payment_post import (
    assert_consistent,
    balances,
    rows_after_opening,
    snapshot,
    today,
)
from tests.factories import LoanFactory

__all__ = ["today"]  # the fixture, imported so pytest finds it here

D = Decimal
Z = D("0.00")
INSTALLMENT = D("1564.14")
NSF = LedgerTransaction.Kind.NSF_REVERSAL
REV = LedgerTransaction.Kind.REVERSAL
PAYMENT = LedgerTransaction.Kind.PAYMENT
INST = LedgerTransaction.Kind.INSTALLMENT


def late_charge_dates(loan: Loan) -> list[date]:
    return sorted(
        loan.ledger.filter(kind=LedgerTransaction.Kind.LATE_CHARGE).values_list("installment_due_date", flat=True)
    )


def assert_same_as_twin(loan: Loan, twin: Loan) -> None:
    assert balances(loan) == balances(twin)
    assert late_charge_dates(loan) == late_charge_dates(twin)
    assert_consistent(loan)
    assert_consistent(twin)


def test_returned_full_payment_restores_the_loan(loan, specialist, today):
    """Returning the only payment reverses its rows exactly and leaves the loan like its twin."""
    twin = LoanFactory()
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 20))
    nsf = payment_reverse_nsf(actor=specialist, payment_id=payment.pk, reason="NSF check 1001")
    assert (nsf.kind, nsf.reversal_of, nsf.reference, nsf.effective_date) == (
        NSF,
        payment,
        "NSF check 1001",
        date(2026, 11, 28),
    )
    assert rows_after_opening(loan) == [
        (PAYMENT, INSTALLMENT, Z, Z, Z, INSTALLMENT, Z, Z, None),
        (INST, INSTALLMENT, D("-245.81"), D("1018.33"), D("300.00"), -INSTALLMENT, Z, Z, date(2026, 12, 1)),
        (NSF, INSTALLMENT, D("245.81"), D("-1018.33"), D("-300.00"), INSTALLMENT, Z, Z, date(2026, 12, 1)),
        (NSF, INSTALLMENT, Z, Z, Z, -INSTALLMENT, Z, Z, None),
    ]
    assert balances(loan) == (D("188000.00"), D("1200.00"), Z, Z, Z, date(2026, 12, 1), 311, "active")
    assert_same_as_twin(loan, twin)


def test_nsf_writes_one_audit_event(loan, specialist, today):
    """A return writes exactly one audit event, with the balances before and after."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk)
    event = AuditEvent.objects.get(action="payment.reverse_nsf")
    assert (event.actor, event.loan_id, event.object_id) == (specialist, loan.pk, str(payment.pk))
    assert (event.before["next_due_date"], event.after["next_due_date"]) == ("2027-01-01", "2026-12-01")
    assert (event.before["principal_balance"], event.after["principal_balance"]) == ("187754.19", "188000.00")
    assert AuditEvent.objects.count() == 2


def test_returned_partial_that_completed_an_installment_with_a_later_payment(loan, specialist, today):
    """A partial that later combined with another payment bounces: the other payment alone waits in suspense."""
    twin = LoanFactory()
    first = payment_post(actor=specialist, loan_id=loan.pk, amount=D("1000.00"), received_on=date(2026, 11, 20))
    second = payment_post(actor=specialist, loan_id=loan.pk, amount=D("564.14"), received_on=date(2026, 11, 25))
    payment_post(actor=specialist, loan_id=twin.pk, amount=D("564.14"), received_on=date(2026, 11, 25))

    payment_reverse_nsf(actor=specialist, payment_id=first.pk)

    assert rows_after_opening(loan)[3:] == [
        (REV, INSTALLMENT, D("245.81"), D("-1018.33"), D("-300.00"), INSTALLMENT, Z, Z, date(2026, 12, 1)),
        (REV, D("564.14"), Z, Z, Z, D("-564.14"), Z, Z, None),
        (NSF, D("1000.00"), Z, Z, Z, D("-1000.00"), Z, Z, None),
        (PAYMENT, D("564.14"), Z, Z, Z, D("564.14"), Z, Z, None),
    ]
    reposted = loan.ledger.order_by("-seq").first()
    assert (reposted.original_payment, reposted.effective_date) == (second, date(2026, 11, 25))
    assert balances(loan) == (D("188000.00"), D("1200.00"), D("564.14"), Z, Z, date(2026, 12, 1), 311, "active")
    assert_same_as_twin(loan, twin)


def test_returned_payment_before_a_good_late_one_brings_back_its_late_charge(loan, specialist, today):
    """Dec's payment bounces after Jan's was posted Dec 28: Jan's money now pays Dec, late, with its 50.57 charge."""
    twin = LoanFactory()
    bad = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 28))
    today(date(2026, 12, 30))
    payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 12, 28))
    payment_post(actor=specialist, loan_id=twin.pk, amount=INSTALLMENT, received_on=date(2026, 12, 28))

    payment_reverse_nsf(actor=specialist, payment_id=bad.pk)
    late_charges_assess(loan_id=twin.pk, as_of=date(2026, 12, 30))

    assert late_charge_dates(loan) == [date(2026, 12, 1)]
    assert balances(loan) == (
        D("187754.19"),
        D("1500.00"),
        Z,
        D("50.57"),
        Z,
        date(2027, 1, 1),
        310,
        "active",
    )
    assert_same_as_twin(loan, twin)


def test_reposted_payment_does_not_pay_charges_assessed_after_it(loan, specialist, manager, today):
    """A good payment reposted after a return pays only charges that existed when it first arrived."""
    twin = LoanFactory()
    bad = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 20))
    for target in (loan, twin):
        payment_post(actor=specialist, loan_id=target.pk, amount=D("1664.14"), received_on=date(2026, 11, 25))
    today(date(2026, 12, 10))
    for target in (loan, twin):
        fee_assess(actor=manager, loan_id=target.pk, amount=D("25.00"), reason="inspection", on=date(2026, 12, 5))

    payment_reverse_nsf(actor=specialist, payment_id=bad.pk)

    # Twin: the 1,664.14 paid Dec 1 and curtailed 100.00; the later fee is still owed.
    assert balances(loan) == (D("187654.19"), D("1500.00"), Z, Z, D("25.00"), date(2027, 1, 1), 310, "active")
    assert_same_as_twin(loan, twin)


def test_returned_payoff_reopens_the_loan(loan, specialist, today):
    """A payoff that bounces puts the loan back to active with its balances as before."""
    twin = LoanFactory()
    payoff = payment_post(actor=specialist, loan_id=loan.pk, amount=D("189318.33"))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.PAID_OFF
    payment_reverse_nsf(actor=specialist, payment_id=payoff.pk)
    assert balances(loan) == (D("188000.00"), D("1200.00"), Z, Z, Z, date(2026, 12, 1), 311, "active")
    assert_same_as_twin(loan, twin)


def test_reposted_payment_can_be_returned_by_its_original_id(loan, specialist, today):
    """After a reapplication, returning the later payment by its first id finds the reposted row."""
    twin = LoanFactory()
    first = payment_post(actor=specialist, loan_id=loan.pk, amount=D("1000.00"), received_on=date(2026, 11, 20))
    second = payment_post(actor=specialist, loan_id=loan.pk, amount=D("564.14"), received_on=date(2026, 11, 25))
    payment_reverse_nsf(actor=specialist, payment_id=first.pk)
    nsf = payment_reverse_nsf(actor=specialist, payment_id=second.pk)
    assert nsf.reversal_of.original_payment == second
    assert_same_as_twin(loan, twin)
    with pytest.raises(DomainError) as caught:
        payment_reverse_nsf(actor=specialist, payment_id=second.pk)
    assert caught.value.code == "already_reversed"


def test_manager_can_return_a_payment(loan, specialist, manager, today):
    """Managers record returned payments too."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    nsf = payment_reverse_nsf(actor=manager, payment_id=payment.pk)
    assert nsf.created_by == manager


# Refusals: nothing changes. -------------------------------------------------------------------


def refused(loan, code, status, error_type=DomainError, **kwargs):
    before = snapshot(loan)
    with pytest.raises(error_type) as caught:
        payment_reverse_nsf(**kwargs)
    assert (caught.value.code, caught.value.status) == (code, status)
    assert snapshot(loan) == before
    return caught.value


def test_returning_twice_is_refused(loan, specialist, today):
    """The same payment cannot be returned twice (409) and the second try writes nothing."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk)
    refused(loan, "already_reversed", 409, actor=specialist, payment_id=payment.pk)


@pytest.mark.parametrize("persona", ["outsider", "admin_user"])
def test_only_specialists_and_managers_may_return(loan, specialist, persona, request, today):
    """Outsiders and admins cannot record a returned payment (403)."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    actor = request.getfixturevalue(persona)
    refused(loan, "forbidden", 403, PermissionRefused, actor=actor, payment_id=payment.pk)


def test_return_in_the_future_is_refused(loan, specialist, today):
    """A return dated after today is refused (400, field returned_on)."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    error = refused(loan, "future_date", 400, actor=specialist, payment_id=payment.pk, returned_on=date(2026, 11, 29))
    assert "returned_on" in error.fields


def test_return_before_receipt_is_refused(loan, specialist, today):
    """A payment cannot come back before it arrived."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 25))
    refused(
        loan, "returned_before_received", 400, actor=specialist, payment_id=payment.pk, returned_on=date(2026, 11, 24)
    )


def test_returned_on_must_be_a_date(loan, specialist, today):
    """A string for the return date is bad input (400 invalid_date)."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT)
    refused(loan, "invalid_date", 400, actor=specialist, payment_id=payment.pk, returned_on="2026-11-28")


def test_unknown_payment_is_not_found(loan, specialist, today):
    """A payment id that does not exist, or is not a payment, is a 404."""
    refused(loan, "payment_not_found", 404, NotFound, actor=specialist, payment_id=999_999)
    opening = loan.ledger.get()
    refused(loan, "payment_not_found", 404, NotFound, actor=specialist, payment_id=opening.pk)


# Property: any return, anywhere in a random history, equals the twin. -------------------------

START = date(2026, 9, 1)
operations = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay", "pay", "late", "fee"]),
        st.integers(min_value=0, max_value=12),  # days after the previous operation
        st.integers(min_value=1, max_value=4_000_00).map(lambda c: D(c) / 100),
    ),
    min_size=1,
    max_size=7,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=operations,
    bad_at=st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=2),
    bad_amounts=st.lists(
        st.integers(min_value=1, max_value=4_000_00).map(lambda c: D(c) / 100), min_size=2, max_size=2
    ),
    newest_first=st.booleans(),
    return_gaps=st.lists(st.integers(min_value=0, max_value=20), min_size=2, max_size=2),
)
# Found by hypothesis: the second return replayed a payment reposted by the first one, whose new
# seq came after a fee assessed later the same day, so the replay let it pay that fee.
@example(
    ops=[("pay", 0, D("1564.15")), ("fee", 0, D("0.01"))],
    bad_at=[0, 0],
    bad_amounts=[D("0.01"), D("0.01")],
    newest_first=False,
    return_gaps=[0, 0],
)
def test_returned_payments_anywhere_match_the_twin(
    specialist, manager, time_machine, ops, bad_at, bad_amounts, newest_first, return_gaps
):
    """Random history; one or two payments bounce, in either order: the loan equals its never-paid twin."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    time_machine.move_to(datetime(2027, 6, 1, 12, tzinfo=ZoneInfo("America/New_York")), tick=False)
    loan = LoanFactory(next_due_date=date(2026, 9, 1), remaining_term_months=314)
    twin = LoanFactory(next_due_date=date(2026, 9, 1), remaining_term_months=314)
    day = START
    bad = []
    for index, (kind, gap, amount) in enumerate(ops):
        day += timedelta(days=gap)
        for position, bad_amount in zip(bad_at, bad_amounts, strict=False):
            if index == min(position, len(ops) - 1):
                bad.append(payment_post(actor=specialist, loan_id=loan.pk, amount=bad_amount, received_on=day))
        if kind == "pay":
            # Payments stay far below the payoff, so both loans accept every one.
            payment_post(actor=specialist, loan_id=loan.pk, amount=amount, received_on=day)
            payment_post(actor=specialist, loan_id=twin.pk, amount=amount, received_on=day)
        elif kind == "late":
            late_charges_assess(loan_id=loan.pk, as_of=day)
            late_charges_assess(loan_id=twin.pk, as_of=day)
        else:
            fee = amount % 100 + 1  # 1.00 to 100.99, whole cents
            fee_assess(actor=manager, loan_id=loan.pk, amount=fee, reason="inspection", on=day)
            fee_assess(actor=manager, loan_id=twin.pk, amount=fee, reason="inspection", on=day)
    if newest_first:
        bad.reverse()
    for payment, gap in zip(bad, return_gaps, strict=False):
        day += timedelta(days=gap)
        payment_reverse_nsf(actor=specialist, payment_id=payment.pk, returned_on=day)
        late_charges_assess(loan_id=twin.pk, as_of=day)  # the return's own late-charge run
    assert_same_as_twin(loan, twin)


def _book_modification(loan: Loan, *, on: date) -> None:
    """Write a modification the way workouts/services/booking.py does: re-aged, new term."""
    from dataclasses import replace

    from borrowers import posting
    from borrowers.services import LedgerWriter

    loan.refresh_from_db()
    writer = LedgerWriter(loan, actor=None, effective_date=on)
    writer.state = replace(writer.state, next_due_date=date(2027, 2, 1), remaining_term_months=480)
    writer.write(posting.Movement(kind=LedgerTransaction.Kind.MODIFICATION, amount=Z), reference="test modification")
    writer.save_loan()


def test_return_from_before_a_modification_is_refused(loan, specialist, today):
    """A payment returned after the loan was modified is refused (409): unwinding would undo the re-ageing."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 20))
    _book_modification(loan, on=date(2026, 11, 25))
    refused(loan, "modified_since", 409, actor=specialist, payment_id=payment.pk)


def test_return_of_a_payment_after_a_modification_restores_the_modified_loan(loan, specialist, today):
    """A payment made after a modification can be returned; the loan goes back to its modified state."""
    _book_modification(loan, on=date(2026, 11, 20))
    modified = balances(loan)
    assert modified[5:7] == (date(2027, 2, 1), 480)
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 25))
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk)
    assert balances(loan) == modified
    assert_consistent(loan)


def test_any_id_of_a_reposted_payment_finds_its_live_row(loan, specialist, today):
    """C is reposted twice (after B, then A, bounce); returning it by its middle id still works."""
    twin = LoanFactory()
    a = payment_post(actor=specialist, loan_id=loan.pk, amount=D("500.00"), received_on=date(2026, 11, 10))
    b = payment_post(actor=specialist, loan_id=loan.pk, amount=D("600.00"), received_on=date(2026, 11, 15))
    c = payment_post(actor=specialist, loan_id=loan.pk, amount=D("700.00"), received_on=date(2026, 11, 20))
    payment_reverse_nsf(actor=specialist, payment_id=b.pk)
    c_first_repost = loan.ledger.get(kind=PAYMENT, original_payment=c)
    payment_reverse_nsf(actor=specialist, payment_id=a.pk)
    nsf = payment_reverse_nsf(actor=specialist, payment_id=c_first_repost.pk)
    assert nsf.reversal_of.original_payment == c
    assert nsf.reversal_of.pk != c_first_repost.pk  # the second reposting was the live one
    assert_same_as_twin(loan, twin)
