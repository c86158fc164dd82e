"""CSV export of the approval queue (issue 8, "Export"): every submitted workout, as the
queue page lists it, with the reader's limit flags. Streamed and audited
(lossmit/csv_export.py). Managers and admins: the approvers, who see the queue."""

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.roles import role_required
from lossmit.csv_export import EXPORT_CHUNK_SIZE, csv_response, export_audit
from workouts.selectors_approvals import APPROVER_ROLES, QueueRow, approval_queue_stream

APPROVALS_HEADER = [
    "decide by", "days left", "loan", "borrower", "option", "program", "amount", "your limit",
    "above your limit", "your submission", "submitted by", "submitted on",
]  # fmt: skip


def _line(row: QueueRow) -> list:
    w = row.workout
    submitter = w.submitted_by
    return [
        row.due.isoformat() if row.due else "",
        "" if row.days_left is None else row.days_left,
        w.case.loan.loan_number,
        w.case.loan.borrower.full_name,
        w.get_option_display(),
        w.case.loan.program,
        f"{w.amount:.2f}",
        "" if row.limit is None else f"{row.limit:.2f}",
        "yes" if row.above_limit else "no",
        "yes" if row.own else "no",
        (submitter.get_full_name() or submitter.username) if submitter else "",
        timezone.localdate(w.submitted_at).isoformat(),
    ]


@require_GET
@role_required(*APPROVER_ROLES)
def approvals_export(request: HttpRequest) -> StreamingHttpResponse:
    """The approval queue as CSV (the queue has no filters: every submitted workout)."""
    rows, count = approval_queue_stream(user=request.user, chunk_size=EXPORT_CHUNK_SIZE)
    export_audit(actor=request.user, list_name="approvals", filters={}, rows=count)
    return csv_response(name="approvals", header=APPROVALS_HEADER, rows=(_line(r) for r in rows))
