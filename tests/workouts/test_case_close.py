"""Closing and withdrawing: never while the borrower still has a live workout or an appeal right."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from audit.models import AuditEvent
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from workouts import services
from workouts.models import LossMitCase, Workout

pytestmark = pytest.mark.django_db

TERMS = {"interest_rate": "5.000", "term_months": 480, "monthly_pi": "900.00", "capitalized_balance": "190000.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def case(specialist):
    return services.case_open(
        actor=specialist,
        loan_id=LoanFactory().pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 1),
    )


def _close_refused(code, specialist, case):
    before = (LossMitCase.objects.values_list("status", "version").get(pk=case.pk), AuditEvent.objects.count())
    with pytest.raises(DomainError) as err:
        services.case_close(actor=specialist, case_id=case.pk, reason="Nothing left")
    assert err.value.code == code
    assert (LossMitCase.objects.values_list("status", "version").get(pk=case.pk), AuditEvent.objects.count()) == before


def test_close_refused_while_a_workout_is_live_then_allowed_after_withdrawal(specialist, case):
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=TERMS)
    _close_refused("workout_live", specialist, case)
    with pytest.raises(DomainError) as err:
        services.workout_withdraw(actor=specialist, workout_id=workout.pk, reason=" ")
    assert err.value.code == "reason_required"
    workout = services.workout_withdraw(actor=specialist, workout_id=workout.pk, reason="Borrower reinstated")
    assert (workout.status, workout.outcome_reason) == (Workout.Status.WITHDRAWN, "Borrower reinstated")
    closed = services.case_close(actor=specialist, case_id=case.pk, reason="Reinstated", on=date(2027, 3, 15))
    assert (closed.status, closed.closed_on, closed.close_reason) == ("closed", date(2027, 3, 15), "Reinstated")


def test_close_refused_during_the_appeal_window(specialist, manager, case):
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=TERMS)
    services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative", notice_on=date(2027, 3, 10))
    _close_refused("appeal_window_open", specialist, case)  # window open through 2027-03-24


def test_withdrawing_the_case_ends_its_live_workouts(specialist, case):
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=TERMS)
    services.case_withdraw(actor=specialist, case_id=case.pk, reason="Borrower listing the house")
    assert Workout.objects.get(pk=workout.pk).status == Workout.Status.WITHDRAWN
    assert LossMitCase.objects.get(pk=case.pk).status == LossMitCase.Status.WITHDRAWN
