from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.roles import role_required
from audit.selectors import TIMELINE_ROLES, loan_timeline


@role_required(*TIMELINE_ROLES)
def loan_audit_timeline(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Who did what to one loan, and when: its audit events newest first (managers, admins)."""
    timeline = loan_timeline(user=request.user, loan_id=loan_id, page=request.GET.get("page"))
    return render(request, "audit/loan_timeline.html", {"timeline": timeline, "loan": timeline.loan})
