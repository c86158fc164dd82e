"""The specialist's call pages: logging a call on a task (saving moves on to the next one),
and the loan page's delinquency section with its inbound-call form. The worklist is in
worklist.py.

Thin views: the services record what a call set in motion.
"""

import calendar
from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policy import Action, allows
from accounts.roles import PAYMENT_ROLES, STAFF_ROLES, role_required
from borrowers.models import LedgerTransaction
from borrowers.selectors import days_past_due, delinquency_bucket, loan_detail
from delinquency import status as delinquency_status
from delinquency.forms import CallLogForm, InboundCallForm, Outcome
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from delinquency.scan import convention
from delinquency.selectors import (
    call_compliance,
    loan_header_flags,
    next_callable_task,
    open_tasks_for,
)
from delinquency.services import call_attempt_record, hold_create, inbound_call_record, promise_create
from delinquency.views.common import clock, is_htmx, window_text
from lossmit.errors import DomainError
from workouts.selectors import case_deadlines, case_list
from workouts.services import case_open, case_update

CONTACT_LOG_ROWS = 8


def _my_open_task(request: HttpRequest, task_id: int) -> CallTask | None:
    """The task when it is open and on this user's worklist, else None."""
    return open_tasks_for(request.user).filter(pk=task_id).first()


def _next_task_url(request: HttpRequest, *, after: CallTask) -> str:
    """The next task Maria should work: the most urgent one callable now, other than the one
    just logged. Back to the worklist when none is callable."""
    task = next_callable_task(user=request.user, after_task_id=after.pk, now=timezone.now())
    if task is not None:
        return reverse("task-call", kwargs={"task_id": task.pk})
    return reverse("worklist")


def _record_call(request: HttpRequest, task: CallTask, form: CallLogForm) -> str:
    """Everything one call sets in motion, in one transaction: the attempt (which completes the
    task on a conversation), then the promise, the hold or the hardship on the case. Returns
    the message for the specialist. Any refusal rolls all of it back."""
    data = form.cleaned_data
    outcome = data["outcome"]
    complete = True if data.get("close_task") and outcome not in Outcome.CONVERSATIONS else None
    note = form.attempt_note()
    call_attempt_record(
        actor=request.user, task_id=task.pk, outcome=Outcome.ATTEMPT[outcome], note=note, complete=complete
    )
    return _after_conversation(request.user, task.loan, data) or (
        f"{Outcome.LABELS[outcome]} logged on loan {task.loan.loan_number}."
    )


def _record_inbound_call(request: HttpRequest, loan, form: InboundCallForm) -> str:
    """An inbound call and what it set in motion, in one transaction (the caller's): the
    attempt (which completes the loan's open tasks when the user may work them), then the
    promise, the hold or the hardship exactly as on a task's call. Returns the message."""
    data = form.cleaned_data
    outcome = data["outcome"]
    call = inbound_call_record(
        actor=request.user, loan_id=loan.pk, outcome=Outcome.ATTEMPT[outcome], note=form.attempt_note()
    )
    message = _after_conversation(request.user, loan, data) or f"Inbound call logged on loan {loan.loan_number}."
    done = len(call.completed_task_ids)
    if done:
        message += f" {done} open call task{'s' if done > 1 else ''} on it completed."
    return message


def _after_conversation(actor, loan, data: dict) -> str | None:
    """What a conversation's outcome sets in motion beyond the logged call, whoever dialled:
    the promise, the cease-calls hold, the hardship on the loss mitigation case. Returns the
    message for the specialist, None when the outcome sets nothing else in motion."""
    outcome = data["outcome"]
    today = timezone.localdate()
    if outcome == Outcome.PROMISE_TO_PAY:
        promise = promise_create(
            actor=actor, loan_id=loan.pk, amount=data["amount"], promised_date=data["promised_date"]
        )
        return (
            f"Promise to pay ${promise.amount:,.2f} by {promise.promised_date:%b} {promise.promised_date.day} "
            f"recorded on loan {loan.loan_number}."
        )
    if outcome == Outcome.CEASE_CALLS:
        # Reg F 1006.14(h): a borrower may ask, orally, that we stop calling; the hold stops
        # the queue and cancels the loan's other open tasks.
        hold_create(
            actor=actor,
            loan_id=loan.pk,
            kind=Hold.Kind.CEASE_COMMUNICATION,
            start_date=today,
            reason=f"Borrower asked on the phone to stop calls. {data.get('note', '').strip()}".strip(),
        )
        return f"Calls stopped on loan {loan.loan_number}: a cease-calls hold is in place."
    if outcome == Outcome.HARDSHIP:
        reason = data["hardship_reason"].strip()
        duration = data.get("hardship_duration") or ""
        case = case_list(user=actor, loan_id=loan.pk, active_only=True).first()
        if case is None:
            # A borrower asking for help on the phone has made a loss mitigation application
            # (Reg X 1024.31): open the case received today by phone, which starts its clocks.
            case = case_open(
                actor=actor,
                loan_id=loan.pk,
                application_received_on=today,
                received_via="phone",
                hardship_reason=reason,
                hardship_duration=duration,
            )
            deadlines = case_deadlines(case)
            ack = deadlines.acknowledgment_due
            due = f" Acknowledgment letter due {ack:%b} {ack.day}." if ack else ""
            return f"Hardship recorded; loss mitigation case opened on loan {loan.loan_number}.{due}"
        case_update(actor=actor, case_id=case.pk, hardship_reason=reason, hardship_duration=duration)
        return f"Hardship recorded on the open case of loan {loan.loan_number}."
    return None


def _contact_log(loan_id: int) -> list[CallAttempt]:
    return list(
        CallAttempt.objects.filter(loan_id=loan_id).select_related("made_by").order_by("-at", "-id")[:CONTACT_LOG_ROWS]
    )


def _call_context(request: HttpRequest, task: CallTask, form: CallLogForm) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    loan = loan_detail(user=request.user, loan_id=task.loan_id)
    compliance = call_compliance(loan_id=task.loan_id, now=now)
    status = getattr(task.loan, "delinquency", None)
    dpd = days_past_due(loan.next_due_date, today)
    return {
        "task": task,
        "loan": loan,
        "form": form,
        "compliance": compliance,
        "window": window_text(compliance, now),
        "local_time": clock(compliance.local_time) if compliance.local_time else "",
        "dpd": dpd,
        "bucket": status.bucket if status is not None else delinquency_bucket(dpd),
        **loan_header_flags(user=request.user, loan=loan, today=today),
        "promises": list(Promise.objects.filter(loan_id=loan.pk).order_by("-created_at", "-id")[:5]),
        "attempts": _contact_log(loan.pk),
        "outcome_labels": Outcome.LABELS,
        "today": today,
    }


@require_http_methods(["GET", "POST"])
@role_required(*PAYMENT_ROLES)
def task_call(request: HttpRequest, task_id: int) -> HttpResponse:
    """Log a call on one of my open tasks; saving moves on to the next task."""
    task = _my_open_task(request, task_id)
    if task is None:
        messages.info(request, "That task is closed or not on your worklist.")
        return redirect("worklist")
    form = CallLogForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = _record_call(request, task, form)
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status
            else:
                messages.success(request, message)
                return redirect(_next_task_url(request, after=task))
        else:
            status = 400
    return render(request, "delinquency/call_log.html", _call_context(request, task, form), status=status)


# --- the loan page's delinquency sections (lazy-loaded by htmx into borrowers/loan_detail.html)

HISTORY_MONTHS = 24
# Bars grow with days past due up to this many days; 120+ fills the bar.
CHART_MAX_DAYS = 150


def _month_ends(today: date, months: int) -> list[date]:
    """The last `months` month-ends, oldest first, the current month ending today."""
    ends = [today]
    year, month = today.year, today.month
    for _ in range(months - 1):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


def _delinquency_history(loan, today: date) -> list[dict]:
    """Days past due and bucket at each month-end of the last 24 months, from the ledger's
    next-due date after each posting (one query), bucketed by the status rules the scan uses.
    Months before the loan was boarded have no bar."""
    rows = list(
        LedgerTransaction.objects.filter(loan_id=loan.pk, effective_date__lte=today)
        .order_by("effective_date", "seq")
        .values_list("effective_date", "next_due_date_after")
    )
    due_day = loan.first_payment_date.day
    history, index, next_due = [], 0, None
    for position, end in enumerate(_month_ends(today, HISTORY_MONTHS)):
        while index < len(rows) and rows[index][0] <= end:
            next_due = rows[index][1]
            index += 1
        if next_due is None:
            history.append({"end": end, "dpd": None, "bucket": None, "height": 2, "x": position * 22 + 2})
            continue
        dpd = delinquency_status.days_past_due(next_due, end)
        history.append(
            {
                "end": end,
                "x": position * 22 + 2,
                "dpd": dpd,
                "bucket": delinquency_status.bucket_for(
                    next_due_date=next_due, due_day=due_day, as_of=end, convention=convention()
                ),
                # current months show a 2-unit sliver so the month reads as "0", not missing
                "height": max(2, round(min(dpd, CHART_MAX_DAYS) * 100 / CHART_MAX_DAYS)),
            }
        )
    return history


def _inbound_form(request: HttpRequest, loan, data=None) -> InboundCallForm | None:
    """The inbound call form for those who may log calls (CONTACT), else None."""
    if not allows(request.user, Action.CONTACT):
        return None
    return InboundCallForm(data, may_work=allows(request.user, Action.WORK, loan))


def _render_activity(
    request: HttpRequest, loan, *, inbound_form: InboundCallForm | None, confirmation: str = "", status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    history = _delinquency_history(loan, today)
    for month in history:
        month["y"] = 100 - month["height"]
    context = {
        "loan": loan,
        "history": history,
        "chart_width": HISTORY_MONTHS * 22,
        "attempts": _contact_log(loan.pk),
        "promises": list(Promise.objects.filter(loan_id=loan.pk).order_by("-created_at", "-id")[:CONTACT_LOG_ROWS]),
        "holds": list(Hold.objects.filter(loan_id=loan.pk).order_by("-start_date", "-id")),
        "today": today,
        "inbound_form": inbound_form,
        "confirmation": confirmation,
    }
    template = "delinquency/_loan_activity.html" if is_htmx(request) else "delinquency/loan_activity.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@role_required(*STAFF_ROLES)
def loan_activity(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The loan page's delinquency history (24 months), contact log (with the inbound call
    form), promises and holds."""
    loan = loan_detail(user=request.user, loan_id=loan_id)
    return _render_activity(request, loan, inbound_form=_inbound_form(request, loan))


@require_POST
@role_required(*PAYMENT_ROLES)
def loan_inbound_call(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Log a call the borrower placed to us, from the loan page, on any loan and whether or not
    a task is open. htmx gets the delinquency section back with the confirmation (or the
    form's errors); without JavaScript, post/redirect/get to the section's own page."""
    loan = loan_detail(user=request.user, loan_id=loan_id)
    form = _inbound_form(request, loan, request.POST)
    status = 400
    if form.is_valid():
        try:
            with transaction.atomic():
                message = _record_inbound_call(request, loan, form)
        except DomainError as error:
            form.add_domain_error(error)
            # htmx swaps only 2xx, 400 and 409 answers (base.html): a refusal must still show.
            status = 400 if error.status == 403 and is_htmx(request) else error.status
        else:
            if is_htmx(request):
                return _render_activity(request, loan, inbound_form=_inbound_form(request, loan), confirmation=message)
            messages.success(request, message)
            return redirect(reverse("loan-activity", kwargs={"loan_id": loan.pk}) + "#contacts")
    return _render_activity(request, loan, inbound_form=form, status=status)
