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
    assert (body["count"], body["matching"], body["next"]) == (2, 2, None)
    tasks = body["results"]
    assert [(t["reason"], t["due_by"], t["callable_now"], t["bucket"], t["days_past_due"]) for t in tasks] == [
        ("regx_live_contact", "2026-12-07", False, "30-59", 59),
        ("regx_written_notice", "2026-12-16", False, "30-59", 59),
    ]
    assert (tasks[0]["loan"], tasks[0]["loan_number"]) == (loan.pk, loan.loan_number)
    assert tasks[0]["borrower"] == loan.borrower.full_name
    assert tasks[0]["next_callable_at"] == "2026-11-30T11:00:00-05:00"  # 8:00 in California
    assert tasks[0]["blocked_reason"] == "Not callable now: outside 8am-9pm local time (it is 06:00 AM there)."


def _open_tasks(specialist, count, *, state="GA"):
    made = []
    for n in range(count):
        loan = LoanFactory(assigned_to=specialist, property__state=state)
        made.append(
            CallTask.objects.create(
                loan=loan,
                reason=CallTask.Reason.EARLY_WARNING if n % 2 else CallTask.Reason.BROKEN_PROMISE,
                due_by=date(2026, 12, 1 + n % 5),
                business_date=date(2026, 11, 29),
                assigned_to=specialist,
            )
        )
    return made


@pytest.mark.parametrize("count", [3, 60, 130])
def test_worklist_api_pages_in_fixed_queries_and_walks_the_whole_order(
    db, specialist, monday_morning, django_assert_max_num_queries, count
):
    """50 tasks a page, broken promises before early warning, by due date then id; `next`
    carries the cursor; each page is the same handful of queries however many tasks."""
    made = _open_tasks(specialist, count)
    expected = [t.pk for t in sorted(made, key=lambda t: (t.reason == CallTask.Reason.EARLY_WARNING, t.due_by, t.pk))]
    api, url, seen, pages = client_for(specialist), "/api/v1/worklist/", [], 0
    while url:
        # token and user, roles, the counts, a read per tier (callable, later, held), the
        # loans, and for tasks not callable now their attempts and holds
        with django_assert_max_num_queries(9):
            body = api.get(url).json()
        assert (body["count"], body["matching"]) == (count, count)
        assert len(body["results"]) == min(50, count - len(seen))
        seen += [t["id"] for t in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == expected
    assert pages == -(-count // 50)


def test_worklist_api_filters_by_reason(db, specialist, monday_morning):
    made = _open_tasks(specialist, 6)
    body = client_for(specialist).get("/api/v1/worklist/", {"reason": "early_warning"}).json()
    assert (body["count"], body["matching"]) == (6, 3)
    assert [t["id"] for t in body["results"]] == [made[5].pk, made[1].pk, made[3].pk]  # due Dec 1, 2, 4


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"reason": "golf"}, "invalid_filter", "reason"),
        ({"bucket": "1000+"}, "invalid_filter", "bucket"),
        ({"after": "9.9.nope.1"}, "invalid_cursor", "after"),
    ],
)
def test_worklist_api_refuses_a_bad_filter_or_cursor(db, specialist, monday_morning, params, code, field):
    _open_tasks(specialist, 2)
    response = client_for(specialist).get("/api/v1/worklist/", params)
    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == (code, [field])


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
