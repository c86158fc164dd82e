"""Writes for the nightly scan's operation: admins change the schedule and start a scan by hand.

Both are admin-only, audited against the schedule's singleton row (the object an admin acts on),
and atomic. Starting a scan dispatches the same Celery task beat uses; without a broker Celery
runs eagerly, so the scan runs inline in the request.
"""

import logging
from dataclasses import dataclass
from datetime import date, time

from django.db import transaction
from django.utils import timezone

from accounts.roles import Role, user_has_role
from audit.services import audit_record
from delinquency import scan
from delinquency.models import ScanRun, ScanSchedule
from delinquency.selectors_schedule import default_scan_time, scan_running
from lossmit.errors import DomainError, PermissionRefused

logger = logging.getLogger(__name__)


def _require_admin(actor, message: str) -> None:
    if not user_has_role(actor, Role.ADMIN):
        raise PermissionRefused("forbidden", message)


def _schedule_locked() -> ScanSchedule:
    """The singleton row, created from the settings' default on first use, locked."""
    schedule, _ = ScanSchedule.objects.select_for_update().get_or_create(
        pk=ScanSchedule.SINGLETON_ID, defaults={"time_of_day": default_scan_time(), "enabled": True}
    )
    return schedule


def _schedule_state(schedule: ScanSchedule) -> dict:
    return {"time_of_day": f"{schedule.time_of_day:%H:%M}", "enabled": schedule.enabled}


@transaction.atomic
def scan_schedule_update(*, actor, time_of_day: time, enabled: bool) -> ScanSchedule:
    """Set when the nightly scan starts (local time) and whether beat starts it at all.

    Preconditions: the actor is an Admin. Side effects: the schedule row (created on first
    save) and a `scan.schedule_changed` audit event with before and after. The beat tick reads
    the row every few minutes, so the change applies from the next tick.
    """
    _require_admin(actor, "Only an Admin may change the scan schedule.")
    schedule = _schedule_locked()
    before = _schedule_state(schedule)
    schedule.time_of_day = time_of_day.replace(second=0, microsecond=0)
    schedule.enabled = enabled
    schedule.updated_by = actor
    schedule.save()
    audit_record(
        actor=actor, action="scan.schedule_changed", obj=schedule, before=before, after=_schedule_state(schedule)
    )
    return schedule


@dataclass(frozen=True)
class ScanStart:
    business_dates: list[date]
    run: ScanRun | None  # the last date's run as it stands after dispatch (None: a worker has it)
    dispatch_error: str = ""


def _record_dispatch_failure(day: date, error: str) -> ScanRun:
    """The task could not even be queued (broker down): record the date's run as failed, so the
    scan-runs page and /healthz show it and the next night (or the next click) rescans it."""
    now = timezone.now()
    with transaction.atomic():
        run, _ = ScanRun.objects.select_for_update().get_or_create(
            business_date=day, defaults={"started_at": now, "status": ScanRun.Status.FAILED}
        )
        run.status = ScanRun.Status.FAILED
        run.started_at = now
        run.finished_at = now
        run.failures = [*(run.failures or []), {"where": "dispatch", "error": error[:500]}]
        run.save()
    return run


def scan_run_now(*, actor) -> ScanStart:
    """Start the nightly scan now: every business date the night would cover (a missed night
    caught up), or yesterday's again when it is already done (a rescan changes nothing).

    Preconditions: the actor is an Admin; no scan is running (one at a time; a run older than
    scan.STALE_RUN is presumed dead). Side effects: a `scan.run_requested` audit event, then
    the scan task dispatched to Celery (inline when Celery is eager). A broker that cannot be
    reached leaves the date's run recorded as failed with the error, not an exception page.
    """
    _require_admin(actor, "Only an Admin may start a scan.")
    target = scan.default_business_date()
    with transaction.atomic():
        schedule = _schedule_locked()  # serialises two admins clicking at once
        running = scan_running()
        if running is not None:
            raise DomainError(
                "scan_running",
                f"The scan for {running.business_date:%b %-d, %Y} has been running since "
                f"{timezone.localtime(running.started_at):%H:%M}; wait for it to finish.",
            )
        dates = scan.dates_to_scan(target) or [target]
        audit_record(
            actor=actor,
            action="scan.run_requested",
            obj=schedule,
            after={"business_dates": [d.isoformat() for d in dates]},
        )
    # After the commit: the worker (or the eager inline run) must see the audit row's
    # transaction closed, and a scan failure must not roll the request's audit row back.
    from delinquency.tasks import scan_business_date  # tasks import scan; avoid a cycle at import

    error = ""
    dispatched_at = timezone.now()
    try:
        # ignore_result: nobody waits on it, and with Redis down the result store's reconnect
        # loop (about 20 s) would hold the admin's request before the publish fails.
        scan_business_date.apply_async((dates[0].isoformat(), [d.isoformat() for d in dates[1:]]), ignore_result=True)
    except Exception as exc:  # broker down, or (eager) the scan itself failed and recorded it
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("scan start for %s failed: %s", dates[0], error)
        run = ScanRun.objects.filter(business_date=dates[0]).first()
        # Eager, the task already recorded its own failure on a run it claimed just now.
        if run is None or run.started_at < dispatched_at or not run.failures:
            _record_dispatch_failure(dates[0], error)
    return ScanStart(
        business_dates=dates, run=ScanRun.objects.filter(business_date=dates[-1]).first(), dispatch_error=error
    )
