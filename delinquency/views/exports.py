"""CSV export of the worklists a manager sees (issue 8, "Export"): the team's, or one
specialist's, with the worklist page's reason and bucket filters. Streamed and audited
(lossmit/csv_export.py). Managers only: the dashboard's exports are theirs too; admins do not
work call lists."""

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.roles import PAYMENT_ROLES, Role, role_required
from delinquency.forms import WorklistFilterForm
from delinquency.models import CallTask
from delinquency.selectors_exports import team_open_tasks, with_compliance
from lossmit.csv_export import EXPORT_CHUNK_SIZE, csv_response, export_audit

WORKLIST_HEADER = [
    "specialist", "loan", "borrower", "state", "reason", "due by", "days past due", "bucket", "risk",
    "call window",
]  # fmt: skip


class WorklistExportForm(WorklistFilterForm):
    # Whose worklist: anyone who works one (specialists, and managers' own); blank: the team's.
    specialist = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(groups__name__in=PAYMENT_ROLES).distinct(), required=False
    )


def _window(task: CallTask) -> str:
    compliance = task.compliance
    if compliance.callable_now:
        return "Open now"
    if compliance.next_callable_at is None:
        return compliance.blocked_reason or "No calls"
    opens = timezone.localtime(compliance.next_callable_at)
    return f"Opens {opens:%Y-%m-%d %H:%M}"


def _line(task: CallTask) -> list:
    loan = task.loan
    status = getattr(loan, "delinquency", None)
    risks = status.risk_reasons if status is not None else []
    return [
        task.assigned_to.username,
        loan.loan_number,
        loan.borrower.full_name,
        loan.property.state,
        task.get_reason_display(),
        task.due_by.isoformat(),
        task.dpd,
        task.shown_bucket,
        "; ".join(r.get("message", "") for r in risks),
        _window(task),
    ]


@require_GET
@role_required(Role.MANAGER)
def worklist_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The open call tasks as CSV: `?specialist=<id>` for one specialist's list (else the
    team's), `reason` and `bucket` as on the worklist page. A bad filter is a 400, never a
    silently wider export."""
    form = WorklistExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Unknown filter value: " + ", ".join(sorted(form.errors)))
    specialist = form.cleaned_data["specialist"]
    filters = {
        "specialist": specialist.username if specialist else "",
        "reason": form.cleaned_data["reason"],
        "bucket": form.cleaned_data["bucket"],
    }
    now = timezone.now()
    tasks = team_open_tasks(
        today=timezone.localdate(now),
        specialist_id=specialist.pk if specialist else None,
        reason=filters["reason"],
        bucket=filters["bucket"],
    )
    export_audit(actor=request.user, list_name="worklist", filters=filters, rows=tasks.count())
    rows = (_line(task) for task in with_compliance(tasks, now=now, chunk_size=EXPORT_CHUNK_SIZE))
    return csv_response(name="worklist", header=WORKLIST_HEADER, rows=rows)
