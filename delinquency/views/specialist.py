"""The specialist's pages: my worklist, logging a call on a task, and the loan page's
delinquency section with its inbound call form.

Thin views: the worklist selector orders and annotates the tasks (call windows, 7-in-7, holds),
the services record what a call set in motion. The worklist shows one page at a time and runs
a fixed number of queries however many tasks it holds; filters by reason and bucket apply in
the database. htmx
requests for the worklist get the table only; without JavaScript the same URL serves the page.
"""

import calendar
import functools
import html
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.policy import Action, allows
from accounts.roles import PAYMENT_ROLES, STAFF_ROLES, role_required
from borrowers.models import LedgerTransaction
from borrowers.selectors import days_past_due, delinquency_bucket, loan_detail
from delinquency import status as delinquency_status
from delinquency.forms import CallLogForm, InboundCallForm, Outcome, WorklistFilterForm
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from delinquency.scan import convention
from delinquency.selectors import (
    WorklistCursor,
    call_compliance,
    holds_in_force,
    next_callable_task,
    open_tasks_for,
    worklist_page,
)
from delinquency.services import call_attempt_record, hold_create, inbound_call_record, promise_create
from lossmit.errors import DomainError
from workouts.selectors import case_deadlines, case_list, deadline_rows, next_deadline
from workouts.services import case_open, case_update

# Reasons whose deadline is a regulation's (Reg X 1024.39, 1024.41): "due today" is urgent.
REGULATORY_REASONS = (CallTask.Reason.REGX_LIVE_CONTACT, CallTask.Reason.REGX_WRITTEN_NOTICE, *CallTask.CASE_REASONS)
CONTACT_LOG_ROWS = 8


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _clock(moment: datetime) -> str:
    """8:00 AM -> "8:00 AM" in the servicer's (the specialist's) zone."""
    return f"{moment:%I:%M %p}".lstrip("0")


@dataclass
class WorklistRow:
    """One task as the worklist shows it. Presentation only: the numbers come from the loan and
    the selector's compliance annotation."""

    task: CallTask
    dpd: int
    bucket: str
    risk_reasons: list[dict]
    callable_now: bool
    window: str  # "Open now" / "Opens 11:00 AM" / "Opens Tue Dec 1, 8:00 AM" / "No calls"
    blocked: list[str]  # why it cannot be called now, in words
    due_today: bool
    overdue: bool
    loan_url: str = ""
    call_url: str = ""

    # Display text, worked out once in _row rather than in the template: the row markup runs
    # 50 times a page, and each tag, filter and attribute chain there costs more than here.
    borrower_name: str = ""
    loan_number: str = ""
    state: str = ""
    reason_label: str = ""
    due_badge: tuple[str, str] = ("", "")  # (label, css class), or ("", "")
    due_text: str = ""
    bucket_slug: str = ""
    risks: tuple[str, ...] = ()
    why_blocked: str = ""
    window_class: str = ""  # the call-window badge's css class

    def html(self) -> SafeString:
        """The row's <tr>. Markup here rather than in a template: fifty rows a page through
        Django's template engine were a fifth of the worklist's time (some 950 variable nodes
        at ~3 µs each). Every value is escaped with html.escape, which is what Django's
        escape (and so the template) applies; format_html's per-argument wrappers cost more
        than the formatting itself."""
        e = _escape
        due_label, due_class = self.due_badge
        if self.risks:
            risks = "".join(f'<span class="risk">{e(risk)}</span>' for risk in self.risks)
        else:
            risks = '<span class="muted">—</span>'
        return mark_safe(  # noqa: S308 -- every value below is escaped
            _ROW_HTML.format(
                id=self.task.pk,
                waiting="" if self.callable_now else " is-waiting",
                loan_url=e(self.loan_url),
                name=e(self.borrower_name),
                loan_number=e(self.loan_number),
                state=e(self.state),
                reason=e(self.task.reason),
                reason_label=e(self.reason_label),
                due=f'<span class="badge {e(due_class)}">{e(due_label)}</span> ' if due_label else "",
                due_text=e(self.due_text),
                dpd=self.dpd,
                bucket_slug=e(self.bucket_slug),
                bucket=e(self.bucket),
                risks=risks,
                window_class=e(self.window_class),
                window=e(self.window),
                why=f' <span class="txn-meta">{e(self.why_blocked)}</span>' if self.why_blocked else "",
                action_class="btn-primary" if self.callable_now else "btn-secondary",
                call_url=e(self.call_url),
                action="Work this task" if self.callable_now else "Open",
            )
        )


def _escape(value) -> str:
    return html.escape(str(value))


_ROW_HTML = (
    '<tr id="task-{id}" class="wl-row{waiting}">'
    '<td class="wl-who"><a class="wl-borrower" href="{loan_url}">{name}</a>'
    ' <span class="txn-meta mono">{loan_number} · {state}</span></td>'
    '<td data-label="Reason"><span class="badge reason-{reason}">{reason_label}</span></td>'
    '<td class="nowrap" data-label="Due by">{due}{due_text}</td>'
    '<td class="num" data-label="Days past due">{dpd}</td>'
    '<td data-label="Bucket"><span class="badge bucket-{bucket_slug}">{bucket}</span></td>'
    '<td class="wl-risk" data-label="Risk">{risks}</td>'
    '<td class="wl-window" data-label="Call window"><span class="badge {window_class}">{window}</span>{why}</td>'
    '<td class="actions"><a class="btn {action_class} btn-small" href="{call_url}">{action}'
    '<span class="visually-hidden">: {name}</span></a></td>'
    "</tr>\n"
)


def _due_badge(task: CallTask, *, overdue: bool, due_today: bool) -> tuple[str, str]:
    if overdue:
        return "Overdue", "badge-due"
    if due_today:
        return ("Expires today", "badge-due") if task.reason in REGULATORY_REASONS else ("Today", "badge-warn")
    return "", ""


def _window_class(compliance) -> str:
    if compliance.callable_now:
        return "badge-ok"
    return "badge-blocked" if compliance.next_callable_at is None else "badge-muted"


def _why_blocked(blocked: list[str], compliance) -> str:
    if blocked:
        text = "; ".join(blocked)
        return text[:1].upper() + text[1:]
    return compliance.blocked_reason


def _window_text(compliance, now: datetime) -> str:
    if compliance.callable_now:
        return "Open now"
    if compliance.next_callable_at is None:
        return "No calls"
    opens = timezone.localtime(compliance.next_callable_at)
    if opens.date() == timezone.localtime(now).date():
        return f"Opens {_clock(opens)}"
    return f"Opens {opens:%a %b} {opens.day}, {_clock(opens)}"


def _path_maker(name: str, kwarg: str):
    """pk -> the URL `name` reversed with {kwarg: pk}: one reverse() per page, not per row (50
    reverses were a tenth of the worklist's time)."""
    marker = 987654321
    head, tail = reverse(name, kwargs={kwarg: marker}).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


@functools.cache
def _bucket_slug(bucket: str) -> str:
    return slugify(bucket)


def _row(task: CallTask, now: datetime, today: date) -> WorklistRow:
    loan = task.summary  # a WorklistLoan
    dpd = days_past_due(loan.next_due_date, today)
    compliance = task.compliance
    blocked = [] if compliance.callable_now else list(compliance.reasons)
    bucket = loan.bucket or delinquency_bucket(dpd)  # no status row until the first scan covers it
    risk_reasons = list(loan.risk_reasons or [])
    due_today, overdue = task.due_by == today, task.due_by < today
    return WorklistRow(
        task=task,
        dpd=dpd,
        bucket=bucket,
        risk_reasons=risk_reasons,
        callable_now=compliance.callable_now,
        window=_window_text(compliance, now),
        blocked=blocked,
        due_today=due_today,
        overdue=overdue,
        borrower_name=loan.borrower_name,
        loan_number=loan.loan_number,
        state=loan.property_state,
        reason_label=CallTask.Reason(task.reason).label,
        due_badge=_due_badge(task, overdue=overdue, due_today=due_today),
        due_text="" if due_today else f"{task.due_by:%b} {task.due_by.day}",
        bucket_slug=_bucket_slug(bucket),
        risks=tuple(risk["message"] for risk in risk_reasons[:3]),
        why_blocked="" if compliance.callable_now else _why_blocked(blocked, compliance),
        window_class=_window_class(compliance),
    )


@require_GET
@role_required(*PAYMENT_ROLES)
def worklist(request: HttpRequest) -> HttpResponse:
    """One page of the worklist (WORKLIST_PAGE_SIZE tasks); `after` is the previous page's
    last task, so the next page is read from the index where that one stopped."""
    form = WorklistFilterForm(request.GET)
    reason = bucket = ""
    if form.is_valid():
        reason, bucket = form.cleaned_data["reason"], form.cleaned_data["bucket"]
    now = timezone.now()
    today = timezone.localdate(now)
    after = WorklistCursor.parse(request.GET.get("after"))
    page = worklist_page(user=request.user, now=now, reason=reason, bucket=bucket, after=after)
    loan_url, call_url = _path_maker("loan-detail", "loan_id"), _path_maker("task-call", "task_id")
    rows = [_row(task, now, today) for task in page.tasks]
    for row in rows:
        row.loan_url, row.call_url = loan_url(row.task.loan_id), call_url(row.task.pk)
    filters = {key: value for key, value in (("reason", reason), ("bucket", bucket)) if value}
    context = {
        "form": form,
        "rows": rows,
        "total": page.total,
        "matching": page.matching,
        "filtered": bool(filters),
        "regulatory_today": page.regulatory_today,
        "first_page": after is None,
        "first_url": f"{reverse('worklist')}?{urlencode(filters)}" if filters else reverse("worklist"),
        "next_url": (
            f"{reverse('worklist')}?{urlencode({**filters, 'after': str(page.next_cursor)})}"
            if page.next_cursor
            else ""
        ),
        "now": now,
    }
    template = "delinquency/_worklist_table.html" if _is_htmx(request) else "delinquency/worklist.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


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
    case = case_list(user=request.user, loan_id=loan.pk, active_only=True).first()
    holds = holds_in_force(loan_id=loan.pk, day=today)
    return {
        "task": task,
        "loan": loan,
        "form": form,
        "compliance": compliance,
        "window": _window_text(compliance, now),
        "local_time": _clock(compliance.local_time) if compliance.local_time else "",
        "dpd": dpd,
        "bucket": status.bucket if status is not None else delinquency_bucket(dpd),
        "risk_reasons": list(status.risk_reasons) if status is not None else [],
        "holds": holds,
        "case": case,
        "next_deadline": next_deadline(deadline_rows(case, today)) if case else None,
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
    template = "delinquency/_loan_activity.html" if _is_htmx(request) else "delinquency/loan_activity.html"
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
            status = 400 if error.status == 403 and _is_htmx(request) else error.status
        else:
            if _is_htmx(request):
                return _render_activity(request, loan, inbound_form=_inbound_form(request, loan), confirmation=message)
            messages.success(request, message)
            return redirect(reverse("loan-activity", kwargs={"loan_id": loan.pk}) + "#contacts")
    return _render_activity(request, loan, inbound_form=form, status=status)
