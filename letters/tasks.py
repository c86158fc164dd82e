"""Celery tasks for letters. They carry a date and call the service."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from letters.services import letters_early_intervention


@shared_task(name="letters.early_intervention_nightly")
def letters_early_intervention_task(as_of: str | None = None) -> dict:
    """Beat entry, after the delinquency scan has queued the day's `regx_written_notice` tasks:
    send the early intervention notice (1024.39(b)) for each, dated today."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = letters_early_intervention(as_of=day)
    # JSON keys must be strings for the result backend.
    return {"sent": result["sent"], "refused": {str(k): v for k, v in result["refused"].items()}}
