"""Booking: a modification changes the loan through MODIFICATION ledger rows and closes the case."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import ledger_mismatches, payment_post
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from workouts import services
from workouts.models import LossMitCase, Workout

pytestmark = pytest.mark.django_db

MOD_TERMS = {
    "interest_rate": "5.000",
    "term_months": 480,
    "capitalized_balance": "191322.82",
    "forbearance": "20000.00",
    "monthly_pi": "826.11",
    "monthly_payment": "1126.11",
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 4, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def loan(specialist):
    """188,000.00 at 6.5%, P&I 1,264.14 + escrow 300.00, oldest unpaid installment 2026-11-01."""
    return LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)


@pytest.fixture
def trial(specialist, manager, loan):
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 2),
        application_complete_on=date(2027, 1, 5),
    )
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    services.workout_approve(actor=manager, workout_id=workout.pk)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    return services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 1, 25))


def _pay_trial(specialist, loan, days=(date(2027, 1, 28), date(2027, 3, 1), date(2027, 4, 2))):
    for day in days:
        payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1126.11"), received_on=day)


def test_booking_capitalises_forbears_and_re_ages_the_loan(specialist, loan, trial):
    """Three trial payments of 1,126.11 completed the Nov and Dec installments out of suspense
    (principal 187,507.05, suspense 250.05, next due 2027-01-01). Booking on 2027-04-15 with the
    first modified payment 2027-05-01 capitalises Jan-Apr interest 4 x 1,015.66 = 4,062.64 less
    the 250.05 in suspense (3,812.59), forbears 20,000.00 and waives 252.85 of late charges."""
    _pay_trial(specialist, loan)
    loan.refresh_from_db()
    assert (loan.principal_balance, loan.suspense_balance, loan.next_due_date) == (
        Decimal("187507.05"),
        Decimal("250.05"),
        date(2027, 1, 1),
    )
    workout = services.workout_book(actor=specialist, workout_id=trial.pk, on=date(2027, 4, 15))

    assert workout.status == Workout.Status.BOOKED
    assert workout.booked_on == date(2027, 4, 15)
    booked = workout.terms["booked"]
    assert booked["capitalized_balance"] == "191319.64"
    assert booked["interest_bearing_balance"] == "171319.64"
    assert booked["monthly_pi"] == "826.10"

    rows = list(loan.ledger.filter(kind=LedgerTransaction.Kind.MODIFICATION).order_by("seq"))
    assert [
        (
            r.amount,
            r.principal,
            r.interest,
            r.suspense,
            r.late_charges,
            r.deferred,
            r.principal_after,
            r.deferred_after,
            r.next_due_date_after,
        )
        for r in rows
    ] == [
        (
            Decimal("4062.64"),
            Decimal("3812.59"),
            Decimal("4062.64"),
            Decimal("-250.05"),
            0,
            0,
            Decimal("191319.64"),
            0,
            date(2027, 5, 1),
        ),
        (
            Decimal("20000.00"),
            Decimal("-20000.00"),
            0,
            0,
            0,
            Decimal("20000.00"),
            Decimal("171319.64"),
            Decimal("20000.00"),
            date(2027, 5, 1),
        ),
        (
            Decimal("252.85"),
            0,
            0,
            0,
            Decimal("-252.85"),
            0,
            Decimal("171319.64"),
            Decimal("20000.00"),
            date(2027, 5, 1),
        ),
    ]
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("171319.64")
    assert loan.deferred_principal == Decimal("20000.00")
    assert loan.suspense_balance == Decimal("0.00")
    assert loan.late_charges_outstanding == Decimal("0.00")
    assert loan.note_rate == Decimal("5.000")
    assert loan.monthly_pi == Decimal("826.10")
    assert loan.remaining_term_months == 480
    assert loan.next_due_date == date(2027, 5, 1)
    assert loan.maturity_date == date(2067, 4, 1)
    assert not ledger_mismatches([loan.pk]).exists()

    case = LossMitCase.objects.get(pk=trial.case_id)
    assert case.status == LossMitCase.Status.BOOKED
    assert case.closed_on == date(2027, 4, 15)
    event = AuditEvent.objects.get(action="workout.book")
    assert event.before["loan"]["principal_balance"] == "187507.05"
    assert event.after["loan"]["principal_balance"] == "171319.64"


def test_booking_before_the_trial_is_complete_changes_nothing(specialist, loan, trial):
    _pay_trial(specialist, loan, days=(date(2027, 1, 28), date(2027, 3, 1)))
    loan.refresh_from_db()
    ledger_rows = loan.ledger.count()
    balances = Loan.objects.filter(pk=loan.pk).values().get()
    with pytest.raises(DomainError) as err:
        services.workout_book(actor=specialist, workout_id=trial.pk, on=date(2027, 4, 15))
    assert err.value.code == "trial_incomplete"
    assert "#3 due 2027-04-01 (scheduled)" in err.value.message
    assert loan.ledger.count() == ledger_rows
    assert Loan.objects.filter(pk=loan.pk).values().get() == balances
    assert Workout.objects.get(pk=trial.pk).status == Workout.Status.TRIAL
    assert not AuditEvent.objects.filter(action="workout.book").exists()


def test_stale_version_refused_at_booking(specialist, loan, trial):
    _pay_trial(specialist, loan)
    with pytest.raises(DomainError) as err:
        services.workout_book(actor=specialist, workout_id=trial.pk, version=trial.version - 1)
    assert err.value.code == "stale_version"
    assert not loan.ledger.filter(kind=LedgerTransaction.Kind.MODIFICATION).exists()


def test_repayment_plan_books_without_touching_the_ledger(specialist, loan):
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 1, 2))
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="repayment_plan", terms={"months": 3, "past_due_amount": "7820.70"}
    )
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 4, 1))
    services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 4, 2))
    rows = loan.ledger.count()
    workout = services.workout_book(actor=specialist, workout_id=workout.pk, on=date(2027, 4, 15))
    assert workout.status == Workout.Status.BOOKED
    assert loan.ledger.count() == rows
    assert LossMitCase.objects.get(pk=case.pk).status == LossMitCase.Status.BOOKED
