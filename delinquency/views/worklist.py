"""My worklist: today's call tasks, most urgent first, a page at a time.

The selector orders and annotates the tasks (call windows, 7-in-7, holds) and runs a fixed
number of queries however many tasks there are; filters by reason and bucket apply in the
database. htmx requests get the table only; without JavaScript the same URL serves the page.
"""

import functools
import html
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from accounts.roles import PAYMENT_ROLES, role_required
from borrowers.selectors import days_past_due, delinquency_bucket
from delinquency.forms import WorklistFilterForm
from delinquency.models import CallTask
from delinquency.selectors import (
    WorklistCursor,
    worklist_page,
)
from delinquency.views.common import is_htmx, window_text

# Reasons whose deadline is a regulation's (Reg X 1024.39, 1024.41): "due today" is urgent.
REGULATORY_REASONS = (CallTask.Reason.REGX_LIVE_CONTACT, CallTask.Reason.REGX_WRITTEN_NOTICE, *CallTask.CASE_REASONS)


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
        window=window_text(compliance, now),
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
    template = "delinquency/_worklist_table.html" if is_htmx(request) else "delinquency/worklist.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
