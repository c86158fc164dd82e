"""Offers with Reg X acceptance windows, the borrower's answer, and trial plans judged from the ledger."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from borrowers.services import payment_post, payment_reverse_nsf
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from workouts import services
from workouts.models import LossMitCase, TrialPayment, Workout

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
    with time_machine.travel(datetime(2027, 6, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def _approved(specialist, manager, option="modification", terms=MOD_TERMS, sale=None, complete=date(2027, 1, 5)):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 2),
        application_complete_on=complete,
        foreclosure_sale_date=sale,
    )
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option=option, terms=terms)
    if workout.status == Workout.Status.SUBMITTED:
        workout = services.workout_approve(actor=manager, workout_id=workout.pk)
    return workout


@pytest.mark.parametrize(
    ("_case", "sale", "expires"),
    [
        ("no sale: 14 days", None, date(2027, 2, 3)),
        ("complete 90 days before sale: 14 days", date(2027, 4, 5), date(2027, 2, 3)),
        ("complete 60 days before sale: 7 days", date(2027, 3, 6), date(2027, 1, 27)),
        ("complete 30 days before sale: Reg X silent, Lossmit gives 7", date(2027, 2, 4), date(2027, 1, 27)),
    ],
)
def test_offer_acceptance_deadline(specialist, manager, _case, sale, expires):
    workout = _approved(specialist, manager, sale=sale)
    workout = services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    assert workout.status == Workout.Status.OFFERED
    assert workout.offer_expires_on == expires
    assert LossMitCase.objects.get(pk=workout.case_id).status == LossMitCase.Status.OFFER


def test_offer_needs_an_approved_workout(specialist, manager):
    loan = LoanFactory()
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 2),
        application_complete_on=date(2027, 1, 5),
    )
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    with pytest.raises(DomainError) as err:
        services.workout_offer(actor=specialist, workout_id=workout.pk)
    assert err.value.code == "invalid_state"
    assert Workout.objects.get(pk=workout.pk).status == Workout.Status.SUBMITTED


def test_acceptance_on_the_last_day_starts_three_trial_payments(specialist, manager):
    workout = _approved(specialist, manager)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    workout = services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 2, 3))
    assert workout.status == Workout.Status.TRIAL
    assert list(workout.trial_payments.values_list("number", "due_date", "amount", "status")) == [
        (1, date(2027, 3, 1), Decimal("1126.11"), "scheduled"),
        (2, date(2027, 4, 1), Decimal("1126.11"), "scheduled"),
        (3, date(2027, 5, 1), Decimal("1126.11"), "scheduled"),
    ]
    assert LossMitCase.objects.get(pk=workout.case_id).status == LossMitCase.Status.TRIAL


def test_acceptance_after_the_deadline_is_refused_and_changes_nothing(specialist, manager):
    workout = _approved(specialist, manager)
    workout = services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 2, 4))
    assert err.value.code == "offer_expired"
    assert Workout.objects.get(pk=workout.pk).status == Workout.Status.OFFERED
    assert not TrialPayment.objects.exists()
    assert AuditEvent.objects.count() == events


def test_no_answer_by_the_deadline_is_a_rejection(specialist, manager):
    workout = _approved(specialist, manager)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    assert services.offers_expire(as_of=date(2027, 2, 3)) == []
    assert services.offers_expire(as_of=date(2027, 2, 4)) == [workout.pk]
    workout.refresh_from_db()
    assert workout.status == Workout.Status.REJECTED
    assert workout.outcome_reason == "No answer by 2027-02-03: treated as rejected."
    assert LossMitCase.objects.get(pk=workout.case_id).status == LossMitCase.Status.EVALUATING
    assert services.offers_expire(as_of=date(2027, 2, 5)) == []  # idempotent


def test_repayment_plan_acceptance_is_accepted_not_trial(specialist, manager):
    workout = _approved(specialist, manager, option="repayment_plan", terms={"months": 3, "past_due_amount": "4692.42"})
    assert workout.auto_approved
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    workout = services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 1, 21))
    assert workout.status == Workout.Status.ACCEPTED
    assert not workout.trial_payments.exists()


def test_borrower_rejects_with_reason(specialist, manager):
    workout = _approved(specialist, manager)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    workout = services.workout_reject(
        actor=specialist, workout_id=workout.pk, reason="Wants to sell instead", on=date(2027, 1, 22)
    )
    assert workout.status == Workout.Status.REJECTED
    assert workout.outcome_reason == "Wants to sell instead"
    assert workout.responded_on == date(2027, 1, 22)


@pytest.fixture
def trial(specialist, manager):
    """Accepted 2027-01-25: trial payments of 1,126.11 due Feb 1, Mar 1, Apr 1 2027."""
    workout = _approved(specialist, manager)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    return services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 1, 25))


def _pay(actor, workout, on, amount="1126.11"):
    return payment_post(actor=actor, loan_id=workout.case.loan_id, amount=Decimal(amount), received_on=on)


def test_trial_payments_paid_within_their_month_count(specialist, trial):
    _pay(specialist, trial, date(2027, 1, 28))  # early for February: counts (window opens at the offer)
    _pay(specialist, trial, date(2027, 3, 31))  # last day of the month it is due
    services.trial_payments_review(workout_id=trial.pk, as_of=date(2027, 3, 31))
    assert list(trial.trial_payments.values_list("status", "paid_on")) == [
        ("paid", date(2027, 1, 28)),
        ("paid", date(2027, 3, 31)),
        ("scheduled", None),
    ]
    assert Workout.objects.get(pk=trial.pk).status == Workout.Status.TRIAL


def test_payments_split_within_a_month_add_up(specialist, trial):
    _pay(specialist, trial, date(2027, 2, 5), "600.00")
    _pay(specialist, trial, date(2027, 2, 20), "526.11")
    services.trial_payments_review(workout_id=trial.pk, as_of=date(2027, 2, 28))
    assert trial.trial_payments.get(number=1).paid_on == date(2027, 2, 20)


def test_missed_month_fails_the_trial(specialist, trial):
    _pay(specialist, trial, date(2027, 2, 2))
    _pay(specialist, trial, date(2027, 4, 1))  # March's payment arrived in April: late
    services.trial_payments_review(workout_id=trial.pk, as_of=date(2027, 3, 31))
    assert Workout.objects.get(pk=trial.pk).status == Workout.Status.TRIAL  # March not over on the 31st
    workout = services.trial_payments_review(workout_id=trial.pk, as_of=date(2027, 4, 1))
    assert workout.status == Workout.Status.TRIAL_FAILED
    assert workout.outcome_reason == "Trial payment 2 of 1126.11 due 2027-03-01 was not received by 2027-03-31."
    assert trial.trial_payments.get(number=2).status == TrialPayment.Status.MISSED
    assert LossMitCase.objects.get(pk=trial.case_id).status == LossMitCase.Status.EVALUATING


def test_returned_payment_does_not_count(specialist, trial):
    payment = _pay(specialist, trial, date(2027, 2, 2))
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk, returned_on=date(2027, 2, 10))
    workout = services.trial_payments_review(workout_id=trial.pk, as_of=date(2027, 3, 1))
    assert workout.status == Workout.Status.TRIAL_FAILED
