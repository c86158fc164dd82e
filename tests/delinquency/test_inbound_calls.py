"""Inbound calls (delinquency.services.inbound_call_record): whoever answers logs the borrower's
call on any loan, at any hour; it is not one of the 7 calls in 7 days we may place, but a
conversation with the borrower starts Reg F's 7 days without calls whoever dialled."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditEvent
from delinquency.models import CallAttempt, CallTask
from delinquency.selectors import Tier, call_compliance, worklist_page
from delinquency.services import call_attempt_record, inbound_call_record
from lossmit.errors import BadInput, DomainError, PermissionRefused
from tests.delinquency.worklist_order import worklist_for
from tests.factories import LoanFactory

NEW_YORK = ZoneInfo("America/New_York")
MON_0930 = datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK)
RPC = CallAttempt.Outcome.RIGHT_PARTY_CONTACT


@pytest.fixture
def monday_morning(time_machine):
    time_machine.move_to(MON_0930, tick=False)


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT, due_by=date(2026, 12, 7)):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 29), assigned_to=loan.assigned_to
    )


def calls(loan, *ats, outcome=CallAttempt.Outcome.NO_ANSWER, direction=CallAttempt.Direction.OUTBOUND):
    for at in ats:
        CallAttempt.objects.create(loan=loan, at=at, outcome=outcome, direction=direction)


def state():
    return (
        list(CallAttempt.objects.order_by("pk").values_list("outcome", "direction")),
        list(CallTask.objects.order_by("pk").values_list("status", flat=True)),
        AuditEvent.objects.count(),
    )


def test_existing_and_new_attempts_are_outbound_by_default(db, specialist):
    """Rows written before the column existed (and task calls) are calls we placed."""
    loan = LoanFactory(assigned_to=specialist)
    attempt = CallAttempt.objects.create(loan=loan, at=MON_0930, outcome=RPC)
    attempt.refresh_from_db()
    assert attempt.direction == CallAttempt.Direction.OUTBOUND


def test_specialist_logs_the_borrowers_call_on_a_colleagues_loan(db, specialist, other_specialist, monday_morning):
    """Maria answers Sam's borrower: the call is logged and audited, Sam's task stays his, and
    his worklist moves it to 'later' for the 7 days after the conversation."""
    loan = LoanFactory(assigned_to=other_specialist)
    sams = task(loan)

    call = inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC, note="Asked for the payoff amount")

    attempt = CallAttempt.objects.get()
    assert call.attempt == attempt
    assert call.completed_task_ids == []
    assert (attempt.loan_id, attempt.task_id, attempt.direction, attempt.outcome, attempt.made_by, attempt.at) == (
        loan.pk,
        None,
        CallAttempt.Direction.INBOUND,
        RPC,
        specialist,
        MON_0930,
    )
    sams.refresh_from_db()
    assert sams.status == CallTask.Status.OPEN
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.loan_id, event.object_id, event.note) == (
        "call.inbound",
        specialist,
        loan.pk,
        str(attempt.pk),
        "Asked for the payoff amount",
    )
    assert event.after == {
        "direction": "inbound",
        "outcome": "right_party_contact",
        "at": "2026-11-30T14:30:00+00:00",
        "completed_task_ids": [],
    }
    page = worklist_page(user=other_specialist, now=MON_0930)
    assert [(t.pk, t.tier) for t in page.tasks] == [(sams.pk, Tier.LATER)]
    assert page.tasks[0].compliance.reasons == ["spoke with the borrower on Nov 30"]


def test_conversation_on_own_loan_completes_its_call_tasks_but_the_written_notice(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    live = task(loan)
    broken = task(loan, CallTask.Reason.BROKEN_PROMISE)
    notice = task(loan, CallTask.Reason.REGX_WRITTEN_NOTICE)
    elsewhere = task(LoanFactory(assigned_to=specialist))

    call = inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC)

    assert call.completed_task_ids == [live.pk, broken.pk]
    statuses = dict(CallTask.objects.values_list("pk", "status"))
    assert statuses == {live.pk: "done", broken.pk: "done", notice.pk: "open", elsewhere.pk: "open"}
    assert CallTask.objects.get(pk=live.pk).closed_at == MON_0930
    assert AuditEvent.objects.get().after["completed_task_ids"] == [live.pk, broken.pk]


def test_manager_completes_his_teams_tasks(db, manager, other_specialist, monday_morning):
    loan = LoanFactory(assigned_to=other_specialist)
    sams = task(loan)
    call = inbound_call_record(actor=manager, loan_id=loan.pk, outcome=RPC)
    assert call.completed_task_ids == [sams.pk]


def test_third_party_call_completes_nothing_and_starts_no_window(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    live = task(loan)
    call = inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=CallAttempt.Outcome.THIRD_PARTY)
    assert call.completed_task_ids == []
    live.refresh_from_db()
    assert live.status == CallTask.Status.OPEN
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.attempts_last_7_days) == (True, 0)


@pytest.mark.parametrize("persona", ["outsider", "admin_user"])
def test_outsider_and_admin_are_refused_and_nothing_is_written(db, specialist, persona, request, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    task(loan)
    before = state()
    with pytest.raises(PermissionRefused) as refused:
        inbound_call_record(actor=request.getfixturevalue(persona), loan_id=loan.pk, outcome=RPC)
    assert refused.value.message == "Only specialists and managers may log calls."
    assert state() == before


@pytest.mark.parametrize("outcome", ["no_answer", "voicemail", "busy", "wrong_number", "disconnected", "nonsense"])
def test_an_inbound_call_reached_someone(db, specialist, outcome, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    before = state()
    with pytest.raises(BadInput) as refused:
        inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=outcome)
    assert refused.value.fields == {"outcome": ["Choose a valid outcome."]}
    assert state() == before


def test_a_call_in_the_future_is_refused(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    before = state()
    with pytest.raises(BadInput) as refused:
        inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC, at=MON_0930 + timedelta(minutes=5))
    assert refused.value.code == "invalid_at"
    assert state() == before


@pytest.mark.parametrize("ago", [timedelta(days=7, minutes=1), timedelta(days=400 * 365)])
def test_a_call_more_than_a_week_old_is_refused(db, specialist, monday_morning, ago):
    """Hypothesis (schemathesis) sent a call dated 1540: it was stored, and its time could not
    even be written back as RFC 3339. Backdating stops at a week: the 7 quiet days after a
    conversation run from it."""
    loan = LoanFactory(assigned_to=specialist)
    before = state()
    with pytest.raises(BadInput) as refused:
        inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC, at=MON_0930 - ago)
    assert (refused.value.code, refused.value.fields) == ("invalid_at", {"at": ["More than 7 days ago."]})
    assert state() == before


def test_a_call_a_week_ago_is_logged(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    call = inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC, at=MON_0930 - timedelta(days=7))
    assert call.attempt.at == MON_0930 - timedelta(days=7)


def test_earlier_call_logged_with_its_time(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    taken = datetime(2026, 11, 28, 21, 40, tzinfo=NEW_YORK)
    inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC, at=taken)
    assert CallAttempt.objects.get().at == taken
    # 7 days after the conversation is Dec 5, 21:40: after hours, so the next morning.
    assert call_compliance(loan_id=loan.pk).next_callable_at == datetime(2026, 12, 6, 8, 0, tzinfo=NEW_YORK)


def test_unknown_loan_is_not_found(db, specialist, monday_morning):
    with pytest.raises(DomainError) as refused:
        inbound_call_record(actor=specialist, loan_id=987654, outcome=RPC)
    assert (refused.value.status, refused.value.code) == (404, "loan_not_found")
    assert CallAttempt.objects.count() == 0


def test_borrower_calling_at_ten_pm_is_logged(db, specialist, time_machine):
    """The call window limits the calls we place (FDCPA 1692c(a)(1)); the borrower may call us
    at 22:00 their time, and the conversation still starts the 7 days without calls."""
    ten_pm = datetime(2026, 11, 30, 22, 0, tzinfo=NEW_YORK)
    time_machine.move_to(ten_pm, tick=False)
    loan = LoanFactory(assigned_to=specialist)  # Georgia, Eastern
    assert not call_compliance(loan_id=loan.pk).callable_now  # we could not call now

    inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC)

    check = call_compliance(loan_id=loan.pk)
    assert check.next_callable_at == datetime(2026, 12, 8, 8, 0, tzinfo=NEW_YORK)  # Dec 7 22:00 is after hours
    assert check.reasons == ["spoke with the borrower on Nov 30"]


def test_inbound_calls_are_not_among_the_seven_placed(db, specialist, monday_morning):
    """Six calls placed and three calls from the borrower's family in the week: a seventh call
    may still be placed. Both the loan check and the worklist's tier filter agree."""
    loan = LoanFactory(assigned_to=specialist)
    live = task(loan)
    calls(loan, *(MON_0930 - timedelta(days=d) for d in range(1, 7)))
    calls(
        loan,
        *(MON_0930 - timedelta(hours=h) for h in (2, 3, 4)),
        outcome=CallAttempt.Outcome.THIRD_PARTY,
        direction=CallAttempt.Direction.INBOUND,
    )

    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.attempts_last_7_days) == (True, 6)
    assert [(t.pk, t.tier) for t in worklist_page(user=specialist, now=MON_0930).tasks] == [(live.pk, Tier.CALLABLE)]
    assert worklist_for(user=specialist)[0].compliance.callable_now

    call_attempt_record(actor=specialist, task_id=live.pk, outcome=CallAttempt.Outcome.NO_ANSWER)

    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.attempts_last_7_days) == (False, 7)
    assert [(t.pk, t.tier) for t in worklist_page(user=specialist, now=MON_0930).tasks] == [(live.pk, Tier.LATER)]


def test_inbound_conversation_blocks_placed_calls_for_seven_days(db, specialist, other_specialist, time_machine):
    """Sam's borrower called Maria on Friday: Sam may not call until the next Friday, the
    worklist says why, and the service refuses the call."""
    spoke = datetime(2026, 11, 27, 16, 45, tzinfo=NEW_YORK)
    time_machine.move_to(spoke, tick=False)
    loan = LoanFactory(assigned_to=other_specialist)
    sams = task(loan)
    inbound_call_record(actor=specialist, loan_id=loan.pk, outcome=RPC)

    monday = datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK)
    time_machine.move_to(monday, tick=False)
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.next_callable_at, check.attempts_last_7_days) == (
        False,
        spoke + timedelta(days=7),
        0,
    )
    assert check.blocked_reason == "Not callable now: spoke with the borrower on Nov 27."
    assert [(t.pk, t.tier) for t in worklist_page(user=other_specialist, now=monday).tasks] == [(sams.pk, Tier.LATER)]
    before = state()
    with pytest.raises(DomainError) as refused:
        call_attempt_record(actor=other_specialist, task_id=sams.pk, outcome=CallAttempt.Outcome.NO_ANSWER)
    assert refused.value.code == "not_callable"
    assert state() == before

    time_machine.move_to(spoke + timedelta(days=7), tick=False)
    assert call_compliance(loan_id=loan.pk).callable_now
    assert worklist_page(user=other_specialist).tasks[0].tier == Tier.CALLABLE
