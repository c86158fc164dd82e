"""Reads for the nightly scan's schedule and health: when it starts, which business date should
be scanned by now, and whether the last run failed or is overdue. /healthz, the scan-runs page
and the beat tick all ask these same functions, so they can never disagree."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from delinquency import scan
from delinquency.models import ScanRun, ScanSchedule

# How long after the scheduled start the business date's scan may take before /healthz calls it
# overdue. The 1M-loan scan takes minutes on the 2-core machine (README, "Speed"); two hours
# also covers a catch-up of several missed nights and a retried chunk's backoff (5 retries,
# at most 300 s apart).
SCAN_GRACE = timedelta(hours=2)
# A 'running' run is presumed dead after scan.STALE_RUN; it no longer blocks "Run scan now".
RUNS_SHOWN = 30


class ScanProblem:
    LAST_RUN_FAILED = "last_run_failed"
    OVERDUE = "overdue"


def default_scan_time() -> time:
    """The settings' DELINQUENCY_SCAN_TIME (HH:MM): the schedule until an admin changes it."""
    hours, minutes = settings.DELINQUENCY_SCAN_TIME.split(":")
    return time(int(hours), int(minutes))


def scan_schedule_get() -> ScanSchedule:
    """The schedule in force: the saved row, or an unsaved one from the settings (a read never
    writes; the first admin edit creates the row)."""
    schedule = ScanSchedule.objects.select_related("updated_by").filter(pk=ScanSchedule.SINGLETON_ID).first()
    if schedule is None:
        schedule = ScanSchedule(pk=ScanSchedule.SINGLETON_ID, time_of_day=default_scan_time(), enabled=True)
    return schedule


def _local(now: datetime | None) -> datetime:
    return timezone.localtime(now or timezone.now())


def scan_due_business_date(*, now: datetime | None = None, schedule: ScanSchedule | None = None) -> date:
    """The latest business date whose scan should have completed by `now`: the run starting at
    the scheduled time on day D scans D - 1 (scan.default_business_date), and gets SCAN_GRACE."""
    local = _local(now)
    schedule = schedule or scan_schedule_get()
    due = timezone.make_aware(datetime.combine(local.date(), schedule.time_of_day), local.tzinfo) + SCAN_GRACE
    yesterday = scan.default_business_date(local)
    return yesterday if local >= due else yesterday - timedelta(days=1)


def scan_dates_due_to_start(*, now: datetime | None = None) -> list[date]:
    """What the beat tick should start now: nothing while the schedule is off or today's start
    time has not come, nothing once any run exists for today's business date (idempotent: the
    first tick after the time starts it, later ticks see its row); otherwise every missed date
    through it (scan.dates_to_scan catches up a missed night)."""
    local = _local(now)
    schedule = scan_schedule_get()
    if not schedule.enabled or local.time() < schedule.time_of_day:
        return []
    target = scan.default_business_date(local)
    if ScanRun.objects.filter(business_date=target).exists():
        return []
    return scan.dates_to_scan(target)


def _run_summary(run: ScanRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "business_date": run.business_date.isoformat(),
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "failures": len(run.failures or []),
    }


def scan_health(*, now: datetime | None = None) -> dict[str, Any]:
    """The last run (newest business date) and the problem, if any: its failure first, then a
    missing completed scan for the date that should have been scanned by now. Three queries."""
    schedule = scan_schedule_get()
    expected = scan_due_business_date(now=now, schedule=schedule)
    last = ScanRun.objects.order_by("-business_date").first()
    problem = None
    if last is not None and last.status == ScanRun.Status.FAILED:
        problem = ScanProblem.LAST_RUN_FAILED
    elif not ScanRun.objects.filter(status=ScanRun.Status.DONE, business_date__gte=expected).exists():
        # No completed scan of that date or a later one: the data is staler than it should be
        # (a dead beat, a broker down all night, a run stuck 'running' past the grace period).
        problem = ScanProblem.OVERDUE
    return {
        "last_run": _run_summary(last),
        "expected_business_date": expected.isoformat(),
        "schedule": {"time": f"{schedule.time_of_day:%H:%M}", "enabled": schedule.enabled},
        "problem": problem,
    }


def scan_running(*, now: datetime | None = None) -> ScanRun | None:
    """A run still 'running' and not yet presumed dead, if any (one scan at a time)."""
    since = (now or timezone.now()) - scan.STALE_RUN
    return ScanRun.objects.filter(status=ScanRun.Status.RUNNING, started_at__gt=since).first()


def scan_run_list(*, limit: int = RUNS_SHOWN) -> list[ScanRun]:
    """The latest runs, newest business date first, with their duration and task total. One query."""
    runs = list(ScanRun.objects.order_by("-business_date")[:limit])
    for run in runs:
        run.duration = (run.finished_at - run.started_at) if run.finished_at else None
        run.tasks_total = sum(run.task_counts.values()) if run.task_counts else 0
    return runs
