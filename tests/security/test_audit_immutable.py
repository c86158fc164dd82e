"""The audit trail cannot be changed: not through the admin, and on PostgreSQL not even by a
raw UPDATE or DELETE. Managers read a loan's trail on its timeline page."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from audit.selectors import TIMELINE_PAGE_SIZE, audit_changes
from audit.services import audit_record
from borrowers.models import LedgerTransaction
from borrowers.services import payment_post
from tests.factories import LoanFactory, UserFactory

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")


@pytest.fixture
def event(loan, specialist):
    return audit_record(
        actor=specialist, action="test.change", obj=loan, loan_id=loan.pk, before={"a": 1}, after={"a": 2}
    )


# --- PostgreSQL refuses changes -----------------------------------------------------------------


@postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_an_audit_event(event, sql):
    """A stray UPDATE or DELETE on the audit table fails, and the row is unchanged."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.action == "test.change"


@postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE borrowers_ledgertransaction SET amount = 1 WHERE id = %s",
        "DELETE FROM borrowers_ledgertransaction WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_a_ledger_row(loan, specialist, sql):
    """The ledger is append-only too: corrections are new rows (reversals), never edits."""
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("100.00"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [payment.pk])
    assert LedgerTransaction.objects.get(pk=payment.pk).amount == Decimal("100.00")


@postgres_only
@pytest.mark.postgres
def test_orm_update_is_refused_as_well(event):
    """QuerySet.update goes through the same trigger."""
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="forged")


# --- Django admin: view only ---------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    """A superuser: every admin permission that exists, so what is missing is missing for everyone."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_offers_no_change_or_delete_for_audit_events(superuser_client, event):
    """The change list and the event page have no add, save or delete; posting them is refused."""
    listing = superuser_client.get("/admin/audit/auditevent/").content.decode()
    assert "/admin/audit/auditevent/add/" not in listing
    assert 'value="delete_selected"' not in listing
    page = superuser_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert f"/admin/audit/auditevent/{event.pk}/delete/" not in html
    assert superuser_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert superuser_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert superuser_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = superuser_client.post(
        "/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302, 403)
    event.refresh_from_db()
    assert event.action == "test.change"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- The per-loan timeline page ------------------------------------------------------------------


def _url(loan) -> str:
    return f"/audit/loans/{loan.pk}/"


def test_manager_sees_the_loans_events_newest_first(client, manager, specialist, loan):
    """Who, when, what and the before/after of each field, newest first; other loans' events are not there."""
    older = audit_record(
        actor=specialist, action="case.open", obj=loan, loan_id=loan.pk, before=None, after={"status": "open"}
    )
    newer = audit_record(
        actor=manager,
        action="workout.approve",
        obj=loan,
        loan_id=loan.pk,
        before={"status": "submitted", "amount": "100.00"},
        after={"status": "approved", "amount": "100.00"},
        note="Within limit",
    )
    other = LoanFactory()
    audit_record(actor=manager, action="other.loan", obj=other, loan_id=other.pk)
    client.force_login(manager)
    response = client.get(_url(loan))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-event="{newer.pk}"') < html.index(f'data-event="{older.pk}"')
    assert "workout.approve" in html
    assert "case.open" in html
    assert "other.loan" not in html
    assert "Dev" in html
    assert "Maria" in html
    assert "Within limit" in html
    assert '<del class="mono">submitted</del>' in html
    assert '<ins class="mono">approved</ins>' in html
    entries = response.context["timeline"].entries
    assert [e.event.pk for e in entries if e.event.action in ("workout.approve", "case.open")] == [newer.pk, older.pk]
    approve = next(e for e in entries if e.event.pk == newer.pk)
    assert [(c.field, c.before, c.after) for c in approve.changes] == [("status", "submitted", "approved")]


def test_admin_may_read_the_timeline(client, admin_user, loan):
    client.force_login(admin_user)
    assert client.get(_url(loan)).status_code == 200


@pytest.mark.parametrize("persona", ["specialist", "outsider"])
def test_specialists_and_people_without_a_role_are_refused(client, request, loan, persona):
    """The audit trail is for those who answer to auditors: specialists and outsiders get 403."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(loan)).status_code == 403


def test_unknown_loan_is_404(client, manager):
    client.force_login(manager)
    assert client.get("/audit/loans/999999/").status_code == 404


def test_timeline_runs_a_fixed_number_of_queries(client, manager, specialist, other_specialist, loan):
    """The page costs the same with 3 events as with a full page of them from many actors."""
    client.force_login(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url(loan)).status_code == 200
        return len(ctx.captured_queries)

    for actor in (specialist, other_specialist, manager):
        audit_record(actor=actor, action="x.y", obj=loan, loan_id=loan.pk, after={"n": 1})
    few = queries()
    for n in range(TIMELINE_PAGE_SIZE + 5):
        actor = UserFactory() if n % 10 == 0 else specialist
        audit_record(actor=actor, action="x.y", obj=loan, loan_id=loan.pk, before={"n": n}, after={"n": n + 1})
    assert queries() == few


def test_second_page_holds_the_older_events(client, manager, loan):
    client.force_login(manager)
    first = audit_record(actor=manager, action="first.event", obj=loan, loan_id=loan.pk)
    for _ in range(TIMELINE_PAGE_SIZE + 1):
        audit_record(actor=manager, action="later.event", obj=loan, loan_id=loan.pk)
    assert "first.event" not in client.get(_url(loan)).content.decode()
    assert "first.event" in client.get(_url(loan) + "?page=2").content.decode()
    assert first.pk


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(None, {"a": 1}, [("a", None, "1")], id="creation lists every field"),
        pytest.param({"a": 1, "b": 2}, {"a": 1, "b": 3}, [("b", "2", "3")], id="only changed fields"),
        pytest.param({"a": 1}, None, [("a", "1", None)], id="removal"),
        pytest.param({"a": {"x": 1}}, {"a": {"x": 2}}, [("a", '{"x": 1}', '{"x": 2}')], id="nested as JSON"),
        pytest.param(None, None, [], id="nothing recorded"),
    ],
)
def test_audit_changes(before, after, expected):
    assert [(c.field, c.before, c.after) for c in audit_changes(before, after)] == expected
