"""Nightly purge of what is only kept for a while (issue 8):

- idempotency keys older than IDEMPOTENCY_KEY_RETENTION_HOURS (lossmit/idempotency.py says why
  they are kept at all: a retry within that window replays the first response);
- tape uploads previewed but never applied, older than TAPE_UPLOAD_RETENTION_HOURS: the stored
  file is deleted and the run forgets its path, so the preview page says "upload it again".
  The ImportRun row stays: it is the log of who tried to load what.

Applied and rejected runs keep their rows (their files are already gone); audit and ledger rows
are never purged.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import IdempotencyKey
from imports.models import ImportRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeCounts:
    idempotency_keys: int
    tape_uploads: int


@transaction.atomic
def purge_expired(*, now: datetime | None = None) -> PurgeCounts:
    """Delete expired idempotency keys and unconfirmed tape uploads; log and return the counts.

    Side effects: rows deleted from IdempotencyKey; for each expired previewed upload its file
    is removed and `stored_path` cleared (after commit, so a rolled-back purge loses no file).
    Idempotent: a second run finds nothing.
    """
    now = now or timezone.now()
    key_cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    keys, _ = IdempotencyKey.objects.filter(created_at__lt=key_cutoff).delete()

    upload_cutoff = now - timedelta(hours=settings.TAPE_UPLOAD_RETENTION_HOURS)
    uploads = (
        ImportRun.objects.select_for_update()
        .filter(kind=ImportRun.Kind.TAPE, status=ImportRun.Status.PREVIEWED, started_at__lt=upload_cutoff)
        .exclude(stored_path="")
    )
    paths = [Path(p) for p in uploads.values_list("stored_path", flat=True)]
    upload_count = uploads.update(stored_path="")
    transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in paths])

    logger.info("purge_expired: %d idempotency key(s), %d unconfirmed tape upload(s)", keys, upload_count)
    return PurgeCounts(idempotency_keys=keys, tape_uploads=upload_count)
