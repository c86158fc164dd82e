"""The loan page's inbound call form (/delinquency/loans/<id>/inbound-calls/), in the contact
log of the delinquency section: whoever answers logs the borrower's call on any loan; htmx gets
the section back, without JavaScript the post redirects to the section's page. Bad input and
refusals write nothing."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from tests.factories import LoanFactory
from workouts.models import LossMitCase

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 9, 15, tzinfo=NEW_YORK)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    time_machine.move_to(NOW, tick=False)


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT):
    return CallTask.objects.create(
        loan=loan,
        reason=reason,
        due_by=date(2026, 12, 7),
        business_date=date(2026, 11, 30),
        assigned_to=loan.assigned_to,
    )


def url(loan):
    return reverse("loan-inbound-call", args=[loan.pk])


def activity(loan):
    return reverse("loan-activity", args=[loan.pk])


def state():
    return (
        list(CallAttempt.objects.values_list("outcome", "direction")),
        list(CallTask.objects.order_by("pk").values_list("status", flat=True)),
        Promise.objects.count(),
        Hold.objects.count(),
        LossMitCase.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def own_loan(specialist):
    return LoanFactory(assigned_to=specialist, next_due_date=date(2026, 10, 14))


@pytest.fixture
def sams_loan(other_specialist):
    return LoanFactory(assigned_to=other_specialist, next_due_date=date(2026, 10, 14))


def test_activity_offers_the_form_with_every_inbound_outcome(client, specialist, own_loan):
    client.force_login(specialist)
    html = client.get(activity(own_loan), headers=HTMX).content.decode()
    assert "<summary>Log an inbound call</summary>" in html
    assert f'hx-post="{url(own_loan)}" hx-target="#delinquency" hx-swap="outerHTML"' in html
    assert f'action="{url(own_loan)}"' in html
    assert "<legend>What the call was</legend>" in html
    for label in (
        "Spoke with the borrower",
        "Promise to pay",
        "Hardship",
        "Refused to pay",
        "Asked us to stop calling",
        "Someone else called for the borrower",
    ):
        assert f"<span>{label}</span>" in html
    for unanswered in ("No answer", "Left voicemail", "Busy"):
        assert unanswered not in html
    assert '<label for="inbound_amount">Promised amount</label>' in html


def test_on_a_colleagues_loan_promise_and_hardship_are_left_to_the_owner(client, specialist, sams_loan):
    client.force_login(specialist)
    html = client.get(activity(sams_loan), headers=HTMX).content.decode()
    assert "<span>Spoke with the borrower</span>" in html
    assert "<span>Asked us to stop calling</span>" in html
    assert "<span>Promise to pay</span>" not in html
    assert "<span>Hardship</span>" not in html
    assert "Promises and hardship are recorded by the loan's owner" in html


def test_admin_reads_the_activity_without_the_form_and_cannot_post(client, admin_user, own_loan):
    client.force_login(admin_user)
    html = client.get(activity(own_loan), headers=HTMX).content.decode()
    assert "Log an inbound call" not in html
    before = state()
    assert client.post(url(own_loan), {"outcome": "right_party_contact"}).status_code == 403
    assert state() == before


def test_outsider_is_refused_and_nothing_changes(client, outsider, own_loan):
    client.force_login(outsider)
    before = state()
    assert client.post(url(own_loan), {"outcome": "right_party_contact"}).status_code == 403
    assert state() == before


def test_get_is_not_allowed(client, specialist, own_loan):
    client.force_login(specialist)
    assert client.get(url(own_loan)).status_code == 405


def test_htmx_post_logs_the_call_and_returns_the_section_with_a_confirmation(
    client, specialist, other_specialist, sams_loan
):
    """Maria takes Sam's borrower's call: logged as inbound, Sam's task stays open for him."""
    sams = task(sams_loan)
    client.force_login(specialist)

    response = client.post(
        url(sams_loan), {"outcome": "right_party_contact", "note": "Wants the payoff quote"}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="delinquency"')
    assert (
        f'<p class="alert alert-success" role="status">Inbound call logged on loan {sams_loan.loan_number}.</p>' in html
    )
    assert '<span class="badge badge-ok">Inbound</span> <span class="strong">Right-party contact</span>' in html
    assert "Spoke with the borrower. Wants the payoff quote" in html
    attempt = CallAttempt.objects.get()
    assert (attempt.loan_id, attempt.direction, attempt.outcome, attempt.made_by, attempt.at, attempt.task_id) == (
        sams_loan.pk,
        "inbound",
        "right_party_contact",
        specialist,
        NOW,
        None,
    )
    sams.refresh_from_db()
    assert sams.status == CallTask.Status.OPEN
    assert response.context["inbound_form"].is_bound is False  # a fresh form for the next call


def test_without_javascript_the_post_redirects_to_the_section_page_with_the_message(client, specialist, own_loan):
    live = task(own_loan)
    client.force_login(specialist)

    response = client.post(url(own_loan), {"outcome": "refused", "next_action": "Send the options letter"})

    assert (response.status_code, response.url) == (302, activity(own_loan) + "#contacts")
    page = client.get(response.url).content.decode()
    assert f"Inbound call logged on loan {own_loan.loan_number}. 1 open call task on it completed." in page
    assert "Refused to pay. Next action: Send the options letter" in page
    live.refresh_from_db()
    assert live.status == CallTask.Status.DONE


def test_promise_to_pay_on_own_loan_records_the_promise_and_completes_the_tasks(client, specialist, own_loan):
    live = task(own_loan)
    broken = task(own_loan, CallTask.Reason.BROKEN_PROMISE)
    client.force_login(specialist)

    response = client.post(
        url(own_loan), {"outcome": "promise_to_pay", "amount": "600.00", "promised_date": "2026-12-15"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.context["confirmation"] == (
        f"Promise to pay $600.00 by Dec 15 recorded on loan {own_loan.loan_number}. 2 open call tasks on it completed."
    )
    attempt = CallAttempt.objects.get()
    assert (attempt.direction, attempt.outcome, attempt.note) == (
        "inbound",
        "right_party_contact",
        "Promise to pay 600.00 by Dec 15, 2026",
    )
    promise = Promise.objects.get()
    assert (promise.loan_id, promise.amount, promise.promised_date, promise.created_by) == (
        own_loan.pk,
        Decimal("600.00"),
        date(2026, 12, 15),
        specialist,
    )
    assert set(CallTask.objects.filter(pk__in=[live.pk, broken.pk]).values_list("status", flat=True)) == {"done"}
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "call.inbound",
        "promise.create",
    ]


def test_hardship_on_own_loan_opens_a_case_received_by_phone(client, specialist, own_loan):
    client.force_login(specialist)
    client.post(url(own_loan), {"outcome": "hardship", "hardship_reason": "Job loss"}, headers=HTMX)
    case = LossMitCase.objects.get()
    assert (case.loan_id, case.received_via, case.hardship_reason, case.application_received_on) == (
        own_loan.pk,
        "phone",
        "Job loss",
        date(2026, 11, 30),
    )


def test_cease_calls_on_a_colleagues_loan_places_the_hold(client, specialist, sams_loan):
    """A cease request stops calls the moment whoever took the call learns of it (FDCPA
    1692c(c)): allowed on any loan, and the hold cancels the owner's tasks."""
    sams = task(sams_loan)
    client.force_login(specialist)

    response = client.post(url(sams_loan), {"outcome": "cease_calls", "note": "Mail only"}, headers=HTMX)

    assert response.context["confirmation"] == (
        f"Calls stopped on loan {sams_loan.loan_number}: a cease-calls hold is in place."
    )
    hold = Hold.objects.get()
    assert (hold.loan_id, hold.kind, hold.reason) == (
        sams_loan.pk,
        Hold.Kind.CEASE_COMMUNICATION,
        "Borrower asked on the phone to stop calls. Mail only",
    )
    sams.refresh_from_db()
    assert (sams.status, sams.cancel_reason) == ("cancelled", "hold")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "outcome", "Choose what the call was."),
        ({"outcome": "no_answer"}, "outcome", "Select a valid choice. no_answer is not one of the available choices."),
        (
            {"outcome": "promise_to_pay", "promised_date": "2026-12-15"},
            "amount",
            "Enter the amount the borrower promised.",
        ),
        (
            {"outcome": "promise_to_pay", "amount": "600.00", "promised_date": "2026-11-29"},
            "promised_date",
            "A promise cannot be dated in the past.",
        ),
        ({"outcome": "hardship"}, "hardship_reason", "Say what the hardship is."),
    ],
    ids=["no-outcome", "unanswered", "no-amount", "past-date", "no-hardship-reason"],
)
def test_bad_input_shows_the_error_next_to_the_field_and_writes_nothing(
    client, specialist, own_loan, data, field, message
):
    task(own_loan)
    client.force_login(specialist)
    before = state()

    response = client.post(url(own_loan), data, headers=HTMX)

    assert response.status_code == 400
    assert response.context["inbound_form"].errors[field] == [message]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="delinquency"')
    assert '<details class="inbound-call" open>' in html
    error_id = "inbound_outcome_error" if field == "outcome" else f"inbound_{field}_error"
    assert f'id="{error_id}"' in html
    assert state() == before


def test_bad_input_without_javascript_renders_the_page_with_the_errors(client, specialist, own_loan):
    client.force_login(specialist)
    before = state()
    response = client.post(url(own_loan), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html
    assert "Choose what the call was." in html
    assert state() == before


def test_promise_on_a_colleagues_loan_is_refused_and_writes_nothing(client, specialist, sams_loan):
    """The form does not offer it; a hand-made post is refused like any unknown choice."""
    client.force_login(specialist)
    before = state()
    response = client.post(
        url(sams_loan), {"outcome": "promise_to_pay", "amount": "600.00", "promised_date": "2026-12-15"}, headers=HTMX
    )
    assert response.status_code == 400
    assert response.context["inbound_form"].errors["outcome"] == [
        "Select a valid choice. promise_to_pay is not one of the available choices."
    ]
    assert state() == before


def test_contact_log_shows_the_direction_of_each_call(client, specialist, own_loan):
    CallAttempt.objects.create(loan=own_loan, at=datetime(2026, 11, 27, 10, tzinfo=NEW_YORK), outcome="no_answer")
    CallAttempt.objects.create(
        loan=own_loan, at=datetime(2026, 11, 28, 10, tzinfo=NEW_YORK), outcome="third_party", direction="inbound"
    )
    client.force_login(specialist)
    html = client.get(activity(own_loan), headers=HTMX).content.decode()
    inbound = '<span class="badge badge-ok">Inbound</span> <span class="strong">Third party answered</span>'
    outbound = '<span class="badge badge-muted">Outbound</span> <span class="strong">No answer</span>'
    assert inbound in html
    assert outbound in html
    assert html.index(inbound) < html.index(outbound)  # newest first


@pytest.mark.parametrize("whose", ["own_loan", "sams_loan"])
def test_activity_with_the_form_runs_a_fixed_number_of_queries(
    client, specialist, whose, request, django_assert_max_num_queries
):
    loan = request.getfixturevalue(whose)
    client.force_login(specialist)
    with django_assert_max_num_queries(20) as before:
        client.get(activity(loan), headers=HTMX)
    for n in range(5):
        CallAttempt.objects.create(loan=loan, at=datetime(2026, 11, 2 + n, 10, tzinfo=NEW_YORK), outcome="no_answer")
        CallAttempt.objects.create(
            loan=loan, at=datetime(2026, 11, 2 + n, 11, tzinfo=NEW_YORK), outcome="third_party", direction="inbound"
        )
        Hold.objects.create(loan=loan, kind=Hold.Kind.SCRA, start_date=date(2026, 11, 1), reason="Active duty")
    with django_assert_max_num_queries(len(before)):
        client.get(activity(loan), headers=HTMX)
