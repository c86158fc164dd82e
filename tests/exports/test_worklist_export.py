"""Worklist export (/delinquency/worklist/export.csv): the team's or one specialist's open call
tasks as CSV, filtered like the worklist page, streamed in chunks, audited, managers only."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from delinquency.models import CallTask, LoanDelinquency
from delinquency.views import exports
from tests.factories import LoanFactory

EXPORT = reverse("worklist-export")
HEADER = [
    "specialist", "loan", "borrower", "state", "reason", "due by", "days past due", "bucket", "risk", "call window",
]  # fmt: skip


@pytest.fixture(autouse=True)
def monday_0830(time_machine):
    """Monday Nov 30, 2026, 13:30 UTC: 8:30 in New York, 5:30 in Los Angeles."""
    time_machine.move_to(datetime(2026, 11, 30, 13, 30, tzinfo=ZoneInfo("UTC")), tick=False)


def _loan(user, number, last, *, state="GA", next_due=date(2026, 10, 14)):
    return LoanFactory(
        loan_number=number,
        assigned_to=user,
        borrower__first_name="Ana",
        borrower__last_name=last,
        property__state=state,
        next_due_date=next_due,
    )


def _task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT, due_by=date(2026, 12, 7)):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 30), assigned_to=loan.assigned_to
    )


@pytest.fixture
def team(specialist, other_specialist):
    """Maria: a scanned 30-59 loan with a risk reason (GA) and an unscanned 1-29 loan in CA;
    Sam: a 60-89 early-warning task; one completed task that never shows."""
    scanned = _loan(specialist, "5000000001", "Reyes")
    LoanDelinquency.objects.create(
        loan=scanned,
        business_date=date(2026, 11, 29),
        next_due_date=date(2026, 10, 14),
        days_past_due=47,
        mba_status=30,
        bucket="30-59",
        risk_reasons=[{"code": "nsf", "message": "NSF return 12 days ago"}],
    )
    _task(scanned)
    _task(_loan(specialist, "5000000002", "Lopez", state="CA", next_due=date(2026, 11, 14)), due_by=date(2026, 12, 1))
    sams = _task(
        _loan(other_specialist, "5000000003", "Kim", next_due=date(2026, 9, 14)), CallTask.Reason.EARLY_WARNING
    )
    done = _task(_loan(other_specialist, "5000000004", "Done"))
    done.status = CallTask.Status.DONE
    done.save()
    return sams


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_team_export_lists_every_open_task_exactly_and_is_audited(client, manager, team):
    client.force_login(manager)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="lossmit-worklist-2026-11-30.csv"'
    assert _csv(response) == [
        HEADER,
        ["maria", "5000000002", "Ana Lopez", "CA", "Reg X live contact", "2026-12-01", "16", "1-29", "",
         "Opens 2026-11-30 11:00"],
        ["maria", "5000000001", "Ana Reyes", "GA", "Reg X live contact", "2026-12-07", "47", "30-59",
         "NSF return 12 days ago", "Open now"],
        ["sam", "5000000003", "Ana Kim", "GA", "Early-warning outreach", "2026-12-07", "77", "60-89", "", "Open now"],
    ]  # fmt: skip
    event = AuditEvent.objects.get(action="worklist.export")
    assert event.actor == manager
    assert event.after == {"list": "worklist", "filters": {"specialist": "", "reason": "", "bucket": ""}, "rows": 3}


def test_one_specialists_worklist_with_the_pages_filters(client, manager, specialist, team):
    client.force_login(manager)
    response = client.get(EXPORT, {"specialist": specialist.pk, "reason": "regx_live_contact", "bucket": "1-29"})
    assert [row[:2] for row in _csv(response)] == [HEADER[:2], ["maria", "5000000002"]]
    assert AuditEvent.objects.get(action="worklist.export").after == {
        "list": "worklist",
        "filters": {"specialist": "maria", "reason": "regx_live_contact", "bucket": "1-29"},
        "rows": 1,
    }


def test_a_bad_filter_is_refused_not_widened(client, manager, team):
    client.force_login(manager)
    assert client.get(EXPORT, {"bucket": "200+"}).status_code == 400
    assert client.get(EXPORT, {"specialist": manager.pk + 1000}).status_code == 400
    assert not AuditEvent.objects.filter(action="worklist.export").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["specialist", "outsider", "admin_user"])
def test_only_managers_export_worklists(client, request, persona, team):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="worklist.export").exists()


def test_streams_in_chunks_with_a_fixed_number_of_queries_per_chunk(client, manager, specialist, monkeypatch):
    """Five tasks in chunks of two: the tasks are read through one cursor, and the call-window
    inputs (attempts, holds) once per chunk of two, three chunks whatever a chunk holds."""
    for n in range(5):
        _task(_loan(specialist, f"60000000{n:02d}", f"Reyes{n}"))
    monkeypatch.setattr(exports, "EXPORT_CHUNK_SIZE", 2)
    seen = []
    original = CallTask.objects.none().__class__.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(type(CallTask.objects.none()), "iterator", spy)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EXPORT)
        first = next(iter(response.streaming_content))  # the header: no task read yet
        assert first.decode().startswith("specialist,loan")
        reads_before_rows = len(queries)
        lines = [first, *response.streaming_content]
    assert seen == [2]
    assert len(lines) == 6
    attempt_reads = [q for q in queries.captured_queries[reads_before_rows:] if "delinquency_callattempt" in q["sql"]]
    assert len(attempt_reads) == 3
