"""Celery tasks for workouts. They carry a date and call the service."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from workouts.services.nightly import workouts_nightly


@shared_task(name="workouts.nightly")
def workouts_nightly_task(as_of: str | None = None) -> dict[str, list[int]]:
    """Beat entry (after the delinquency scan): expire unanswered offers, judge trial payments.
    Run after midnight with today's date, so yesterday is complete: an offer expiring yesterday
    is rejected, and a trial payment due in a month that ended yesterday is judged."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return workouts_nightly(as_of=day)
