"""The nightly scan page (/delinquency/scans/): run history for admins and managers, the schedule
admins change at runtime, "Run scan now", and the beat tick that honours the schedule.

Clock: Saturday Nov 28, 2026, 12:00 Eastern; yesterday's business date is Nov 27."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from delinquency.models import ScanRun, ScanSchedule
from delinquency.services_schedule import scan_run_now, scan_schedule_update
from delinquency.tasks import scan_tick
from lossmit.errors import PermissionRefused
from tests.factories import LoanFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PAGE = reverse("scan-runs")
SCHEDULE = reverse("scan-schedule")
RUN_NOW = reverse("scan-run-now")


@pytest.fixture(autouse=True)
def _noon(settings, time_machine):
    settings.CELERY_BROKER_URL = ""
    time_machine.move_to(datetime(2026, 11, 28, 12, 0, tzinfo=NEW_YORK), tick=False)


def _run(day: date, status: str = "done", **fields) -> ScanRun:
    start = datetime.combine(day + timedelta(days=1), time(1, 30), tzinfo=NEW_YORK)
    return ScanRun.objects.create(
        business_date=day,
        status=status,
        started_at=fields.pop("started_at", start),
        finished_at=None if status == "running" else start + timedelta(seconds=42),
        **fields,
    )


def _state():
    return (
        list(ScanRun.objects.order_by("business_date").values_list("business_date", "status", "started_at")),
        list(ScanSchedule.objects.values_list("time_of_day", "enabled")),
        AuditEvent.objects.count(),
    )


# --- who sees what ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for url, method in ((PAGE, client.get), (SCHEDULE, client.post), (RUN_NOW, client.post)):
        response = method(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist"])
def test_outsiders_and_specialists_get_403_and_change_nothing(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    before = _state()
    assert client.get(PAGE).status_code == 403
    assert client.post(SCHEDULE, {"time_of_day": "03:00", "enabled": "on"}).status_code == 403
    assert client.post(RUN_NOW).status_code == 403
    assert _state() == before


def test_manager_reads_the_page_but_cannot_act(client, manager):
    _run(date(2026, 11, 27))
    client.force_login(manager)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run scan now" not in html
    assert 'id="schedule-form"' not in html
    assert "Admins change the time and start a scan by hand." in html
    before = _state()
    assert client.post(SCHEDULE, {"time_of_day": "03:00", "enabled": "on"}).status_code == 403
    assert client.post(RUN_NOW).status_code == 403
    assert _state() == before


def test_services_refuse_non_admins(manager, specialist):
    before = _state()
    for actor in (manager, specialist):
        with pytest.raises(PermissionRefused):
            scan_schedule_update(actor=actor, time_of_day=time(3, 0), enabled=True)
        with pytest.raises(PermissionRefused):
            scan_run_now(actor=actor)
    assert _state() == before


def test_admin_sees_history_schedule_and_actions(client, admin_user):
    _run(
        date(2026, 11, 27),
        "failed",
        loans_scanned=1_000_000,
        chunks_total=50,
        chunks_done=49,
        bucket_counts={"current": 990_000, "30-59": 10_000},
        task_counts={"regx_live_contact": 1200, "broken_promise": 80},
        tasks_assigned=1280,
        failures=[{"where": "chunk 20001-40001", "error": "OperationalError('server closed the connection')"}],
    )
    client.force_login(admin_user)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "Fri Nov 27, 2026",
        "Failed",
        "Nov 28 01:30",
        "42.0 s",
        "1,000,000",
        "49/50",
        "current: 990,000",
        "30-59: 10,000",
        "Reg X live contact: 1,200",
        "1,280 in all",
        "chunk 20001-40001",
        "OperationalError(&#x27;server closed the connection&#x27;)",
        "The last scan (business date 2026-11-27) <strong>failed</strong> with 1 failure",
        "starts every night after <strong>01:30</strong>",
        "Run scan now",
    ):
        assert expected in html, expected


def test_page_runs_a_fixed_number_of_queries(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    _run(date(2026, 11, 27))
    with django_assert_max_num_queries(12) as few:
        assert client.get(PAGE).status_code == 200
    for i in range(1, 25):
        _run(date(2026, 11, 27) - timedelta(days=i), task_counts={"broken_promise": i})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PAGE).status_code == 200


def test_overdue_scan_is_flagged_on_the_page(client, manager):
    _run(date(2026, 11, 25))
    client.force_login(manager)
    html = client.get(PAGE).content.decode()
    assert "No completed scan for business date <strong>2026-11-27</strong>" in html


# --- the schedule ----------------------------------------------------------------------------


def test_admin_changes_the_schedule_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(SCHEDULE, {"time_of_day": "03:15"})  # the checkbox left unticked: off
    assert response.status_code == 302
    schedule = ScanSchedule.objects.get()
    assert (schedule.time_of_day, schedule.enabled, schedule.updated_by) == (time(3, 15), False, admin_user)
    event = AuditEvent.objects.get(action="scan.schedule_changed")
    assert (event.actor, event.object_type, event.object_id) == (admin_user, "delinquency.ScanSchedule", "1")
    assert event.before == {"time_of_day": "01:30", "enabled": True}
    assert event.after == {"time_of_day": "03:15", "enabled": False}
    html = client.get(PAGE).content.decode()
    assert "The nightly scan now starts after 03:15 (nightly runs are off)." in html
    assert "Nightly runs are <strong>off</strong>" in html


@pytest.mark.parametrize("bad", ["25:00", "3pm", "", "01:30:00", "\u0661\u0662:\u0660\u0660"])  # last: Arabic-Indic
def test_a_bad_time_is_a_form_error_and_changes_nothing(client, admin_user, bad):
    client.force_login(admin_user)
    before = _state()
    response = client.post(SCHEDULE, {"time_of_day": bad, "enabled": "on"})
    assert response.status_code == 400
    assert response.context["schedule_form"].errors["time_of_day"]
    assert _state() == before


def test_django_admin_edits_go_through_the_service(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/delinquency/scanschedule/add/", {"time_of_day": "02:45", "enabled": "on"})
    assert response.status_code == 302
    assert list(ScanSchedule.objects.values_list("time_of_day", "enabled", "updated_by")) == [
        (time(2, 45), True, admin_user.pk)
    ]
    assert AuditEvent.objects.filter(action="scan.schedule_changed").count() == 1
    assert client.get("/admin/delinquency/scanschedule/add/").status_code == 403  # one row only


# --- run now ---------------------------------------------------------------------------------


def test_admin_runs_the_scan_now_inline_when_eager(client, admin_user, specialist):
    LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
    _run(date(2026, 11, 26))
    client.force_login(admin_user)
    response = client.post(RUN_NOW, follow=True)
    assert response.status_code == 200
    run = ScanRun.objects.get(business_date=date(2026, 11, 27))
    assert (run.status, run.loans_scanned) == ("done", 1)
    assert "Scanned Nov 27: 1 loans." in response.content.decode()
    event = AuditEvent.objects.get(action="scan.run_requested")
    assert (event.actor, event.after) == (admin_user, {"business_dates": ["2026-11-27"]})


def test_run_now_catches_up_missed_nights(admin_user):
    _run(date(2026, 11, 24))
    started = scan_run_now(actor=admin_user)
    assert started.business_dates == [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
    assert list(ScanRun.objects.order_by("business_date").values_list("business_date", "status")) == [
        (date(2026, 11, 24), "done"),
        (date(2026, 11, 25), "done"),
        (date(2026, 11, 26), "done"),
        (date(2026, 11, 27), "done"),
    ]


def test_run_now_is_refused_while_a_scan_runs(client, admin_user):
    _run(date(2026, 11, 27), "running", started_at=datetime(2026, 11, 28, 11, 50, tzinfo=NEW_YORK))
    client.force_login(admin_user)
    before = _state()
    response = client.post(RUN_NOW)
    assert response.status_code == 409
    assert "The scan for Nov 27, 2026 has been running since 11:50; wait for it to finish." in (
        response.content.decode()
    )
    assert _state() == before


def test_a_stale_running_scan_does_not_block(admin_user):
    """Running for more than scan.STALE_RUN (6 h): presumed dead, the date is scanned again."""
    _run(date(2026, 11, 27), "running", started_at=datetime(2026, 11, 28, 5, 0, tzinfo=NEW_YORK))
    started = scan_run_now(actor=admin_user)
    assert (started.run.business_date, started.run.status) == (date(2026, 11, 27), "done")


# --- the beat tick ---------------------------------------------------------------------------


def test_tick_starts_the_scan_once_after_the_scheduled_time(time_machine):
    _run(date(2026, 11, 26))
    ScanSchedule.objects.create(time_of_day=time(3, 0), enabled=True)
    time_machine.move_to(datetime(2026, 11, 28, 2, 55, tzinfo=NEW_YORK), tick=False)
    assert scan_tick() == []
    assert not ScanRun.objects.filter(business_date=date(2026, 11, 27)).exists()
    time_machine.move_to(datetime(2026, 11, 28, 3, 0, tzinfo=NEW_YORK), tick=False)
    assert scan_tick() == ["2026-11-27"]
    assert ScanRun.objects.get(business_date=date(2026, 11, 27)).status == "done"
    time_machine.move_to(datetime(2026, 11, 28, 3, 5, tzinfo=NEW_YORK), tick=False)
    assert scan_tick() == []  # the date's run exists: later ticks do nothing
    assert ScanRun.objects.count() == 2


def test_tick_does_not_restart_a_failed_date_the_same_day():
    """A failed run is visible (page, /healthz); the next night's catch-up or an admin reruns it."""
    _run(date(2026, 11, 26))
    _run(date(2026, 11, 27), "failed", failures=[{"where": "dispatch", "error": "x"}])
    assert scan_tick() == []


def test_tick_catches_up_a_missed_night():
    _run(date(2026, 11, 25))
    assert scan_tick() == ["2026-11-26", "2026-11-27"]
    assert set(ScanRun.objects.values_list("status", flat=True)) == {"done"}


def test_tick_does_nothing_when_the_schedule_is_off():
    ScanSchedule.objects.create(time_of_day=time(1, 30), enabled=False)
    assert scan_tick() == []
    assert ScanRun.objects.count() == 0


def test_default_schedule_is_the_settings_time(time_machine):
    """No row yet: DELINQUENCY_SCAN_TIME (01:30) applies."""
    time_machine.move_to(datetime(2026, 11, 28, 1, 29, tzinfo=NEW_YORK), tick=False)
    assert scan_tick() == []
    time_machine.move_to(datetime(2026, 11, 28, 1, 30, tzinfo=NEW_YORK), tick=False)
    assert scan_tick() == ["2026-11-27"]
