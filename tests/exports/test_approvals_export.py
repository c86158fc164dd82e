"""Approval queue export (/workouts/approvals/export.csv): every submitted workout with the
reader's limit flags, as the queue page shows them; streamed, audited, approvers only."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import Profile
from audit.models import AuditEvent
from tests.factories import LoanFactory
from workouts import services
from workouts.models import Workout
from workouts.views import exports

pytestmark = pytest.mark.django_db

EXPORT = reverse("approvals-export")
HEADER = [
    "decide by", "days left", "loan", "borrower", "option", "program", "amount", "your limit",
    "above your limit", "your submission", "submitted by", "submitted on",
]  # fmt: skip
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def _submit(actor, *, number: str, last: str, complete_on: date, amount: str) -> Workout:
    loan = LoanFactory(
        loan_number=number,
        next_due_date=date(2026, 11, 1),
        assigned_to=actor,
        borrower__first_name="Ana",
        borrower__last_name=last,
    )
    case = services.case_open(
        actor=actor, loan_id=loan.pk, application_received_on=complete_on, application_complete_on=complete_on
    )
    return services.workout_submit(
        actor=actor, case_id=case.pk, option="modification", terms={**MOD_TERMS, "capitalized_balance": amount}
    )


@pytest.fixture
def queue(manager, specialist):
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("150000.00"))
    specialist.first_name, specialist.last_name = "Maria", "Reyes"
    specialist.save()
    _submit(specialist, number="7000000001", last="Late", complete_on=date(2027, 3, 1), amount="195000.00")
    _submit(specialist, number="7000000002", last="Early", complete_on=date(2027, 2, 1), amount="120000.00")
    _submit(manager, number="7000000003", last="Own", complete_on=date(2027, 3, 10), amount="90000.00")


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_queue_export_is_exact_in_decision_order_and_audited(client, manager, queue):
    client.force_login(manager)
    response = client.get(EXPORT)
    assert response["Content-Disposition"] == 'attachment; filename="lossmit-approvals-2027-03-15.csv"'
    assert _csv(response) == [
        HEADER,
        ["2027-03-03", "-12", "7000000002", "Ana Early", "Modification", "GSE_FLEX", "120000.00", "150000.00",
         "no", "no", "Maria Reyes", "2027-03-15"],
        ["2027-03-31", "16", "7000000001", "Ana Late", "Modification", "GSE_FLEX", "195000.00", "150000.00",
         "yes", "no", "Maria Reyes", "2027-03-15"],
        ["2027-04-09", "25", "7000000003", "Ana Own", "Modification", "GSE_FLEX", "90000.00", "150000.00",
         "no", "yes", manager.get_full_name(), "2027-03-15"],
    ]  # fmt: skip
    event = AuditEvent.objects.get(action="approvals.export")
    assert (event.actor, event.after) == (manager, {"list": "approvals", "filters": {}, "rows": 3})


def test_admin_exports_the_queue_with_no_limit(client, admin_user, queue):
    client.force_login(admin_user)
    rows = _csv(client.get(EXPORT))
    assert [(r[2], r[7], r[8]) for r in rows[1:]] == [
        ("7000000002", "", "no"),
        ("7000000001", "", "no"),
        ("7000000003", "", "no"),
    ]


def test_anonymous_is_sent_to_login(client):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["specialist", "outsider"])
def test_non_approvers_get_403_and_nothing_is_audited(client, request, persona, queue):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="approvals.export").exists()


def test_the_queue_is_read_through_a_chunked_cursor(client, manager, queue, monkeypatch):
    """Chunks of two over three workouts: the rows come from iterator(chunk_size=2), never a
    list of the whole queue."""
    monkeypatch.setattr(exports, "EXPORT_CHUNK_SIZE", 2)
    seen = []
    queryset_class = type(Workout.objects.none())
    original = queryset_class.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(queryset_class, "iterator", spy)
    client.force_login(manager)
    response = client.get(EXPORT)
    assert seen == [2]
    assert len(_csv(response)) == 4
