"""The nightly scan on a handful of loans: exact statuses, buckets, events, tasks and owners."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Profile
from audit.models import AuditEvent
from borrowers.models import Borrower, Loan
from borrowers.services import payment_post, payment_reverse_nsf
from delinquency import scan, status
from delinquency.models import BucketEvent, CallTask, Hold, LoanDelinquency, Promise, ScanRun
from delinquency.services import hold_create, hold_release, promise_create, tasks_cancel_for_cured_loan
from tests.factories import LoanFactory
from workouts.domain.dates import add_months

NOV27 = date(2026, 11, 27)
INSTALLMENT = Decimal("1564.14")
LIVE, NOTICE = CallTask.Reason.REGX_LIVE_CONTACT, CallTask.Reason.REGX_WRITTEN_NOTICE


def tasks_of(loan) -> list[tuple]:
    return list(
        CallTask.objects.filter(loan=loan)
        .order_by("reason", "due_by")
        .values_list("reason", "due_by", "status", "cancel_reason", "assigned_to__username")
    )


def status_of(loan) -> tuple:
    row = LoanDelinquency.objects.get(loan=loan)
    return (row.business_date, row.days_past_due, row.mba_status, row.ots_status, row.bucket)


@pytest.fixture
def portfolio(db, specialist, other_specialist, spanish_specialist):
    """Maria (capacity 150) works one current loan; Sam (capacity 200) one 57 days late."""
    Profile.objects.filter(user=other_specialist).update(capacity=200)
    return {
        "current": LoanFactory(assigned_to=specialist),
        "late26": LoanFactory(next_due_date=date(2026, 11, 1)),
        "late57": LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=other_specialist),
        "spanish": LoanFactory(next_due_date=date(2026, 11, 1), borrower__preferred_language="es"),
        "in_grace": LoanFactory(first_payment_date=date(2021, 1, 20), next_due_date=date(2026, 11, 20)),
        "bankrupt": LoanFactory(next_due_date=date(2026, 9, 1)),
        "late149": LoanFactory(next_due_date=date(2026, 7, 1)),
        "paid_off": LoanFactory(next_due_date=date(2026, 9, 1), status=Loan.Status.PAID_OFF),
    }


def test_scan_statuses_tasks_and_assignment(portfolio, specialist, today):
    """Each loan's status and tasks, exactly; owners by continuity, capacity and language."""
    p = portfolio
    Hold.objects.create(loan=p["bankrupt"], kind=Hold.Kind.BANKRUPTCY, start_date=date(2026, 10, 15), reason="Ch. 13")
    run = scan.run_scan(as_of=NOV27)

    assert status_of(p["current"]) == (NOV27, 0, 0, 0, "current")
    assert status_of(p["late26"]) == (NOV27, 26, 0, 0, "1-29")
    assert status_of(p["late57"]) == (NOV27, 57, 30, 30, "30-59")
    assert status_of(p["in_grace"]) == (NOV27, 7, 0, 0, "1-29")
    assert status_of(p["bankrupt"]) == (NOV27, 87, 60, 60, "bankruptcy")
    assert status_of(p["late149"]) == (NOV27, 149, 120, 120, "120+")
    assert not LoanDelinquency.objects.filter(loan=p["paid_off"]).exists()

    assert tasks_of(p["current"]) == []
    assert tasks_of(p["in_grace"]) == []  # day 7, still inside the 15 grace days
    assert tasks_of(p["bankrupt"]) == []  # the stay: no collection calls at all
    # Sam had 199 spare, Maria 149, Luis 100: Sam takes the English-speaking unassigned loans.
    assert tasks_of(p["late26"]) == [
        (LIVE, date(2026, 12, 7), "open", "", "sam"),  # Nov 1 + 36 days
        (NOTICE, date(2026, 12, 16), "open", "", "sam"),  # Nov 1 + 45 days
    ]
    # Continuity: Sam already works this borrower. The current cycle is the Nov 1 due date.
    assert tasks_of(p["late57"]) == [
        (LIVE, date(2026, 12, 7), "open", "", "sam"),
        (NOTICE, date(2026, 12, 16), "open", "", "sam"),
    ]
    # The borrower speaks Spanish: Luis, although he has the least spare capacity.
    assert tasks_of(p["spanish"]) == [
        (LIVE, date(2026, 12, 7), "open", "", "luis"),
        (NOTICE, date(2026, 12, 16), "open", "", "luis"),
    ]
    assert [t[4] for t in tasks_of(p["late149"])] == ["sam", "sam"]
    p["late26"].refresh_from_db()
    assert p["late26"].assigned_to.username == "sam"  # the loan follows, so later tasks do too

    assert list(BucketEvent.objects.order_by("loan_id").values_list("loan_id", "from_bucket", "to_bucket", "kind")) == [
        (p["late26"].pk, "current", "1-29", "entered"),
        (p["late57"].pk, "current", "30-59", "entered"),
        (p["spanish"].pk, "current", "1-29", "entered"),
        (p["in_grace"].pk, "current", "1-29", "entered"),
        (p["bankrupt"].pk, "current", "bankruptcy", "entered"),
        (p["late149"].pk, "current", "120+", "entered"),
    ]
    assert (run.status, run.loans_scanned, run.chunks_total, run.chunks_done) == ("done", 7, 1, 1)
    assert run.bucket_counts == {"current": 1, "1-29": 3, "30-59": 1, "120+": 1, "bankruptcy": 1}
    assert run.task_counts == {"regx_live_contact": 4, "regx_written_notice": 4}
    assert run.tasks_assigned == 8


def snapshot() -> dict:
    return {
        "status": list(LoanDelinquency.objects.order_by("pk").values()),
        "events": list(BucketEvent.objects.order_by("pk").values()),
        "tasks": list(CallTask.objects.order_by("pk").values()),
        "promises": list(Promise.objects.order_by("pk").values()),
        "owners": list(Loan.objects.order_by("pk").values_list("pk", "assigned_to_id")),
    }


def test_rerun_for_the_same_business_date_changes_nothing(portfolio, specialist, today):
    """Scanning Nov 27 again (and again, in small chunks) leaves every table as it was."""
    promise_create(
        actor=specialist,
        loan_id=portfolio["late26"].pk,
        amount=Decimal("600.00"),
        promised_date=date(2026, 11, 20),
        created_on=date(2026, 11, 10),
    )
    scan.run_scan(as_of=NOV27)
    before = snapshot()
    scan.run_scan(as_of=NOV27)
    scan.run_scan(as_of=NOV27, chunk_size=2)
    assert snapshot() == before
    assert ScanRun.objects.get(business_date=NOV27).status == "done"


def test_status_in_sql_matches_the_pure_rules(db, today):
    """The scan's SQL gives the same dpd, MBA and OTS as status.py around month ends, February
    and leap years, for due days 1, 15, 28, 29, 30 and 31."""
    rng = random.Random(7)
    loans = []
    for due_day in (1, 15, 28, 29, 30, 31):
        first = date(2021, 1, min(due_day, 31))
        for months_back in range(8):
            next_due = add_months(date(2024, 3, 1), -months_back, day=due_day)
            loans.append(LoanFactory(first_payment_date=first, next_due_date=next_due))
    days = sorted(
        {
            date(2024, 1, 30),
            date(2024, 1, 31),
            date(2024, 2, 27),
            date(2024, 2, 28),
            date(2024, 2, 29),
            date(2024, 3, 1),
            date(2024, 3, 30),
            date(2024, 3, 31),
        }
        | {date(2024, 1, 1) + timedelta(days=rng.randrange(120)) for _ in range(6)}
    )
    for day in days:
        scan.run_scan(as_of=day)
        got = {
            r.loan_id: (r.days_past_due, r.mba_status, r.ots_status, r.bucket) for r in LoanDelinquency.objects.all()
        }
        for loan in loans:
            due_day = loan.first_payment_date.day
            expected = (
                status.days_past_due(loan.next_due_date, day),
                status.mba_status(loan.next_due_date, due_day, day),
                status.ots_status(loan.next_due_date, due_day, day),
                status.bucket_for(next_due_date=loan.next_due_date, due_day=due_day, as_of=day),
            )
            assert got[loan.pk] == expected, (loan.next_due_date, due_day, day)


def test_roll_forward_then_cure_events_and_task_cancellation(db, specialist, today):
    """30-59 on Nov 27 rolls to 60-89 on Nov 30 (MBA); a cure on Dec 2 cancels the calls."""
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    scan.run_scan(as_of=NOV27)
    scan.run_scan(as_of=date(2026, 11, 30))
    row = LoanDelinquency.objects.get(loan=loan)
    assert (row.bucket, row.risk_score, row.risk_reasons) == (
        "60-89",
        20,
        [{"code": "rolled_forward", "message": "Rolled forward a bucket"}],
    )
    Loan.objects.filter(pk=loan.pk).update(next_due_date=date(2027, 1, 1))  # as if three payments posted
    scan.run_scan(as_of=date(2026, 12, 2))
    assert list(loan.bucket_events.values_list("date", "from_bucket", "to_bucket", "kind")) == [
        (NOV27, "current", "30-59", "entered"),
        (date(2026, 11, 30), "30-59", "60-89", "rolled_forward"),
        (date(2026, 12, 2), "60-89", "current", "cured"),
    ]
    assert {(t[0], t[2], t[3]) for t in tasks_of(loan)} == {
        (LIVE, "cancelled", "cured"),
        (NOTICE, "cancelled", "cured"),
    }


def test_payment_that_cures_cancels_tasks_the_same_day(db, specialist, today):
    """Maria's list drops the loan's calls the moment the payment posts, not the next night."""
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 11, 26))
    assert [t[2] for t in tasks_of(loan)] == ["open", "open"]
    payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=NOV27)
    # payment_post itself cancels them, in the payment's transaction; a second call finds none.
    assert {(t[2], t[3]) for t in tasks_of(loan)} == {("cancelled", "cured")}
    assert tasks_cancel_for_cured_loan(loan_id=loan.pk, on=NOV27) == []
    assert AuditEvent.objects.filter(action="call_task.cancel_cured", loan_id=loan.pk).count() == 1


def test_partial_payment_does_not_cancel(db, specialist, today):
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 11, 26))
    payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=NOV27)  # one of two
    assert tasks_cancel_for_cured_loan(loan_id=loan.pk, on=NOV27) == []
    assert {t[2] for t in tasks_of(loan)} == {"open"}


def test_hold_cancels_and_stops_tasks_until_released(db, specialist, manager, today):
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 11, 26))
    hold = hold_create(
        actor=specialist,
        loan_id=loan.pk,
        kind=Hold.Kind.CEASE_COMMUNICATION,
        start_date=date(2026, 11, 27),
        reason="Letter received asking us to stop calling",
    )
    assert {(t[2], t[3]) for t in tasks_of(loan)} == {("cancelled", "hold")}
    audit = AuditEvent.objects.get(action="hold.create")
    assert audit.after["kind"] == "cease_communication"
    assert len(audit.after["cancelled_task_ids"]) == 2
    scan.run_scan(as_of=NOV27)
    assert CallTask.objects.filter(loan=loan, status="open").count() == 0
    hold_release(actor=manager, hold_id=hold.pk, on=date(2026, 11, 28), note="Borrower asked to be called")
    hold.refresh_from_db()
    assert hold.end_date == NOV27
    scan.run_scan(as_of=date(2026, 11, 28))
    assert sorted(CallTask.objects.filter(loan=loan, status="open").values_list("reason", "due_by")) == [
        (LIVE, date(2026, 12, 7)),
        (NOTICE, date(2026, 12, 16)),
    ]


def test_promises_kept_and_broken(db, specialist, today):
    """600.00 promised by Nov 20 and paid Nov 19: kept. Promised by Nov 22, nothing paid: broken
    at the end of Nov 25 (3 grace days), so the Nov 26 scan queues a follow-up due that day."""
    kept_loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    broken_loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    kept = promise_create(
        actor=specialist,
        loan_id=kept_loan.pk,
        amount=Decimal("600.00"),
        promised_date=date(2026, 11, 20),
        created_on=date(2026, 11, 10),
    )
    broken = promise_create(
        actor=specialist,
        loan_id=broken_loan.pk,
        amount=Decimal("600.00"),
        promised_date=date(2026, 11, 22),
        created_on=date(2026, 11, 10),
    )
    payment_post(actor=specialist, loan_id=kept_loan.pk, amount=Decimal("600.00"), received_on=date(2026, 11, 19))
    scan.run_scan(as_of=date(2026, 11, 25))
    kept.refresh_from_db()
    broken.refresh_from_db()
    assert (kept.status, kept.resolved_on) == ("kept", date(2026, 11, 19))
    assert broken.status == "open"
    scan.run_scan(as_of=date(2026, 11, 26))
    broken.refresh_from_db()
    assert (broken.status, broken.resolved_on) == ("broken", date(2026, 11, 26))
    follow_up = CallTask.objects.get(loan=broken_loan, reason=CallTask.Reason.BROKEN_PROMISE)
    assert (follow_up.due_by, follow_up.promise_id, follow_up.assigned_to) == (
        date(2026, 11, 26),
        broken.pk,
        specialist,
    )
    row = LoanDelinquency.objects.get(loan=broken_loan)
    assert row.risk_reasons == [{"code": "broken_promise", "message": "Broke a promise to pay"}]
    scan.run_scan(as_of=NOV27)
    assert CallTask.objects.filter(loan=broken_loan, reason=CallTask.Reason.BROKEN_PROMISE).count() == 1


def test_early_warning_nsf_and_suspense_put_a_current_loan_on_the_watchlist(db, specialist, today):
    """Current loan, an NSF two days ago and 500.00 in suspense: score 45, outreach due in 5
    business days (Dec 4)."""
    loan = LoanFactory(assigned_to=specialist)
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=date(2026, 11, 20))
    payment_reverse_nsf(actor=specialist, payment_id=payment.pk, returned_on=date(2026, 11, 25))
    payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("500.00"), received_on=date(2026, 11, 26))
    scan.run_scan(as_of=NOV27)
    row = LoanDelinquency.objects.get(loan=loan)
    assert (row.bucket, row.risk_score) == ("current", 45)
    assert row.risk_reasons == [
        {"code": "nsf", "message": "NSF 2 days ago"},
        {"code": "suspense", "message": "Partial payment of 500.00 in suspense"},
    ]
    assert tasks_of(loan) == [(CallTask.Reason.EARLY_WARNING, date(2026, 12, 4), "open", "", "maria")]
    scan.run_scan(as_of=date(2026, 11, 28))  # one outreach, not one a night
    assert CallTask.objects.filter(loan=loan).count() == 1


def test_payment_drift_and_payment_shock(db, specialist, today):
    """Installments paid 2, 7 and 11 days late in turn; escrow up 200.00 since: 13% shock."""
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    for paid_on in (date(2026, 9, 3), date(2026, 10, 8), date(2026, 11, 12)):
        payment_post(actor=specialist, loan_id=loan.pk, amount=INSTALLMENT, received_on=paid_on)
    Loan.objects.filter(pk=loan.pk).update(monthly_escrow=Decimal("500.00"))
    scan.run_scan(as_of=NOV27)
    row = LoanDelinquency.objects.get(loan=loan)
    assert (row.bucket, row.risk_score) == ("current", 30)
    assert row.risk_reasons == [
        {"code": "drift", "message": "Paying later each month (2, 7, 11 days after the due date)"},
        {"code": "payment_shock", "message": "Payment up 13% (1564.14 to 1764.14)"},
    ]
    assert tasks_of(loan) == []  # below the watchlist score


def test_missed_first_payment(db, specialist, today):
    loan = LoanFactory(first_payment_date=date(2026, 11, 1), next_due_date=date(2026, 11, 1), assigned_to=specialist)
    scan.run_scan(as_of=NOV27)
    assert LoanDelinquency.objects.get(loan=loan).risk_reasons == [
        {"code": "first_payment", "message": "Missed the first payment, due 2026-11-01"}
    ]


def test_later_due_date_opens_a_new_regx_cycle(db, specialist, today):
    """Still delinquent when Dec 1 passes: a new live contact due Jan 6; the written notice is
    not repeated within 180 days."""
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    scan.run_scan(as_of=NOV27)
    scan.run_scan(as_of=date(2026, 12, 1))
    assert sorted(CallTask.objects.filter(loan=loan).values_list("reason", "due_by")) == [
        (LIVE, date(2026, 12, 7)),
        (LIVE, date(2027, 1, 6)),
        (NOTICE, date(2026, 12, 16)),
    ]


def test_done_task_is_not_requeued(db, specialist, today):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 11, 26))
    CallTask.objects.filter(loan=loan, reason=LIVE).update(status="done")
    scan.run_scan(as_of=NOV27)
    assert sorted(CallTask.objects.filter(loan=loan).values_list("reason", "status")) == [
        (LIVE, "done"),
        (NOTICE, "open"),
    ]


def test_one_scan_per_business_date_at_a_time(db, today):
    scan.scan_claim(as_of=NOV27)
    with pytest.raises(scan.ScanLocked):
        scan.scan_claim(as_of=NOV27)
    ScanRun.objects.filter(business_date=NOV27).update(started_at=ScanRun.objects.get().started_at - timedelta(hours=7))
    assert scan.scan_claim(as_of=NOV27).status == "running"  # a stale lock is taken over


def test_missed_nights_are_caught_up(db, today):
    assert scan.dates_to_scan(NOV27) == [NOV27]
    ScanRun.objects.create(business_date=date(2026, 11, 24), status="done", started_at="2026-11-25T06:30Z")
    assert scan.dates_to_scan(NOV27) == [date(2026, 11, 25), date(2026, 11, 26), NOV27]
    ScanRun.objects.create(business_date=NOV27, status="done", started_at="2026-11-28T06:30Z")
    assert scan.dates_to_scan(NOV27) == []


def test_nightly_task_runs_eagerly_through_the_chord(db, specialist, today, monkeypatch):
    """Without a broker Celery runs eagerly: beat's task scans yesterday (Nov 26) end to end."""
    from delinquency.tasks import scan_nightly
    from lossmit.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # even when the suite has a broker

    LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    assert scan_nightly.delay().get() == ["2026-11-26"]
    run = ScanRun.objects.get(business_date=date(2026, 11, 26))
    assert (run.status, run.loans_scanned, run.task_counts) == (
        "done",
        1,
        {"regx_live_contact": 1, "regx_written_notice": 1},
    )


def test_command_runs_the_scan(db, specialist, today, capsys):
    LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    call_command("run_delinquency_scan", "--as-of", "2026-11-27", "--no-progress")
    out = capsys.readouterr().out
    assert "Scan 2026-11-27 done: 1 loans" in out
    assert LoanDelinquency.objects.get().business_date == NOV27


def test_unknown_language_falls_back_to_capacity(db, specialist, today):
    loan = LoanFactory(
        next_due_date=date(2026, 11, 1),
        borrower__preferred_language=Borrower._meta.get_field("preferred_language").choices[2][0],
    )  # Chinese; nobody speaks it
    scan.run_scan(as_of=NOV27)
    loan.refresh_from_db()
    assert loan.assigned_to == specialist


def test_ots_convention_setting_drives_buckets(db, specialist, today, settings):
    """Under OTS one missed payment is still 1-29 on Oct 31 (30 under MBA)."""
    settings.DELINQUENCY_STATUS_CONVENTION = "OTS"
    loan = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    scan.run_scan(as_of=date(2026, 10, 31))
    assert status_of(loan) == (date(2026, 10, 31), 30, 30, 0, "1-29")
    scan.run_scan(as_of=date(2026, 11, 1))
    assert status_of(loan) == (date(2026, 11, 1), 31, 30, 30, "30-59")


def test_nightly_scan_is_scheduled_at_one_thirty(db, settings):
    """Beat ticks every 5 minutes; the tick starts the scan after the schedule's time, 01:30 by
    default (admins change it at runtime: tests/delinquency/test_scan_schedule.py)."""
    from delinquency.selectors_schedule import scan_schedule_get

    entry = settings.CELERY_BEAT_SCHEDULE["delinquency-scan-tick"]
    assert entry["task"] == "delinquency.scan_tick"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert f"{scan_schedule_get().time_of_day:%H:%M}" == "01:30"


def test_unpaid_trial_payment_gets_a_call_before_its_month_ends(db, specialist, today):
    """Trial payment 2 due Nov 1 and unpaid on Nov 27: call by Nov 30, when the trial would fail."""
    from workouts.models import LossMitCase, TrialPayment, Workout

    loan = LoanFactory(next_due_date=date(2026, 8, 1), assigned_to=specialist)
    case = LossMitCase.objects.create(
        loan=loan,
        application_received_on=date(2026, 9, 1),
        hardship_reason="Job loss",
        hardship_duration="long_term",
        opened_by=specialist,
    )
    workout = Workout.objects.create(case=case, option="modification", status="trial", submitted_by=specialist)
    TrialPayment.objects.create(
        workout=workout,
        number=1,
        due_date=date(2026, 10, 1),
        amount=Decimal("1200.00"),
        status="paid",
        paid_on=date(2026, 10, 1),
    )
    TrialPayment.objects.create(workout=workout, number=2, due_date=date(2026, 11, 1), amount=Decimal("1200.00"))
    TrialPayment.objects.create(workout=workout, number=3, due_date=date(2026, 12, 1), amount=Decimal("1200.00"))
    scan.run_scan(as_of=NOV27)
    scan.run_scan(as_of=NOV27)
    assert list(
        CallTask.objects.filter(loan=loan, reason=CallTask.Reason.MISSED_TRIAL_PAYMENT).values_list("due_by", "status")
    ) == [(date(2026, 11, 30), "open")]
