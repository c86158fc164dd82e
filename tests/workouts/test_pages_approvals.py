"""The manager's approval queue (/workouts/approvals/) and review page."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from audit.models import AuditEvent
from tests.factories import LoanFactory, UserFactory, ValuationFactory
from workouts import services
from workouts.models import LossMitCase, Workout

pytestmark = pytest.mark.django_db

QUEUE = reverse("approvals")
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}
TODAY = date(2027, 3, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def _submit(actor, *, complete_on: date, amount: str = "195000.00", borrower_last: str = "") -> Workout:
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=actor)
    if borrower_last:
        loan.borrower.last_name = borrower_last
        loan.borrower.save()
    case = services.case_open(
        actor=actor, loan_id=loan.pk, application_received_on=complete_on, application_complete_on=complete_on
    )
    return services.workout_submit(
        actor=actor, case_id=case.pk, option="modification", terms={**MOD_TERMS, "capitalized_balance": amount}
    )


def _evaluated(actor) -> Workout:
    """A modification submitted from a stored evaluation, as the specialist's page does."""
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=actor, property__state="GA")
    ValuationFactory(property=loan.property, value=Decimal("240000.00"), valued_on=date(2027, 1, 10))
    case = services.case_open(
        actor=actor, loan_id=loan.pk, application_received_on=date(2027, 3, 1), application_complete_on=date(2027, 3, 2)
    )
    evaluation = services.evaluation_store(
        actor=actor, case_id=case.pk, as_of=TODAY, gross_monthly_income=Decimal("5200.00")
    )
    return services.workout_submit(actor=actor, case_id=case.pk, option="modification", evaluation_id=evaluation.pk)


def _state(workout: Workout):
    workout = Workout.objects.get(pk=workout.pk)
    case = LossMitCase.objects.get(pk=workout.case_id)
    return workout.status, workout.version, workout.decided_by_id, case.status, case.version, AuditEvent.objects.count()


def test_queue_requires_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist"])
def test_non_approvers_get_403_everywhere(client, request, persona, other_specialist):
    workout = _submit(other_specialist, complete_on=date(2027, 3, 1))
    client.force_login(request.getfixturevalue(persona))
    before = _state(workout)
    assert client.get(QUEUE).status_code == 403
    assert client.get(reverse("approval-review", args=[workout.pk])).status_code == 403
    assert client.post(reverse("approval-approve", args=[workout.pk]), {"version": 1}).status_code == 403
    assert client.post(reverse("approval-deny", args=[workout.pk]), {"reason": "No", "version": 1}).status_code == 403
    assert _state(workout) == before


def test_queue_orders_by_the_date_each_decision_is_due(client, manager, specialist):
    late = _submit(specialist, complete_on=date(2027, 3, 10), borrower_last="Later")  # due Apr 9
    first = _submit(specialist, complete_on=date(2027, 2, 10), borrower_last="Overdue")  # due Mar 12: 3 days late
    middle = _submit(specialist, complete_on=date(2027, 2, 20), borrower_last="Soon")  # due Mar 22
    client.force_login(manager)
    response = client.get(QUEUE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.workout.pk for r in rows] == [first.pk, middle.pk, late.pk]
    assert [(r.due, r.days_left, r.urgency) for r in rows] == [
        (date(2027, 3, 12), -3, "overdue"),
        (date(2027, 3, 22), 7, "ok"),
        (date(2027, 4, 9), 25, "ok"),
    ]
    assert [r.age_days for r in rows] == [0, 0, 0]
    html = response.content.decode()
    assert "3 days late" in html
    assert html.index("Overdue") < html.index("Soon") < html.index("Later")


def test_queue_flags_own_submissions_and_amounts_above_the_limit(client, manager, specialist):
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("150000.00"))
    above = _submit(specialist, complete_on=date(2027, 3, 1), amount="195000.00")
    within = _submit(specialist, complete_on=date(2027, 3, 2), amount="120000.00")
    own = _submit(manager, complete_on=date(2027, 3, 3), amount="100000.00")
    client.force_login(manager)
    response = client.get(QUEUE)
    flags = {r.workout.pk: (r.own, r.above_limit, r.can_decide, r.limit) for r in response.context["rows"]}
    assert flags == {
        above.pk: (False, True, False, Decimal("150000.00")),
        within.pk: (False, False, True, Decimal("150000.00")),
        own.pk: (True, False, False, Decimal("150000.00")),
    }
    html = response.content.decode()
    assert "Above your limit (150,000) — goes to senior approver" in html
    assert "Your submission" in html
    assert html.count(">Approve</button>") == 1


def test_review_shows_every_waterfall_step_and_the_npv_comparison(client, manager, specialist):
    workout = _evaluated(specialist)
    client.force_login(manager)
    response = client.get(reverse("approval-review", args=[workout.pk]))
    assert response.status_code == 200
    steps = workout.evaluation.result["options"]["modification"]["steps"]
    assert [s["step"] for s in response.context["steps"]] == [s["step"] for s in steps]
    assert len(steps) >= 2
    html = response.content.decode()
    for step in steps:
        assert f"{Decimal(step['monthly_pi']):,.2f}" in html
    options = [o["name"] for o in response.context["options"]]
    assert options == ["repayment_plan", "modification", "short_sale", "deed_in_lieu", "foreclosure"]
    chart = response.context["npv_chart"]
    labels = [b["label"] for b in chart["bars"]]
    assert "Modification" in labels
    assert "Foreclosure" in labels
    assert 'id="waterfall"' in html
    assert "<svg" in html
    assert "Approve modification" in html


def test_manager_approves_from_the_review_page(client, manager, specialist):
    workout = _submit(specialist, complete_on=date(2027, 3, 1))
    client.force_login(manager)
    response = client.post(
        reverse("approval-approve", args=[workout.pk]), {"version": 1, "note": "Meets target", "next": "review"}
    )
    assert response.status_code == 302
    assert response.url == reverse("approval-review", args=[workout.pk])
    workout.refresh_from_db()
    assert (workout.status, workout.decided_by, workout.decision_reason) == ("approved", manager, "Meets target")
    event = AuditEvent.objects.get(action="workout.approve")
    assert event.actor == manager
    assert event.object_id == str(workout.pk)
    follow = client.get(response.url)
    assert "Approved: modification on loan" in follow.content.decode()
    assert client.get(QUEUE).context["rows"] == []


def test_manager_cannot_approve_own_submission_and_the_page_says_why(client, manager):
    workout = _submit(manager, complete_on=date(2027, 3, 1))
    client.force_login(manager)
    page = client.get(reverse("approval-review", args=[workout.pk])).content.decode()
    assert "You submitted this" in page
    assert "Approve modification" not in page
    before = _state(workout)
    response = client.post(reverse("approval-approve", args=[workout.pk]), {"version": 1})
    assert response.status_code == 403
    assert "another approver must decide it" in response.content.decode()
    assert _state(workout) == before


def test_above_limit_approval_is_refused_and_names_the_senior_approver(client, manager, specialist, admin_user):
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("100000.00"), manager=admin_user)
    workout = _submit(specialist, complete_on=date(2027, 3, 1))
    client.force_login(manager)
    before = _state(workout)
    response = client.post(reverse("approval-approve", args=[workout.pk]), {"version": 1})
    assert response.status_code == 403
    assert f"it goes to {admin_user.get_full_name()} for approval" in response.content.decode()
    assert _state(workout) == before


def test_deny_needs_a_reason(client, manager, specialist):
    workout = _submit(specialist, complete_on=date(2027, 3, 1))
    client.force_login(manager)
    before = _state(workout)
    response = client.post(reverse("approval-deny", args=[workout.pk]), {"version": 1, "reason": "  "})
    assert response.status_code == 400
    assert "Give the reason the notice will state." in response.content.decode()
    assert _state(workout) == before


def test_deny_with_a_reason_sets_the_appeal_deadline(client, manager, specialist):
    workout = _submit(specialist, complete_on=date(2027, 3, 1))
    client.force_login(manager)
    response = client.post(reverse("approval-deny", args=[workout.pk]), {"version": 1, "reason": "Income unverified"})
    assert response.status_code == 302
    assert response.url == QUEUE
    workout.refresh_from_db()
    assert (workout.status, workout.decision_reason, workout.appeal_deadline) == (
        "denied",
        "Income unverified",
        TODAY + timedelta(days=14),
    )
    assert AuditEvent.objects.filter(action="workout.deny", actor=manager).count() == 1


def test_stale_version_is_refused(client, manager, specialist, admin_user):
    workout = _submit(specialist, complete_on=date(2027, 3, 1))
    services.workout_deny(actor=admin_user, workout_id=workout.pk, reason="Already decided")
    client.force_login(manager)
    before = _state(workout)
    response = client.post(reverse("approval-approve", args=[workout.pk]), {"version": 1})
    assert response.status_code == 409
    assert _state(workout) == before


def _queue_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["rows"])


def test_queue_runs_the_same_queries_for_3_or_30_workouts(client, manager):
    submitters = [UserFactory(role="Specialist") for _ in range(3)]
    for i in range(3):
        _submit(submitters[i % 3], complete_on=date(2027, 3, 1) - timedelta(days=i))
    small, rows = _queue_queries(client, manager)
    assert rows == 3
    for i in range(27):
        _submit(submitters[i % 3], complete_on=date(2027, 2, 1) + timedelta(days=i % 20))
    large, rows = _queue_queries(client, manager)
    assert rows == 30
    assert large == small
