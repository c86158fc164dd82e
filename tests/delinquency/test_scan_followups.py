"""The jobs that read the scan's output (early-intervention letters, the workouts' nightly pass)
follow the day's run whatever time admins schedule it: the beat tick starts them once the run
has finished, once per run (delinquency.tasks.scan_followups_start)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from delinquency import tasks
from delinquency.models import ScanRun
from letters.tasks import letters_early_intervention_task
from workouts.tasks import workouts_nightly_task

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=NEW_YORK)  # the night of Nov 28 scans Nov 27


@pytest.fixture
def started(monkeypatch, time_machine):
    time_machine.move_to(NOW, tick=False)
    calls = []
    monkeypatch.setattr(letters_early_intervention_task, "delay", lambda *a: calls.append("letters"))
    monkeypatch.setattr(workouts_nightly_task, "delay", lambda *a: calls.append("workouts"))
    return calls


def _run(business_date, *, finished=True, status=ScanRun.Status.DONE):
    return ScanRun.objects.create(
        business_date=business_date,
        status=status,
        started_at=datetime(2026, 11, 28, 1, 30, tzinfo=NEW_YORK),
        finished_at=datetime(2026, 11, 28, 1, 34, tzinfo=NEW_YORK) if finished else None,
    )


def test_a_finished_run_starts_its_followups_once(started):
    run = _run(date(2026, 11, 27))

    assert tasks.scan_followups_start() == date(2026, 11, 27)
    assert started == ["letters", "workouts"]
    run.refresh_from_db()
    assert run.followups_started_at == NOW

    assert tasks.scan_followups_start() is None  # the next tick
    assert started == ["letters", "workouts"]


def test_a_failed_run_still_gets_its_letters(started):
    # Part of the chunks queued their written-notice tasks; their notices are still due.
    _run(date(2026, 11, 27), status=ScanRun.Status.FAILED)
    assert tasks.scan_followups_start() == date(2026, 11, 27)
    assert started == ["letters", "workouts"]


def test_nothing_starts_while_the_run_is_running_or_before_it_exists(started):
    assert tasks.scan_followups_start() is None
    run = _run(date(2026, 11, 27), finished=False, status=ScanRun.Status.RUNNING)
    assert tasks.scan_followups_start() is None
    assert started == []
    run.refresh_from_db()
    assert run.followups_started_at is None


def test_an_older_run_is_not_followed_up_on_a_later_night(started):
    # Nov 26's run finished but its followups never started (beat was down); on the night of
    # Nov 28 the letters job runs after Nov 27's scan instead, not twice.
    _run(date(2026, 11, 26))
    assert tasks.scan_followups_start() is None
    assert started == []


def test_the_tick_starts_the_followups(started, monkeypatch):
    monkeypatch.setattr(tasks, "scan_business_date", type("T", (), {"delay": staticmethod(lambda *a: None)}))
    _run(date(2026, 11, 27))
    assert tasks.scan_tick() == []
    assert started == ["letters", "workouts"]
