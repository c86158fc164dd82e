"""Logging a call from a task (/delinquency/tasks/<id>/call/): the outcome sets the services in
motion in one transaction, then the next task opens. Bad input changes nothing."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from tests.factories import LoanFactory
from workouts.models import CaseDocument, LossMitCase

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 9, 15, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    time_machine.move_to(NOW, tick=False)


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT, due_by=date(2026, 12, 7)):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 30), assigned_to=loan.assigned_to
    )


def url(t):
    return reverse("task-call", args=[t.pk])


@pytest.fixture
def two_tasks(specialist):
    """Maria's first task (Reg X, due today) and the next one (broken promise)."""
    first = task(LoanFactory(assigned_to=specialist, next_due_date=date(2026, 10, 14)), due_by=date(2026, 11, 30))
    second = task(LoanFactory(assigned_to=specialist), CallTask.Reason.BROKEN_PROMISE)
    return first, second


def state():
    return (
        list(CallAttempt.objects.values_list("outcome", "task_id")),
        list(CallTask.objects.order_by("pk").values_list("status", flat=True)),
        Promise.objects.count(),
        Hold.objects.count(),
        LossMitCase.objects.count(),
        AuditEvent.objects.count(),
    )


def test_anonymous_is_sent_to_login(client, two_tasks):
    response = client.get(url(two_tasks[0]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_outsider_is_refused_and_nothing_changes(client, outsider, two_tasks):
    client.force_login(outsider)
    before = state()
    assert client.post(url(two_tasks[0]), {"outcome": "no_answer"}).status_code == 403
    assert state() == before


def test_someone_elses_task_is_not_workable(client, other_specialist, two_tasks):
    client.force_login(other_specialist)
    before = state()
    response = client.post(url(two_tasks[0]), {"outcome": "no_answer"})
    assert response.status_code == 302
    assert response.url == reverse("worklist")
    assert state() == before


def test_page_shows_the_borrower_the_window_and_the_outcomes(client, specialist, two_tasks):
    client.force_login(specialist)
    response = client.get(url(two_tasks[0]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Call window open" in html
    for label in (
        "Promise to pay",
        "Hardship",
        "Right-party contact",
        "Refused to pay",
        "Asked us to stop calling",
        "No answer",
        "Left voicemail",
        "Wrong number",
    ):
        assert label in html
    assert response.context["dpd"] == 47


def test_promise_to_pay_records_contact_promise_closes_task_and_opens_the_next(client, specialist, two_tasks):
    first, second = two_tasks
    client.force_login(specialist)

    response = client.post(
        url(first),
        {
            "outcome": "promise_to_pay",
            "amount": "600.00",
            "promised_date": "2026-12-15",
            "note": "Lost overtime",
            "next_action": "Check the payment on the 15th",
        },
    )

    assert response.status_code == 302
    assert response.url == url(second)
    attempt = CallAttempt.objects.get()
    assert (attempt.loan_id, attempt.task_id, attempt.outcome, attempt.made_by, attempt.at) == (
        first.loan_id,
        first.pk,
        CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        specialist,
        NOW,
    )
    assert (
        attempt.note
        == "Promise to pay 600.00 by Dec 15, 2026. Lost overtime. Next action: Check the payment on the 15th"
    )
    promise = Promise.objects.get()
    assert (promise.loan_id, promise.amount, promise.promised_date, promise.created_on, promise.status) == (
        first.loan_id,
        Decimal("600.00"),
        date(2026, 12, 15),
        date(2026, 11, 30),
        Promise.Status.OPEN,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CallTask.Status.DONE, CallTask.Status.OPEN)
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "call.attempt",
        "promise.create",
    ]


def test_last_task_returns_to_the_worklist(client, specialist):
    only = task(LoanFactory(assigned_to=specialist))
    client.force_login(specialist)
    response = client.post(url(only), {"outcome": "right_party_contact"})
    assert response.status_code == 302
    assert response.url == reverse("worklist")


def test_no_answer_keeps_the_task_open_and_moves_on(client, specialist, two_tasks):
    first, second = two_tasks
    client.force_login(specialist)
    response = client.post(url(first), {"outcome": "no_answer"})
    assert response.url == url(second)
    assert CallAttempt.objects.get().outcome == CallAttempt.Outcome.NO_ANSWER
    first.refresh_from_db()
    assert first.status == CallTask.Status.OPEN


def test_wrong_number_can_close_the_task_when_asked(client, specialist, two_tasks):
    first, _ = two_tasks
    client.force_login(specialist)
    client.post(url(first), {"outcome": "wrong_number", "close_task": "on", "next_action": "Skip trace"})
    first.refresh_from_db()
    assert first.status == CallTask.Status.DONE
    assert CallAttempt.objects.get().note == "Wrong number. Next action: Skip trace"


def test_cease_calls_places_a_hold_and_cancels_the_loans_other_tasks(client, specialist, two_tasks):
    first, second = two_tasks
    other_on_loan = task(first.loan, CallTask.Reason.EARLY_WARNING)
    client.force_login(specialist)

    response = client.post(url(first), {"outcome": "cease_calls", "note": "Asked for mail only"})

    assert response.url == url(second)
    hold = Hold.objects.get()
    assert (hold.loan_id, hold.kind, hold.start_date, hold.end_date) == (
        first.loan_id,
        Hold.Kind.CEASE_COMMUNICATION,
        date(2026, 11, 30),
        None,
    )
    assert hold.reason == "Borrower asked on the phone to stop calls. Asked for mail only"
    first.refresh_from_db()
    other_on_loan.refresh_from_db()
    assert (first.status, other_on_loan.status, other_on_loan.cancel_reason) == ("done", "cancelled", "hold")


def test_hardship_opens_a_case_received_by_phone_with_its_checklist(client, specialist, two_tasks):
    first, _ = two_tasks
    client.force_login(specialist)

    client.post(url(first), {"outcome": "hardship", "hardship_reason": "Job loss", "hardship_duration": "long_term"})

    case = LossMitCase.objects.get()
    assert (
        case.loan_id,
        case.application_received_on,
        case.received_via,
        case.hardship_reason,
        case.hardship_duration,
        case.status,
    ) == (first.loan_id, date(2026, 11, 30), "phone", "Job loss", "long_term", LossMitCase.Status.OPEN)
    assert CaseDocument.objects.filter(case=case, received_on__isnull=True).count() == 4
    first.refresh_from_db()
    assert first.status == CallTask.Status.DONE


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "", "promised_date": "2026-12-15"}, "amount", "Enter the amount the borrower promised."),
        ({"amount": "600.00", "promised_date": ""}, "promised_date", "Enter the date the borrower will pay by."),
        (
            {"amount": "-5.00", "promised_date": "2026-12-15"},
            "amount",
            "The amount must be a positive number of cents.",
        ),
        (
            {"amount": "600.00", "promised_date": "2026-11-29"},
            "promised_date",
            "A promise cannot be dated in the past.",
        ),
    ],
    ids=["no-amount", "no-date", "negative-amount", "past-date"],
)
def test_bad_promise_changes_nothing(client, specialist, two_tasks, data, field, message):
    first, _ = two_tasks
    client.force_login(specialist)
    before = state()

    response = client.post(url(first), {"outcome": "promise_to_pay", **data})

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert state() == before


def test_hardship_needs_a_reason(client, specialist, two_tasks):
    client.force_login(specialist)
    before = state()
    response = client.post(url(two_tasks[0]), {"outcome": "hardship"})
    assert response.context["form"].errors["hardship_reason"] == ["Say what the hardship is."]
    assert state() == before


def test_call_outside_the_window_is_refused_and_says_so(client, specialist, time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 13, 30, tzinfo=ZoneInfo("UTC")), tick=False)  # 5:30 in CA
    t = task(LoanFactory(assigned_to=specialist, property__state="CA"))
    client.force_login(specialist)
    before = state()

    page = client.get(url(t)).content.decode()
    response = client.post(url(t), {"outcome": "promise_to_pay", "amount": "600.00", "promised_date": "2026-12-15"})

    assert "The window opens 11:00 AM your time." in page
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Not callable now: outside 8am-9pm local time (it is 05:30 AM there)."
    ]
    assert state() == before


def test_call_page_runs_a_fixed_number_of_queries(client, specialist, django_assert_max_num_queries):
    loan = LoanFactory(assigned_to=specialist)
    t = task(loan)
    for n in range(6):
        CallAttempt.objects.create(loan=loan, at=datetime(2026, 11, 1 + n, 10, tzinfo=NEW_YORK), outcome="no_answer")
        Promise.objects.create(
            loan=loan, amount=Decimal("100.00"), promised_date=date(2026, 11, 2 + n), created_on=date(2026, 11, 1)
        )
    client.force_login(specialist)
    with django_assert_max_num_queries(18) as captured:
        client.get(url(t))
    few = len(captured)
    t2 = task(LoanFactory(assigned_to=specialist))
    with django_assert_max_num_queries(few):
        client.get(url(t2))


# --- the loan page's delinquency section (/delinquency/loans/<id>/activity/) ---


def test_loan_page_loads_the_activity_section_lazily(client, specialist, two_tasks):
    client.force_login(specialist)
    html = client.get(reverse("loan-detail", args=[two_tasks[0].loan_id])).content.decode()
    assert f'hx-get="{reverse("loan-activity", args=[two_tasks[0].loan_id])}"' in html
    assert f'hx-get="{reverse("loan-workouts", args=[two_tasks[0].loan_id])}"' in html


def test_activity_shows_24_month_ends_with_days_past_due_from_the_ledger(client, specialist):
    """Boarded Nov 2020 and unpaid since Oct 1, 2026: current at every month-end but the last
    two (Oct 31: 30 days, 30-59 under MBA; Nov 30: 60 days, 60-89)."""
    loan = LoanFactory(assigned_to=specialist, next_due_date=date(2026, 10, 1))
    client.force_login(specialist)

    response = client.get(reverse("loan-activity", args=[loan.pk]), headers={"HX-Request": "true"})

    history = response.context["history"]
    assert len(history) == 24
    assert (history[0]["end"], history[-1]["end"]) == (date(2024, 12, 31), date(2026, 11, 30))
    assert [(m["dpd"], m["bucket"]) for m in history[-3:]] == [(0, "current"), (30, "30-59"), (60, "60-89")]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="delinquency"')
    assert "Nov 2026: 60 days past due (60-89)" in html


def test_activity_lists_calls_promises_and_holds(client, specialist, two_tasks):
    first, _ = two_tasks
    client.force_login(specialist)
    client.post(url(first), {"outcome": "promise_to_pay", "amount": "600.00", "promised_date": "2026-12-15"})
    Hold.objects.create(loan=first.loan, kind=Hold.Kind.SCRA, start_date=date(2026, 11, 1), reason="Active duty")

    response = client.get(reverse("loan-activity", args=[first.loan_id]))

    html = response.content.decode()
    assert "Promise to pay 600.00 by Dec 15, 2026" in html
    assert "$600.00" in html
    assert "Servicemember protection (SCRA)" in html
    assert "<html" in html  # without htmx the section is a page of its own


def test_activity_is_refused_to_outsiders(client, outsider, two_tasks):
    client.force_login(outsider)
    assert client.get(reverse("loan-activity", args=[two_tasks[0].loan_id])).status_code == 403


def test_activity_runs_a_fixed_number_of_queries(client, specialist, two_tasks, django_assert_max_num_queries):
    loan = two_tasks[0].loan
    client.force_login(specialist)
    with django_assert_max_num_queries(20) as before:
        client.get(reverse("loan-activity", args=[loan.pk]))
    for n in range(5):
        CallAttempt.objects.create(loan=loan, at=datetime(2026, 11, 2 + n, 10, tzinfo=NEW_YORK), outcome="no_answer")
        Hold.objects.create(loan=loan, kind=Hold.Kind.SCRA, start_date=date(2026, 11, 1), reason="Active duty")
    with django_assert_max_num_queries(len(before)):
        client.get(reverse("loan-activity", args=[loan.pk]))
