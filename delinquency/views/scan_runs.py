"""The nightly scan page (issue 3 "Running it", issue 7 "Reliability"; users.md, Priya): the run
history with counts and failures, whether the scan is keeping up (the same check /healthz
makes), the schedule admins change at runtime, and "Run scan now". Managers read it; only
admins act (the services check the role again)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, role_required, user_has_role
from borrowers.forms import DomainErrorFormMixin
from delinquency.models import CallTask, ScanRun
from delinquency.selectors_schedule import SCAN_GRACE, scan_health, scan_run_list, scan_schedule_get
from delinquency.services_schedule import scan_run_now, scan_schedule_update
from delinquency.status import Bucket
from lossmit.errors import DomainError

VIEW_ROLES = (Role.ADMIN, Role.MANAGER)


class ScanScheduleForm(DomainErrorFormMixin, forms.Form):
    time_of_day = forms.TimeField(
        label="Start after (local time)",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        error_messages={"required": "Enter a time, HH:MM.", "invalid": "Enter a time as HH:MM, e.g. 01:30."},
    )
    enabled = forms.BooleanField(label="Run the scan every night", required=False)


def _context(request: HttpRequest, *, schedule_form: ScanScheduleForm | None = None, refusal=None) -> dict:
    schedule = scan_schedule_get()
    is_admin = user_has_role(request.user, Role.ADMIN)
    if is_admin and schedule_form is None:
        schedule_form = ScanScheduleForm(
            initial={"time_of_day": schedule.time_of_day.strftime("%H:%M"), "enabled": schedule.enabled}
        )
    return {
        "runs": scan_run_list(),
        "health": scan_health(),
        "schedule": schedule,
        "schedule_form": schedule_form if is_admin else None,
        "can_run": is_admin,
        "grace_hours": int(SCAN_GRACE.total_seconds() // 3600),
        "time_zone": settings.TIME_ZONE,
        "reasons": dict(CallTask.Reason.choices),
        "buckets": Bucket.ALL,
        "refusal": refusal,
    }


@require_GET
@role_required(*VIEW_ROLES)
def scan_runs(request: HttpRequest) -> HttpResponse:
    return render(request, "delinquency/scan_runs.html", _context(request))


@require_POST
@role_required(Role.ADMIN)
def scan_schedule_edit(request: HttpRequest) -> HttpResponse:
    form = ScanScheduleForm(request.POST)
    if not form.is_valid():
        return render(request, "delinquency/scan_runs.html", _context(request, schedule_form=form), status=400)
    try:
        schedule = scan_schedule_update(
            actor=request.user, time_of_day=form.cleaned_data["time_of_day"], enabled=form.cleaned_data["enabled"]
        )
    except DomainError as error:
        form.add_domain_error(error)
        return render(request, "delinquency/scan_runs.html", _context(request, schedule_form=form), status=error.status)
    state = "" if schedule.enabled else " (nightly runs are off)"
    messages.success(request, f"The nightly scan now starts after {schedule.time_of_day:%H:%M}{state}.")
    return redirect(reverse("scan-runs"))


@require_POST
@role_required(Role.ADMIN)
def scan_run_start(request: HttpRequest) -> HttpResponse:
    try:
        started = scan_run_now(actor=request.user)
    except DomainError as error:
        return render(request, "delinquency/scan_runs.html", _context(request, refusal=error), status=error.status)
    dates = ", ".join(f"{d:%b %-d}" for d in started.business_dates)
    run = started.run
    if started.dispatch_error or (run is not None and run.status == ScanRun.Status.FAILED):
        messages.error(request, f"The scan for {dates} failed; the run below shows why.")
    elif run is not None and run.status == ScanRun.Status.DONE:
        messages.success(request, f"Scanned {dates}: {run.loans_scanned:,} loans.")
    else:
        messages.success(request, f"The scan for {dates} has started; refresh to follow it.")
    return redirect(reverse("scan-runs"))
