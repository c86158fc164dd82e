"""purge_expired: idempotency keys past their retention, and tape uploads previewed but never
applied past theirs, are deleted; recent ones, applied runs and command dry runs are kept."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from audit.models import IdempotencyKey
from audit.purge import PurgeCounts, purge_expired
from audit.tasks import purge_expired_nightly
from imports.models import ImportRun

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


def _key(user, key: str, age: timedelta) -> IdempotencyKey:
    record = IdempotencyKey.objects.create(
        user=user, key=key, method="POST", path="/api/v1/x/", request_hash="0" * 64, response_status=201
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(created_at=NOW - age)
    return record


def _run(status: str, age: timedelta, stored_path: str = "") -> ImportRun:
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.TAPE, status=status, file_name="t.csv", sha256="0" * 64, stored_path=stored_path
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=NOW - age)
    return run


@pytest.fixture
def data(specialist, tmp_path, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 168
    settings.TAPE_UPLOAD_RETENTION_HOURS = 72
    old_file, new_file = tmp_path / "old.csv", tmp_path / "new.csv"
    old_file.write_text("x")
    new_file.write_text("x")
    return {
        "old_keys": [_key(specialist, f"old-{n}", timedelta(days=7, seconds=1 + n)) for n in range(3)],
        "kept_keys": [_key(specialist, "edge", timedelta(days=7)), _key(specialist, "new", timedelta(hours=1))],
        "old_upload": _run(ImportRun.Status.PREVIEWED, timedelta(hours=73), str(old_file)),
        "new_upload": _run(ImportRun.Status.PREVIEWED, timedelta(hours=71), str(new_file)),
        "applied": _run(ImportRun.Status.APPLIED, timedelta(days=30)),
        "dry_run": _run(ImportRun.Status.PREVIEWED, timedelta(days=30)),
        "files": (old_file, new_file),
    }


def test_purges_exactly_the_expired_and_keeps_the_rest(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = purge_expired(now=NOW)
    assert counts == PurgeCounts(idempotency_keys=3, tape_uploads=1)
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["edge", "new"]
    old_file, new_file = data["files"]
    assert not old_file.exists()
    assert new_file.exists()
    runs = {r.pk: (r.status, r.stored_path) for r in ImportRun.objects.all()}
    assert runs == {
        data["old_upload"].pk: (ImportRun.Status.PREVIEWED, ""),
        data["new_upload"].pk: (ImportRun.Status.PREVIEWED, str(new_file)),
        data["applied"].pk: (ImportRun.Status.APPLIED, ""),
        data["dry_run"].pk: (ImportRun.Status.PREVIEWED, ""),
    }
    # A second run finds nothing.
    assert purge_expired(now=NOW) == PurgeCounts(idempotency_keys=0, tape_uploads=0)


def test_the_command_and_the_nightly_task_report_counts(data, time_machine, capsys, caplog):
    time_machine.move_to(NOW, tick=False)
    call_command("purge_expired")
    assert capsys.readouterr().out == "Purged 3 idempotency key(s) and 1 unconfirmed tape upload(s).\n"
    assert "purge_expired: 3 idempotency key(s), 1 unconfirmed tape upload(s)" in caplog.text
    assert purge_expired_nightly.delay().get() == {"idempotency_keys": 0, "tape_uploads": 0}


def test_nightly_beat_entry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired"]
    assert entry["task"] == "audit.purge_expired"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
