"""Trial period plans: judged by the payments actually posted to the loan's ledger."""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.policy import Action, check
from audit.services import audit_record
from borrowers.models import LedgerTransaction
from workouts.models import TrialPayment, Workout
from workouts.services._common import (
    bump,
    check_version,
    lock_workout,
    require_reason,
    require_status,
    sync_case_status,
    workout_snapshot,
)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _live_payments(loan_id: int, start: date, end: date) -> list[tuple[date, Decimal]]:
    """Payments posted and not returned (an NSF or reversed row is not a payment)."""
    return list(
        LedgerTransaction.objects.filter(
            loan_id=loan_id,
            kind=LedgerTransaction.Kind.PAYMENT,
            reversed_by__isnull=True,
            effective_date__gte=start,
            effective_date__lte=end,
        )
        .order_by("effective_date", "seq")
        .values_list("effective_date", "amount")
    )


def judge_trial_payments(workout: Workout, as_of: date) -> list[tuple[TrialPayment, str, date | None]]:
    """Each trial payment's standing on `as_of`: paid (with the date the month's posted payments
    reached the amount), missed (the month it was due ended without it), or still scheduled.

    Fannie Mae / Freddie Mac treat a trial payment as on time when received by the last day of
    the month it is due; each month's window starts the day after the previous one ended (the
    first on the offer date), so a payment counts once.
    """
    results = []
    start = workout.offered_on or workout.responded_on
    for trial in workout.trial_payments.order_by("number"):
        end = month_end(trial.due_date)
        total = Decimal("0.00")
        paid_on = None
        for effective, amount in _live_payments(workout.case.loan_id, start, min(end, as_of)):
            total += amount
            if total >= trial.amount:
                paid_on = effective
                break
        if paid_on is not None:
            results.append((trial, TrialPayment.Status.PAID, paid_on))
        elif as_of > end:
            results.append((trial, TrialPayment.Status.MISSED, None))
        else:
            results.append((trial, TrialPayment.Status.SCHEDULED, None))
        start = end + timedelta(days=1)
    return results


def _fail(workout: Workout, case, reason: str) -> None:
    workout.status = Workout.Status.TRIAL_FAILED
    workout.outcome_reason = reason
    bump(workout)
    workout.save()
    sync_case_status(case, workout)
    case.save()


@transaction.atomic
def trial_payments_review(*, workout_id: int, as_of: date, actor=None) -> Workout:
    """Bring the trial payments up to date with the ledger as of `as_of`. A trial payment
    missed in its month fails the trial (1024.41(g): the borrower failed the agreed plan).
    Idempotent; the nightly job calls it (actor None); a person may review only a trial they
    may work, since a review can fail the borrower's plan."""
    if actor is not None:
        check(actor, Action.WORK, doing="review trials")
    workout, case = lock_workout(workout_id)
    if actor is not None:
        check(actor, Action.WORK, loan=case.loan, doing="review trials")
    require_status(workout, Workout.Status.TRIAL, action="review the trial of")
    before = workout_snapshot(workout)
    changed = []
    missed = None
    for trial, status, paid_on in judge_trial_payments(workout, as_of):
        if (trial.status, trial.paid_on) != (status, paid_on):
            trial.status, trial.paid_on = status, paid_on
            trial.save(update_fields=["status", "paid_on"])
            changed.append(trial)
        if status == TrialPayment.Status.MISSED and missed is None:
            missed = trial
    if missed is not None:
        _fail(
            workout,
            case,
            f"Trial payment {missed.number} of {missed.amount} due {missed.due_date.isoformat()} "
            f"was not received by {month_end(missed.due_date).isoformat()}.",
        )
    if changed or missed is not None:
        audit_record(
            actor=actor,
            action="trial.review",
            obj=workout,
            loan_id=case.loan_id,
            before=before,
            after=workout_snapshot(workout),
            note="; ".join(f"#{t.number} {t.status}" for t in changed)
            + (f"; {workout.outcome_reason}" if missed else ""),
        )
    return workout


@transaction.atomic
def trial_fail(*, actor, workout_id: int, reason: str, version: int | None = None) -> Workout:
    """End a trial plan as failed for a reason other than a missed payment (the borrower says
    they cannot continue)."""
    check(actor, Action.WORK, doing="end a trial")
    reason = require_reason(reason)
    workout, case = lock_workout(workout_id)
    check(actor, Action.WORK, loan=case.loan, doing="end a trial")
    check_version(workout, version)
    require_status(workout, Workout.Status.TRIAL, action="fail")
    before = workout_snapshot(workout)
    _fail(workout, case, reason)
    audit_record(
        actor=actor,
        action="trial.fail",
        obj=workout,
        loan_id=case.loan_id,
        before=before,
        after=workout_snapshot(workout),
        note=reason,
    )
    return workout
