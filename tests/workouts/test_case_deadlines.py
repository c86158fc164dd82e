"""Every Reg X date on a case, exact, across weekends and federal holidays."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import LoanFactory
from workouts import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 1, 20, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def test_deadlines_of_a_case_received_the_day_before_thanksgiving(specialist):
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 25))
    assert selectors.case_deadlines(case).to_dict() == {
        "live_contact_due": "2026-10-07",
        "written_notice_due": "2026-10-16",
        "acknowledgment_due": "2026-12-03",  # Thu 11-26 Thanksgiving and the weekend skipped
        "evaluation_due": None,  # not complete yet
        "earliest_foreclosure_referral": "2026-12-31",
        "acceptance_window_days": None,
        "appeal_deadline": None,
        "appeal_decision_due": None,
    }


def test_completion_sets_evaluation_due_30_calendar_days_later(specialist):
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 12, 18))
    for kind in ("hardship_statement", "income", "tax_transcript_consent", "bank_statements"):
        services.case_document_receive(actor=specialist, case_id=case.pk, kind=kind, received_on=date(2026, 12, 24))
    case = selectors.case_get(user=specialist, case_id=case.pk)
    deadlines = selectors.case_deadlines(case)
    assert deadlines.acknowledgment_due == date(2026, 12, 28)  # Christmas Fri 12-25 skipped
    assert deadlines.evaluation_due == date(2027, 1, 23)
    assert deadlines.acceptance_window_days == 14


def test_sale_date_close_in_removes_acknowledgment_and_evaluation_clocks(specialist):
    loan = LoanFactory(next_due_date=date(2026, 6, 1), assigned_to=specialist)
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 4),
        application_complete_on=date(2027, 1, 4),
        foreclosure_sale_date=date(2027, 2, 10),  # 37 days after completion
    )
    deadlines = selectors.case_deadlines(case)
    assert deadlines.acknowledgment_due is None  # received 37 days before sale (< 45)
    assert deadlines.evaluation_due is None  # complete 37 days before sale (not more than 37)
    assert deadlines.acceptance_window_days is None


def test_modification_denial_sets_appeal_deadline_and_appeal_its_decision_date(specialist, manager):
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2026, 12, 1),
        application_complete_on=date(2026, 12, 10),
    )
    workout = services.workout_submit(
        actor=specialist,
        case_id=case.pk,
        option="modification",
        terms={
            "interest_rate": "6.500",
            "term_months": 480,
            "capitalized_balance": "195000.00",
            "monthly_pi": "1100.00",
        },
    )
    services.workout_deny(
        actor=manager, workout_id=workout.pk, reason="Payment target not met", notice_on=date(2027, 1, 4)
    )
    case = selectors.case_get(user=manager, case_id=case.pk)
    assert selectors.case_deadlines(case).appeal_deadline == date(2027, 1, 18)
    services.appeal_file(actor=specialist, workout_id=workout.pk, received_on=date(2027, 1, 15))
    case = selectors.case_get(user=manager, case_id=case.pk)
    assert selectors.case_deadlines(case).appeal_decision_due == date(2027, 2, 14)
