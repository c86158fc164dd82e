"""Case-deadline calls from the nightly scan: missing documents, an offer awaiting acceptance,
an appeal window closing. Each queued once, due three business days before the deadline (not
before the next business day), cancelled when the case no longer needs it, never under a hold.

Nov 27, 2026 is a Friday; Thanksgiving (Nov 26) is not a business day.
"""

from datetime import date

import pytest

from delinquency import scan
from delinquency.models import CallTask, Hold
from delinquency.scan_task_sql import case_deadline_due
from tests.factories import LoanFactory
from workouts.models import Appeal, CaseDocument, LossMitCase, Workout

NOV27 = date(2026, 11, 27)
DOCS, OFFER, APPEAL = CallTask.Reason.CASE_DOCUMENTS, CallTask.Reason.OFFER_ACCEPTANCE, CallTask.Reason.APPEAL_WINDOW

pytestmark = pytest.mark.django_db


def tasks_of(loan) -> list[tuple]:
    return list(
        CallTask.objects.filter(loan=loan)
        .order_by("reason", "due_by", "id")
        .values_list("reason", "due_by", "status", "cancel_reason", "note", "assigned_to__username")
    )


def all_tasks() -> list[tuple]:
    return list(
        CallTask.objects.order_by("id").values_list(
            "id", "loan_id", "reason", "due_by", "business_date", "status", "cancel_reason", "note", "closed_at"
        )
    )


def open_case(loan, user, **fields) -> LossMitCase:
    defaults = {"application_received_on": date(2026, 11, 2), "status": LossMitCase.Status.OPEN}
    return LossMitCase.objects.create(loan=loan, opened_by=user, **(defaults | fields))


def workout(case, user, **fields) -> Workout:
    return Workout.objects.create(case=case, option=Workout.Option.MODIFICATION, submitted_by=user, **fields)


@pytest.fixture
def documents_case(specialist):
    """Acknowledged Nov 9 with the bank statements missing: due Dec 9 (30 days after)."""
    case = open_case(LoanFactory(assigned_to=specialist), specialist, acknowledgment_sent_on=date(2026, 11, 9))
    CaseDocument.objects.create(case=case, kind=CaseDocument.Kind.INCOME, required=True, received_on=date(2026, 11, 5))
    CaseDocument.objects.create(case=case, kind=CaseDocument.Kind.BANK_STATEMENTS, required=True)
    return case


@pytest.fixture
def offer_case(specialist):
    """A modification offered Nov 20, to accept by Friday Dec 4."""
    case = open_case(
        LoanFactory(assigned_to=specialist),
        specialist,
        status=LossMitCase.Status.OFFER,
        application_complete_on=date(2026, 11, 6),
    )
    workout(
        case,
        specialist,
        status=Workout.Status.OFFERED,
        offered_on=date(2026, 11, 20),
        offer_expires_on=date(2026, 12, 4),
    )
    return case


@pytest.fixture
def appeal_case(specialist):
    """A modification denied Nov 24 with an appeal right until Tuesday Dec 8."""
    case = open_case(
        LoanFactory(assigned_to=specialist),
        specialist,
        status=LossMitCase.Status.DECISION,
        application_complete_on=date(2026, 11, 6),
    )
    workout(
        case,
        specialist,
        status=Workout.Status.DENIED,
        denial_notice_on=date(2026, 11, 24),
        appeal_deadline=date(2026, 12, 8),
    )
    return case


def test_due_dates_are_three_business_days_before_the_deadline():
    assert case_deadline_due(NOV27, date(2026, 12, 9)) == date(2026, 12, 4)  # Wed -> the Friday before
    assert case_deadline_due(NOV27, date(2026, 12, 4)) == date(2026, 12, 1)
    assert case_deadline_due(NOV27, date(2026, 12, 8)) == date(2026, 12, 3)  # over the weekend
    # Close deadlines: not before the next business day (Monday Nov 30), not after the deadline.
    assert case_deadline_due(NOV27, date(2026, 12, 2)) == date(2026, 11, 30)
    assert case_deadline_due(NOV27, date(2026, 11, 28)) == date(2026, 11, 28)


def test_each_kind_of_case_deadline_gets_one_call(documents_case, offer_case, appeal_case, specialist):
    run = scan.run_scan(as_of=NOV27)

    assert tasks_of(documents_case.loan) == [
        (DOCS, date(2026, 12, 4), "open", "", "Missing documents due 2026-12-09", "maria")
    ]
    assert tasks_of(offer_case.loan) == [
        (OFFER, date(2026, 12, 1), "open", "", "Offer to accept by 2026-12-04", "maria")
    ]
    assert tasks_of(appeal_case.loan) == [
        (APPEAL, date(2026, 12, 3), "open", "", "Appeal window closes 2026-12-08", "maria")
    ]
    assert run.task_counts == {DOCS: 1, OFFER: 1, APPEAL: 1}


def test_rerun_and_next_night_change_nothing(documents_case, offer_case, appeal_case):
    scan.run_scan(as_of=NOV27)
    before = all_tasks()
    scan.run_scan(as_of=NOV27)
    assert all_tasks() == before
    scan.run_scan(as_of=date(2026, 11, 28))  # still needed: no second task, nothing cancelled
    assert all_tasks() == before


def test_far_deadlines_wait_and_are_queued_when_two_weeks_away(specialist):
    """The documents deadline is the 120th day of delinquency when that comes first: due Aug 1,
    acknowledged Nov 9, so Nov 29 (before Nov 9 + 30). An offer expiring Dec 31 waits."""
    late = open_case(
        LoanFactory(assigned_to=specialist, next_due_date=date(2026, 8, 1)),
        specialist,
        acknowledgment_sent_on=date(2026, 11, 9),
    )
    CaseDocument.objects.create(case=late, kind=CaseDocument.Kind.INCOME, required=True)
    far = open_case(LoanFactory(assigned_to=specialist), specialist, status=LossMitCase.Status.OFFER)
    workout(
        far,
        specialist,
        status=Workout.Status.OFFERED,
        offered_on=date(2026, 11, 27),
        offer_expires_on=date(2026, 12, 31),
    )

    scan.run_scan(as_of=NOV27)
    assert [t for t in tasks_of(late.loan) if t[0] == DOCS] == [
        (DOCS, date(2026, 11, 29), "open", "", "Missing documents due 2026-11-29", "maria")
    ]
    assert tasks_of(far.loan) == []

    scan.run_scan(as_of=date(2026, 12, 17))  # 14 days before Dec 31: due Monday Dec 28
    assert [t for t in tasks_of(far.loan) if t[0] == OFFER] == [
        (OFFER, date(2026, 12, 28), "open", "", "Offer to accept by 2026-12-31", "maria")
    ]


def test_calls_stop_when_the_case_no_longer_needs_them(documents_case, offer_case, appeal_case, specialist):
    scan.run_scan(as_of=NOV27)
    CaseDocument.objects.filter(case=documents_case, received_on__isnull=True).update(received_on=date(2026, 11, 28))
    LossMitCase.objects.filter(pk=documents_case.pk).update(
        application_complete_on=date(2026, 11, 28), status=LossMitCase.Status.EVALUATING
    )
    offer_case.workouts.update(status=Workout.Status.ACCEPTED, responded_on=date(2026, 11, 28))
    denied = appeal_case.workouts.get()
    Appeal.objects.create(
        workout=denied, received_on=date(2026, 11, 28), decision_due=date(2026, 12, 28), filed_by=specialist
    )

    scan.run_scan(as_of=date(2026, 11, 28))
    assert [t[2:4] for t in tasks_of(documents_case.loan)] == [("cancelled", "documents_received")]
    assert [t[2:4] for t in tasks_of(offer_case.loan)] == [("cancelled", "offer_answered")]
    assert [t[2:4] for t in tasks_of(appeal_case.loan)] == [("cancelled", "appeal_filed")]


def test_case_closed_or_deadline_passed_cancels_the_call(documents_case, offer_case):
    scan.run_scan(as_of=NOV27)
    LossMitCase.objects.filter(pk=offer_case.pk).update(status=LossMitCase.Status.CLOSED, closed_on=date(2026, 11, 28))
    scan.run_scan(as_of=date(2026, 11, 28))
    assert [t[2:4] for t in tasks_of(offer_case.loan)] == [("cancelled", "case_closed")]
    assert [t[2:4] for t in tasks_of(documents_case.loan)] == [("open", "")]

    scan.run_scan(as_of=date(2026, 12, 9))  # documents still missing at the end of the due date
    assert [t[2:4] for t in tasks_of(documents_case.loan)] == [("cancelled", "deadline_passed")]


def test_no_call_hold_stops_case_deadline_calls(documents_case, offer_case, specialist):
    Hold.objects.create(
        loan=offer_case.loan, kind=Hold.Kind.CEASE_COMMUNICATION, start_date=date(2026, 11, 1), reason="Letter"
    )
    scan.run_scan(as_of=NOV27)
    assert tasks_of(offer_case.loan) == []
    assert len(tasks_of(documents_case.loan)) == 1

    Hold.objects.create(loan=documents_case.loan, kind=Hold.Kind.ATTORNEY, start_date=NOV27, reason="Counsel")
    scan.run_scan(as_of=date(2026, 11, 28))
    assert [t[2:4] for t in tasks_of(documents_case.loan)] == [("cancelled", "hold")]
    assert tasks_of(offer_case.loan) == []


def test_finished_cases_and_complete_applications_get_no_call(specialist):
    booked = open_case(LoanFactory(assigned_to=specialist), specialist, status=LossMitCase.Status.BOOKED)
    workout(
        booked,
        specialist,
        status=Workout.Status.OFFERED,
        offered_on=date(2026, 11, 20),
        offer_expires_on=date(2026, 12, 4),
    )
    complete = open_case(
        LoanFactory(assigned_to=specialist),
        specialist,
        acknowledgment_sent_on=date(2026, 11, 9),
        application_complete_on=date(2026, 11, 20),
        status=LossMitCase.Status.EVALUATING,
    )
    CaseDocument.objects.create(case=complete, kind=CaseDocument.Kind.OTHER, required=False)
    scan.run_scan(as_of=NOV27)
    assert tasks_of(booked.loan) == []
    assert tasks_of(complete.loan) == []
