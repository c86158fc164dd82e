"""POST /api/v1/loans/{id}/inbound-calls/: the borrower's call, logged by whoever answered, on
any loan; the same service as the loan page (delinquency.services.inbound_call_record)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from delinquency.models import CallAttempt, CallTask
from tests.factories import LoanFactory

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 22, 0, tzinfo=NEW_YORK)  # after hours: the borrower may still call us


@pytest.fixture(autouse=True)
def monday_night(time_machine):
    time_machine.move_to(NOW, tick=False)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def path(loan) -> str:
    return f"/api/v1/loans/{loan.pk}/inbound-calls/"


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT):
    return CallTask.objects.create(
        loan=loan,
        reason=reason,
        due_by=date(2026, 12, 7),
        business_date=date(2026, 11, 30),
        assigned_to=loan.assigned_to,
    )


def test_right_party_call_on_own_loan_completes_the_tasks(db, specialist):
    loan = LoanFactory(assigned_to=specialist)
    live = task(loan)
    notice = task(loan, CallTask.Reason.REGX_WRITTEN_NOTICE)

    response = api(specialist).post(
        path(loan), {"outcome": "right_party_contact", "note": "Paying Friday"}, format="json"
    )

    assert response.status_code == 201
    attempt = CallAttempt.objects.get()
    assert response.json() == {
        "id": attempt.pk,
        "loan": loan.pk,
        "direction": "inbound",
        "outcome": "right_party_contact",
        "at": "2026-11-30T22:00:00-05:00",
        "completed_task_ids": [live.pk],
    }
    assert (attempt.made_by, attempt.note) == (specialist, "Paying Friday")
    assert dict(CallTask.objects.values_list("pk", "status")) == {live.pk: "done", notice.pk: "open"}
    assert AuditEvent.objects.get().action == "call.inbound"


def test_colleagues_loan_is_logged_and_the_task_stays(db, specialist, other_specialist):
    loan = LoanFactory(assigned_to=other_specialist)
    sams = task(loan)
    response = api(specialist).post(path(loan), {"outcome": "right_party_contact"}, format="json")
    assert response.status_code == 201
    assert response.json()["completed_task_ids"] == []
    sams.refresh_from_db()
    assert sams.status == CallTask.Status.OPEN


def test_earlier_time_is_kept(db, specialist):
    loan = LoanFactory(assigned_to=specialist)
    response = api(specialist).post(
        path(loan), {"outcome": "third_party", "at": "2026-11-30T18:05:00-05:00"}, format="json"
    )
    assert response.status_code == 201
    assert CallAttempt.objects.get().at == datetime(2026, 11, 30, 18, 5, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"outcome": "no_answer"}, "invalid"),
        ({}, "invalid"),
        ({"outcome": "right_party_contact", "at": "2026-12-01T09:00:00-05:00"}, "invalid_at"),
    ],
    ids=["unanswered", "no-outcome", "future"],
)
def test_bad_input_is_a_400_writing_nothing(db, specialist, body, code):
    loan = LoanFactory(assigned_to=specialist)
    response = api(specialist).post(path(loan), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert (CallAttempt.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_admin_is_refused_writing_nothing(db, specialist, admin_user):
    loan = LoanFactory(assigned_to=specialist)
    response = api(admin_user).post(path(loan), {"outcome": "right_party_contact"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert (CallAttempt.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_unknown_loan_is_404(db, specialist):
    response = api(specialist).post("/api/v1/loans/987654/inbound-calls/", {"outcome": "third_party"}, format="json")
    assert response.status_code == 404
