"""Writes for delinquency work: holds, promises, call attempts (placed on a task, or taken from
the borrower), task completion, and the same-day cancellation of call tasks when a payment
cures a loan.

Every function is atomic, locks what it changes, checks the actor's role and writes an audit row.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.policy import Action, allows, check
from audit.services import audit_record
from borrowers.models import Loan
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from lossmit.errors import BadInput, DomainError, NotFound


def _loan(loan_id: int, *, lock: bool = False) -> Loan:
    rows = Loan.objects.select_for_update() if lock else Loan.objects
    try:
        return rows.get(pk=loan_id)
    except Loan.DoesNotExist:
        raise NotFound("loan_not_found", "No such loan.") from None


def _cancel_open_tasks(loan_id: int, *, reasons, cancel_reason: str) -> list[int]:
    tasks = CallTask.objects.select_for_update().filter(loan_id=loan_id, status=CallTask.Status.OPEN)
    if reasons is not None:
        tasks = tasks.filter(reason__in=reasons)
    ids = list(tasks.values_list("pk", flat=True))
    if ids:
        CallTask.objects.filter(pk__in=ids).update(
            status=CallTask.Status.CANCELLED, cancel_reason=cancel_reason, closed_at=timezone.now()
        )
    return ids


@transaction.atomic
def tasks_cancel_for_cured_loan(*, loan_id: int, on: date | None = None, actor=None) -> list[int]:
    """Cancel the loan's open delinquency call tasks when it is no longer past due on `on`
    (default today), so a borrower who just paid is not called (users.md: Maria's tasks vanish
    the moment the payment posts). A loan that is no longer active (paid off) loses every open
    task. Does nothing for a loan still past due. Call it inside the payment's transaction,
    after the loan's next due date has moved. Returns the ids of the tasks cancelled.
    """
    on = on or timezone.localdate()
    loan = _loan(loan_id)
    if loan.status != Loan.Status.ACTIVE:
        ids = _cancel_open_tasks(loan_id, reasons=None, cancel_reason="loan_closed")
    elif loan.next_due_date >= on:
        ids = _cancel_open_tasks(loan_id, reasons=CallTask.DELINQUENCY_REASONS, cancel_reason="cured")
    else:
        return []
    if ids:
        audit_record(
            actor=actor,
            action="call_task.cancel_cured",
            obj=loan,
            loan_id=loan.pk,
            after={"cancelled_task_ids": ids},
            note=f"{len(ids)} open call task(s) cancelled: the loan is not past due on {on.isoformat()}",
        )
    return ids


def _hold_dict(hold: Hold) -> dict:
    return {
        "kind": hold.kind,
        "start_date": hold.start_date.isoformat(),
        "end_date": hold.end_date.isoformat() if hold.end_date else None,
        "reason": hold.reason,
    }


@transaction.atomic
def hold_create(*, actor, loan_id: int, kind: str, start_date: date, reason: str, end_date: date | None = None) -> Hold:
    """Put a loan under a hold. Specialists and managers: a no-call hold (bankruptcy, cease
    request, attorney, REO) on any loan, since the law stops contact the moment whoever took the
    call learns of it; relief holds (forbearance, disaster, SCRA, foreclosure) on their caseload.
    A hold that stops collection activity and is in force today cancels the loan's open call
    tasks at once (reason "hold")."""
    action = Action.PROTECTIVE_HOLD if kind in Hold.NO_CALL_KINDS else Action.WORK
    check(actor, action, doing="place holds")
    if kind not in Hold.Kind.values:
        raise BadInput("invalid_kind", "Unknown hold kind.", fields={"kind": ["Choose a valid kind."]})
    if not reason.strip():
        raise BadInput("reason_required", "Say why the hold is placed.", fields={"reason": ["Required."]})
    if end_date is not None and end_date < start_date:
        raise BadInput("invalid_dates", "The hold cannot end before it starts.", fields={"end_date": ["Too early."]})
    loan = _loan(loan_id, lock=True)
    check(actor, action, loan=loan, doing=f"place a {kind.replace('_', ' ')} hold")
    hold = Hold.objects.create(
        loan=loan, kind=kind, start_date=start_date, end_date=end_date, reason=reason.strip(), created_by=actor
    )
    cancelled = []
    if kind in Hold.NO_TASK_KINDS and hold.is_active_on(timezone.localdate()):
        cancelled = _cancel_open_tasks(loan.pk, reasons=None, cancel_reason="hold")
    audit_record(
        actor=actor,
        action="hold.create",
        obj=hold,
        loan_id=loan.pk,
        after={**_hold_dict(hold), "cancelled_task_ids": cancelled},
        note=reason.strip(),
    )
    return hold


@transaction.atomic
def hold_release(*, actor, hold_id: int, on: date | None = None, note: str = "") -> Hold:
    """End a hold on `on` (default today; the hold covers up to the day before). Managers only:
    lifting a bankruptcy stay or a cease request wrongly is a violation, so a second person acts."""
    check(actor, Action.SUPERVISE, doing="release holds")
    on = on or timezone.localdate()
    hold = Hold.objects.select_for_update(of=("self",)).select_related("loan").filter(pk=hold_id).first()
    if hold is None:
        raise NotFound("hold_not_found", "No such hold.")
    check(actor, Action.SUPERVISE, loan=hold.loan, doing="release holds")
    if hold.released_at is not None:
        raise DomainError("already_released", "This hold has already been released.")
    before = _hold_dict(hold)
    hold.end_date = max(hold.start_date, on - timedelta(days=1))
    hold.released_by = actor
    hold.released_at = timezone.now()
    hold.save(update_fields=["end_date", "released_by", "released_at"])
    audit_record(
        actor=actor,
        action="hold.release",
        obj=hold,
        loan_id=hold.loan_id,
        before=before,
        after=_hold_dict(hold),
        note=note,
    )
    return hold


@transaction.atomic
def promise_create(
    *, actor, loan_id: int, amount: Decimal, promised_date: date, created_on: date | None = None
) -> Promise:
    """Record a borrower's promise to pay. The nightly scan judges it kept or broken by the
    payments posted from today through the promised date plus the grace days."""
    check(actor, Action.WORK, doing="record promises")
    created_on = created_on or timezone.localdate()
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise BadInput("invalid_amount", "The amount must be a positive number of cents.", fields={"amount": ["Bad."]})
    if promised_date < created_on:
        raise BadInput(
            "invalid_date", "A promise cannot be dated in the past.", fields={"promised_date": ["Too early."]}
        )
    loan = _loan(loan_id)
    check(actor, Action.WORK, loan=loan, doing="record promises")
    promise = Promise.objects.create(
        loan=loan, amount=amount, promised_date=promised_date, created_on=created_on, created_by=actor
    )
    audit_record(
        actor=actor,
        action="promise.create",
        obj=promise,
        loan_id=loan.pk,
        after={"amount": str(amount), "promised_date": promised_date.isoformat()},
    )
    return promise


@transaction.atomic
def call_attempt_record(
    *,
    actor,
    task_id: int,
    outcome: str,
    at: datetime | None = None,
    note: str = "",
    complete: bool | None = None,
) -> CallAttempt:
    """Log a call attempt on a task. Refused when the call is not allowed now (outside 8:00-21:00
    local, 7 attempts in 7 days, within 7 days after a conversation, a no-call hold): the
    queue's compliance rules are enforced here too, not only shown. A right-party contact
    completes the task unless `complete` says otherwise.

    Anyone who works loans logs a call on any loan's task (the conversation must count for the
    no-call window whoever made it); completing the task is work on the loan, so on another's
    caseload the task stays open for its owner, and asking for it (`complete=True`) is refused.
    A call the borrower placed to us is inbound_call_record's: no task, no call-window check."""
    from delinquency.selectors import call_compliance

    check(actor, Action.CONTACT, doing="log calls")
    if outcome not in CallAttempt.Outcome.values:
        raise BadInput("invalid_outcome", "Unknown call outcome.", fields={"outcome": ["Choose a valid outcome."]})
    at = at or timezone.now()
    task = CallTask.objects.select_for_update().select_related("loan").filter(pk=task_id).first()
    if task is None:
        raise NotFound("task_not_found", "No such task.")
    check(actor, Action.CONTACT, loan=task.loan, doing="log calls")
    may_complete = allows(actor, Action.WORK, task.loan)
    if complete and not may_complete:
        check(actor, Action.WORK, loan=task.loan, doing="complete this task")
    if task.status != CallTask.Status.OPEN:
        raise DomainError("task_closed", "This task is no longer open.")
    _loan(task.loan_id, lock=True)  # serialise attempts on one loan: the 7-in-7 count must hold
    compliance = call_compliance(loan_id=task.loan_id, now=at)
    if not compliance.callable_now:
        raise DomainError("not_callable", compliance.blocked_reason)
    attempt = CallAttempt.objects.create(
        loan_id=task.loan_id, task=task, at=at, outcome=outcome, made_by=actor, note=note
    )
    if complete is None:
        complete = outcome == CallAttempt.Outcome.RIGHT_PARTY_CONTACT and may_complete
    if complete:
        task.status = CallTask.Status.DONE
        task.closed_at = at
        task.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="call.attempt",
        obj=attempt,
        loan_id=task.loan_id,
        after={"outcome": outcome, "task_id": task.pk, "task_status": task.status},
        note=note,
    )
    return attempt


# What an inbound call can be: the borrower on the line, or someone else calling for them. The
# outcomes of a call we place that reaches no one (no answer, voicemail, busy...) cannot happen.
INBOUND_OUTCOMES = (CallAttempt.Outcome.RIGHT_PARTY_CONTACT, CallAttempt.Outcome.THIRD_PARTY)
INBOUND_BACKDATE_LIMIT = timedelta(days=7)
INBOUND_OUTCOME_CHOICES = [(value, CallAttempt.Outcome(value).label) for value in INBOUND_OUTCOMES]
# The tasks a conversation with the borrower answers: every call task but the written notice,
# which is a letter (Reg X 1024.39(b)) that no conversation replaces.
CONVERSATION_ANSWERS = tuple(r for r in CallTask.Reason.values if r != CallTask.Reason.REGX_WRITTEN_NOTICE)


@dataclass(frozen=True)
class InboundCall:
    attempt: CallAttempt
    completed_task_ids: list[int]


@transaction.atomic
def inbound_call_record(
    *, actor, loan_id: int, outcome: str, at: datetime | None = None, note: str = ""
) -> InboundCall:
    """Log a call the borrower (or someone for them) placed to us, taken by `actor` at `at`
    (default now; never in the future). Specialists and managers, on any loan: whoever answers
    logs it (accounts/policy.py CONTACT). No call-window, 7-in-7 or hold check: those limit
    the calls we place (FDCPA 1692c(a)(1), Reg F 1006.14(b)(2)), and the call does not count
    toward the 7. A right-party conversation does start Reg F's 7 days after a conversation,
    whoever dialled (delinquency/selectors.py compliance_for reads it).

    A right-party conversation completes the loan's open call tasks (but the written notice,
    CONVERSATION_ANSWERS) when the actor may work the loan (their own caseload, their team's,
    or an unassigned loan). On another's caseload the tasks stay with their owner, whose
    worklist moves them to "later" ("spoke with the borrower on ...") for the 7 days and whose
    contact log shows the call. Serialised on the loan row like outbound attempts; one audit
    row. Returns the attempt and the ids of the tasks it completed."""
    check(actor, Action.CONTACT, doing="log calls")
    if outcome not in INBOUND_OUTCOMES:
        raise BadInput(
            "invalid_outcome",
            "An inbound call is a conversation with the borrower or with someone calling for them.",
            fields={"outcome": ["Choose a valid outcome."]},
        )
    now = timezone.now()
    at = at or now
    if at > now:
        raise BadInput("invalid_at", "A call cannot be logged before it happens.", fields={"at": ["In the future."]})
    if at < now - INBOUND_BACKDATE_LIMIT:
        # A call logged weeks later is a note, not a record of when we spoke: it would move the
        # 7 quiet days after a conversation into the past.
        raise BadInput(
            "invalid_at",
            f"An inbound call is logged within {INBOUND_BACKDATE_LIMIT.days} days of taking it.",
            fields={"at": [f"More than {INBOUND_BACKDATE_LIMIT.days} days ago."]},
        )
    loan = _loan(loan_id, lock=True)  # serialise calls on one loan, as call_attempt_record does
    check(actor, Action.CONTACT, loan=loan, doing="log calls")
    attempt = CallAttempt.objects.create(
        loan=loan, at=at, outcome=outcome, direction=CallAttempt.Direction.INBOUND, made_by=actor, note=note
    )
    completed: list[int] = []
    if outcome == CallAttempt.Outcome.RIGHT_PARTY_CONTACT and allows(actor, Action.WORK, loan):
        tasks = CallTask.objects.select_for_update().filter(
            loan_id=loan.pk, status=CallTask.Status.OPEN, reason__in=CONVERSATION_ANSWERS
        )
        completed = sorted(tasks.values_list("pk", flat=True))
        if completed:
            CallTask.objects.filter(pk__in=completed).update(status=CallTask.Status.DONE, closed_at=at)
    audit_record(
        actor=actor,
        action="call.inbound",
        obj=attempt,
        loan_id=loan.pk,
        after={
            "direction": CallAttempt.Direction.INBOUND,
            "outcome": outcome,
            "at": at.isoformat(),
            "completed_task_ids": completed,
        },
        note=note,
    )
    return InboundCall(attempt=attempt, completed_task_ids=completed)


@transaction.atomic
def call_task_complete(*, actor, task_id: int, note: str = "") -> CallTask:
    """Mark a task done (a written notice sent, a case deadline met)."""
    check(actor, Action.WORK, doing="complete tasks")
    # Lock the task only (of self): the loan is read for its owner, not changed.
    task = CallTask.objects.select_for_update(of=("self",)).select_related("loan").filter(pk=task_id).first()
    if task is None:
        raise NotFound("task_not_found", "No such task.")
    check(actor, Action.WORK, loan=task.loan, doing="complete this task")
    if task.status != CallTask.Status.OPEN:
        raise DomainError("task_closed", "This task is no longer open.")
    task.status = CallTask.Status.DONE
    task.closed_at = timezone.now()
    task.note = note[:200]
    task.save(update_fields=["status", "closed_at", "note"])
    audit_record(actor=actor, action="call_task.complete", obj=task, loan_id=task.loan_id, note=note)
    return task
