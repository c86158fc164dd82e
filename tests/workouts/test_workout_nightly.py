"""The nightly pass: unanswered offers become rejections, missed trial months fail the trial."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from borrowers.services import payment_post
from tests.factories import LoanFactory
from workouts import services
from workouts.models import Workout
from workouts.tasks import workouts_nightly_task

pytestmark = pytest.mark.django_db

TERMS = {"interest_rate": "5.000", "term_months": 480, "monthly_pi": "900.00", "capitalized_balance": "190000.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 4, 1, 2, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def _offered(specialist, manager, offered_on):
    loan = LoanFactory(next_due_date=date(2026, 12, 1), assigned_to=specialist)
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 4),
        application_complete_on=date(2027, 1, 4),
    )
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=TERMS)
    services.workout_approve(actor=manager, workout_id=workout.pk)
    return services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=offered_on)


def test_nightly_expires_offers_and_fails_missed_trials(specialist, manager):
    unanswered = _offered(specialist, manager, date(2027, 3, 17))  # expires 2027-03-31
    still_open = _offered(specialist, manager, date(2027, 3, 18))  # expires 2027-04-01
    kept = _offered(specialist, manager, date(2027, 1, 20))
    services.workout_accept(actor=specialist, workout_id=kept.pk, accepted_on=date(2027, 1, 25))
    missed = _offered(specialist, manager, date(2027, 1, 20))
    services.workout_accept(actor=specialist, workout_id=missed.pk, accepted_on=date(2027, 1, 25))
    for day in (date(2027, 2, 1), date(2027, 3, 1)):
        payment_post(actor=specialist, loan_id=kept.case.loan_id, amount=Decimal("1200.00"), received_on=day)
    payment_post(actor=specialist, loan_id=missed.case.loan_id, amount=Decimal("1200.00"), received_on=date(2027, 2, 1))

    result = workouts_nightly_task.delay("2027-04-01").get()
    assert result == {"offers_expired": [unanswered.pk], "trials_failed": [missed.pk]}
    statuses = dict(Workout.objects.values_list("pk", "status"))
    assert statuses[unanswered.pk] == "rejected"
    assert statuses[still_open.pk] == "offered"
    assert statuses[kept.pk] == "trial"
    assert statuses[missed.pk] == "trial_failed"
    assert services.workouts_nightly(as_of=date(2027, 4, 1)) == {"offers_expired": [], "trials_failed": []}
