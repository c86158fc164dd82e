"""The specialist's worklist: call compliance (8am-9pm local, 7 in 7, 7 days after a
conversation, no-call holds), when each task next opens, and the order Maria expects."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditEvent
from delinquency.models import CallAttempt, CallTask, Hold
from delinquency.selectors import borrower_time_zone, call_compliance
from delinquency.services import call_attempt_record, call_task_complete
from lossmit.errors import DomainError
from tests.delinquency.worklist_order import worklist_for
from tests.factories import LoanFactory

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MON_0830 = datetime(2026, 11, 30, 8, 30, tzinfo=NEW_YORK)


@pytest.fixture
def monday_morning(time_machine):
    time_machine.move_to(MON_0830, tick=False)


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT, due_by=date(2026, 12, 7), user=None):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 29), assigned_to=user or loan.assigned_to
    )


def attempts(loan, *ats, outcome=CallAttempt.Outcome.NO_ANSWER):
    for at in ats:
        CallAttempt.objects.create(loan=loan, at=at, outcome=outcome)


def test_time_zone_from_property_then_mailing_state(settings):
    assert borrower_time_zone("CA", "GA") == LOS_ANGELES
    assert borrower_time_zone("", "CA") == LOS_ANGELES
    assert borrower_time_zone(None, None) == ZoneInfo(settings.TIME_ZONE)


def test_california_borrower_opens_at_eight_pacific(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist, property__state="CA")
    check = call_compliance(loan_id=loan.pk)
    assert not check.callable_now
    assert check.next_callable_at == datetime(2026, 11, 30, 8, 0, tzinfo=LOS_ANGELES)  # 11:00 Eastern
    assert check.blocked_reason == "Not callable now: outside 8am-9pm local time (it is 05:30 AM there)."


def test_after_nine_pm_the_window_opens_next_morning(db, specialist, time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 21, 0, tzinfo=NEW_YORK), tick=False)
    loan = LoanFactory(assigned_to=specialist)  # Georgia, Eastern
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.next_callable_at) == (False, datetime(2026, 12, 1, 8, 0, tzinfo=NEW_YORK))
    time_machine.move_to(datetime(2026, 11, 30, 20, 59, tzinfo=NEW_YORK), tick=False)
    assert call_compliance(loan_id=loan.pk).callable_now


def test_seven_attempts_in_seven_days_block_until_the_oldest_ages_out(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    oldest = MON_0830 - timedelta(days=6, hours=20)  # Nov 23, 12:30
    attempts(loan, oldest, *(MON_0830 - timedelta(days=d) for d in range(1, 7)))
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.attempts_last_7_days) == (False, 7)
    assert check.next_callable_at == oldest + timedelta(days=7)  # Nov 30, 12:30 Eastern
    assert check.reasons == ["7 call attempts in the last 7 days"]


def test_six_attempts_still_allow_a_seventh(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    attempts(loan, *(MON_0830 - timedelta(days=d) for d in range(1, 7)), MON_0830 - timedelta(days=8))
    assert call_compliance(loan_id=loan.pk).callable_now


def test_no_call_within_seven_days_after_a_conversation(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    spoke = datetime(2026, 11, 27, 16, 45, tzinfo=NEW_YORK)
    attempts(loan, spoke, outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT)
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.next_callable_at) == (False, spoke + timedelta(days=7))
    assert check.blocked_reason == "Not callable now: spoke with the borrower on Nov 27."


def test_conversation_gap_ending_at_night_waits_for_the_morning(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    attempts(loan, datetime(2026, 11, 25, 20, 30, tzinfo=NEW_YORK), outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT)
    check = call_compliance(loan_id=loan.pk, now=datetime(2026, 12, 2, 21, 30, tzinfo=NEW_YORK))
    assert check.next_callable_at == datetime(2026, 12, 3, 8, 0, tzinfo=NEW_YORK)


def test_no_call_hold_blocks_with_no_opening(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    Hold.objects.create(loan=loan, kind=Hold.Kind.ATTORNEY, start_date=date(2026, 11, 1), reason="Counsel retained")
    check = call_compliance(loan_id=loan.pk)
    assert (check.callable_now, check.next_callable_at) == (False, None)
    assert check.blocked_reason == "No calls: represented by an attorney hold since Nov 01, 2026."


def test_forbearance_hold_does_not_block_calls(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    Hold.objects.create(loan=loan, kind=Hold.Kind.FORBEARANCE, start_date=date(2026, 11, 1), reason="Hurricane")
    assert call_compliance(loan_id=loan.pk).callable_now


def test_worklist_order_and_annotations_in_three_queries(
    db, specialist, other_specialist, monday_morning, django_assert_num_queries
):
    """Callable first: Reg X by due date, broken promises, missed trials, early warning; then
    the ones that open later, soonest first; no-call holds last. Someone else's task is absent."""
    ga = LoanFactory(assigned_to=specialist)
    early = task(LoanFactory(assigned_to=specialist), CallTask.Reason.EARLY_WARNING, date(2026, 12, 4))
    promise = task(LoanFactory(assigned_to=specialist), CallTask.Reason.BROKEN_PROMISE, date(2026, 11, 29))
    trial = task(LoanFactory(assigned_to=specialist), CallTask.Reason.MISSED_TRIAL_PAYMENT, date(2026, 11, 30))
    regx_late = task(ga, due_by=date(2026, 12, 7))
    regx_soon = task(LoanFactory(assigned_to=specialist), CallTask.Reason.REGX_WRITTEN_NOTICE, date(2026, 12, 1))
    california = task(LoanFactory(assigned_to=specialist, property__state="CA"), due_by=date(2026, 12, 1))
    hawaii = task(LoanFactory(assigned_to=specialist, property__state="HI"), due_by=date(2026, 12, 1))
    held_loan = LoanFactory(assigned_to=specialist)
    Hold.objects.create(loan=held_loan, kind=Hold.Kind.BANKRUPTCY, start_date=date(2026, 11, 1), reason="Ch. 7")
    held = task(held_loan, due_by=date(2026, 11, 30))
    task(LoanFactory(assigned_to=other_specialist))

    with django_assert_num_queries(3):
        tasks = worklist_for(user=specialist)
        [(t.compliance.callable_now, t.loan.borrower.mailing_state, t.loan.property.state) for t in tasks]

    assert [t.pk for t in tasks] == [
        regx_soon.pk,
        regx_late.pk,
        promise.pk,
        trial.pk,
        early.pk,
        california.pk,
        hawaii.pk,
        held.pk,
    ]
    assert [t.compliance.callable_now for t in tasks] == [True] * 5 + [False] * 3
    assert tasks[5].compliance.next_callable_at == datetime(2026, 11, 30, 11, 0, tzinfo=NEW_YORK)
    assert tasks[6].compliance.next_callable_at == datetime(2026, 11, 30, 13, 0, tzinfo=NEW_YORK)  # 8:00 in Honolulu
    assert tasks[7].compliance.next_callable_at is None


def test_logging_a_call_outside_the_window_is_refused(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist, property__state="CA")
    t = task(loan)
    with pytest.raises(DomainError) as err:
        call_attempt_record(actor=specialist, task_id=t.pk, outcome=CallAttempt.Outcome.NO_ANSWER)
    assert err.value.code == "not_callable"
    assert not CallAttempt.objects.exists()


def test_right_party_contact_completes_the_task_and_blocks_the_next_call(db, specialist, monday_morning):
    loan = LoanFactory(assigned_to=specialist)
    t = task(loan)
    other = task(loan, CallTask.Reason.REGX_WRITTEN_NOTICE, date(2026, 12, 16))
    call_attempt_record(
        actor=specialist,
        task_id=t.pk,
        outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT,
        note="Lost overtime; will pay 600.00 on the 15th",
    )
    t.refresh_from_db()
    assert t.status == "done"
    assert AuditEvent.objects.filter(action="call.attempt", loan_id=loan.pk).count() == 1
    with pytest.raises(DomainError):
        call_attempt_record(actor=specialist, task_id=other.pk, outcome=CallAttempt.Outcome.NO_ANSWER)
    call_task_complete(actor=specialist, task_id=other.pk, note="Notice mailed")
    other.refresh_from_db()
    assert other.status == "done"


def test_outsider_cannot_log_calls(db, specialist, outsider, monday_morning):
    t = task(LoanFactory(assigned_to=specialist))
    with pytest.raises(DomainError) as err:
        call_attempt_record(actor=outsider, task_id=t.pk, outcome=CallAttempt.Outcome.NO_ANSWER)
    assert err.value.status == 403


def test_worklist_page_reads_the_same_order_two_tasks_at_a_time(
    db, specialist, other_specialist, monday_morning, django_assert_max_num_queries
):
    """The paged worklist walks the whole order of worklist_for, a page at a time, each page in
    at most seven queries, with the same compliance annotations."""
    from delinquency.selectors import Tier, worklist_page

    early = task(LoanFactory(assigned_to=specialist), CallTask.Reason.EARLY_WARNING, date(2026, 12, 4))
    promise = task(LoanFactory(assigned_to=specialist), CallTask.Reason.BROKEN_PROMISE, date(2026, 11, 29))
    regx = task(LoanFactory(assigned_to=specialist), CallTask.Reason.REGX_WRITTEN_NOTICE, date(2026, 12, 1))
    spoke_loan = LoanFactory(assigned_to=specialist)
    attempts(spoke_loan, MON_0830 - timedelta(days=2), outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT)
    spoke = task(spoke_loan, CallTask.Reason.BROKEN_PROMISE, date(2026, 11, 30))
    busy_loan = LoanFactory(assigned_to=specialist)
    attempts(busy_loan, *(MON_0830 - timedelta(hours=20 * n + 1) for n in range(7)))
    busy = task(busy_loan, due_by=date(2026, 12, 2))
    california = task(LoanFactory(assigned_to=specialist, property__state="CA"), due_by=date(2026, 12, 1))
    held_loan = LoanFactory(assigned_to=specialist)
    Hold.objects.create(loan=held_loan, kind=Hold.Kind.CEASE_COMMUNICATION, start_date=date(2026, 11, 1), reason="x")
    held = task(held_loan, due_by=date(2026, 11, 30))
    task(LoanFactory(assigned_to=other_specialist))

    order, tiers, after, pages = [], [], None, 0
    while True:
        with django_assert_max_num_queries(7):  # counts, a read per tier, loans, attempts, holds
            page = worklist_page(user=specialist, after=after, size=2)
        order += [t.pk for t in page.tasks]
        tiers += [(t.tier, t.compliance.callable_now, t.compliance.blocked_reason[:8]) for t in page.tasks]
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert order == [regx.pk, promise.pk, early.pk, california.pk, busy.pk, spoke.pk, held.pk]
    assert order == [*[t.pk for t in worklist_for(user=specialist)][:3], california.pk, busy.pk, spoke.pk, held.pk]
    assert tiers == [(Tier.CALLABLE, True, "")] * 3 + [(Tier.LATER, False, "Not call")] * 3 + [
        (Tier.NO_CALLS, False, "No calls")
    ]
    assert (pages, page.total, page.regulatory_today) == (4, 7, 1)  # the held Reg X task, due today


def test_next_callable_task_skips_the_one_just_logged_and_the_uncallable(db, specialist, monday_morning):
    from delinquency.selectors import next_callable_task

    first = task(LoanFactory(assigned_to=specialist), due_by=date(2026, 11, 30))
    task(LoanFactory(assigned_to=specialist, property__state="CA"), due_by=date(2026, 11, 30))
    second = task(LoanFactory(assigned_to=specialist), CallTask.Reason.EARLY_WARNING)
    assert next_callable_task(user=specialist, after_task_id=first.pk) == second
    assert next_callable_task(user=specialist, after_task_id=second.pk) == first


def test_a_page_of_callable_tasks_reads_no_attempts_or_holds(db, specialist, monday_morning, django_assert_num_queries):
    """The callable tier's filter already proved each task callable (no hold, no conversation in
    seven days, under seven attempts, inside the window): the page reads the counts, the tier
    and the loans, and says "Open now" exactly as compliance_for would."""
    from delinquency.selectors import call_compliance, worklist_page

    loans = [LoanFactory(assigned_to=specialist) for _ in range(3)]
    attempts(loans[0], *(MON_0830 - timedelta(hours=20 * n + 1) for n in range(6)))  # six: still callable
    for loan in loans:
        task(loan, due_by=date(2026, 12, 1))

    with django_assert_num_queries(3):
        page = worklist_page(user=specialist, size=2)

    assert [t.loan_id for t in page.tasks] == [loans[0].pk, loans[1].pk]
    checked = call_compliance(loan_id=loans[0].pk)
    assert (checked.callable_now, checked.attempts_last_7_days) == (True, 6)
    shown = page.tasks[0].compliance
    assert (shown.callable_now, shown.next_callable_at, shown.blocked_reason, shown.reasons) == (True, None, "", [])
    assert shown.local_time == checked.local_time
