"""/api/v1/ delinquency endpoints: worklist, call attempts, task completion, promises, holds,
scan runs."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from delinquency import scan
from delinquency.models import CallTask, Hold, Promise
from tests.factories import LoanFactory

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def monday_morning(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK), tick=False)


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_specialist_sees_her_worklist_after_the_scan(db, specialist, monday_morning):
    """Maria's list after the Nov 29 scan: the loan's Reg X tasks, callable, with its status."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist, property__state="CA")
    scan.run_scan(as_of=date(2026, 11, 29))
    body = client_for(specialist).get("/api/v1/worklist/").json()
    assert [(t["reason"], t["due_by"], t["callable_now"], t["bucket"], t["days_past_due"]) for t in body] == [
        ("regx_live_contact", "2026-12-07", False, "30-59", 59),
        ("regx_written_notice", "2026-12-16", False, "30-59", 59),
    ]
    assert body[0]["loan"] == loan.pk
    assert body[0]["next_callable_at"] == "2026-11-30T11:00:00-05:00"  # 8:00 in California


def test_log_a_right_party_contact_and_a_promise(db, specialist, monday_morning):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 11, 29))
    task = CallTask.objects.get(loan=loan, reason="regx_live_contact")
    api = client_for(specialist)
    response = api.post(f"/api/v1/tasks/{task.pk}/attempts/", {"outcome": "right_party_contact", "note": "Will pay"})
    assert response.status_code == 201
    assert response.json()["task_status"] == "done"
    response = api.post(f"/api/v1/loans/{loan.pk}/promises/", {"amount": "600.00", "promised_date": "2026-12-15"})
    assert response.status_code == 201
    assert response.json() == {
        "id": Promise.objects.get().pk,
        "status": "open",
        "amount": "600.00",
        "promised_date": "2026-12-15",
    }
    again = CallTask.objects.get(loan=loan, reason="regx_written_notice")
    refused = api.post(f"/api/v1/tasks/{again.pk}/attempts/", {"outcome": "no_answer"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_callable"


def test_hold_via_api_then_manager_releases(db, specialist, manager, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    response = client_for(specialist).post(
        f"/api/v1/loans/{loan.pk}/holds/",
        {"kind": "bankruptcy", "start_date": "2026-11-30", "reason": "Chapter 13 filed"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["no_calls"] is True
    hold = Hold.objects.get()
    assert client_for(specialist).post(f"/api/v1/holds/{hold.pk}/release/").status_code == 403
    released = client_for(manager).post(f"/api/v1/holds/{hold.pk}/release/", {"note": "Dismissed"}, format="json")
    assert released.status_code == 200
    assert released.json()["end_date"] == "2026-11-30"


def test_scan_runs_listed(db, specialist, monday_morning):
    scan.run_scan(as_of=date(2026, 11, 29))
    body = client_for(specialist).get("/api/v1/scan-runs/").json()
    assert [(r["business_date"], r["status"]) for r in body] == [("2026-11-29", "done")]


def test_unknown_task_is_404(db, specialist, monday_morning):
    response = client_for(specialist).post("/api/v1/tasks/999/complete/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "task_not_found"
