"""Celery tasks for letters. They carry a date and call the service."""

import logging
from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from letters.services import (
    letters_early_intervention,
    letters_for_case_received,
    letters_for_decision,
    letters_for_trial,
)
from lossmit.errors import DomainError

logger = logging.getLogger(__name__)


@shared_task(name="letters.early_intervention_nightly")
def letters_early_intervention_task(as_of: str | None = None) -> dict:
    """Beat entry, after the delinquency scan has queued the day's `regx_written_notice` tasks:
    send the early intervention notice (1024.39(b)) for each, dated today."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = letters_early_intervention(as_of=day)
    # JSON keys must be strings for the result backend.
    return {"sent": result["sent"], "refused": {str(k): v for k, v in result["refused"].items()}}


# Workflow events that call for a letter (Reg X 1024.41(b), (c)-(e), trial plan offer). The
# workflow services queue them after their transaction commits, so a letter that cannot be
# produced (no mailing address, a denial resting on NPV with no stored inputs) never blocks
# or rolls back the decision itself; the refusal is logged and the case page shows the
# letter as not sent, its deadline counting down.
LETTER_EVENTS = ("case_received", "decision", "trial")


def letter_queue(event: str, *, object_id: int, actor) -> None:
    """Generate the event's letter once the caller's transaction commits."""
    if event not in LETTER_EVENTS:
        raise ValueError(f"unknown letter event {event!r}")
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    transaction.on_commit(lambda: letter_for_event_task.delay(event, object_id, actor_id))


@shared_task(
    name="letters.for_event", autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5
)
def letter_for_event_task(event: str, object_id: int, actor_id: int | None) -> int | None:
    from django.contrib.auth import get_user_model

    from workouts.models import LossMitCase, Workout

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        if event == "case_received":
            case = LossMitCase.objects.select_related("loan").get(pk=object_id)
            letter = letters_for_case_received(actor=actor, case=case)
            if letter is not None:
                LossMitCase.objects.filter(pk=case.pk, acknowledgment_sent_on__isnull=True).update(
                    acknowledgment_sent_on=letter.sent_on
                )
        elif event == "decision":
            letter = letters_for_decision(actor=actor, workout=Workout.objects.get(pk=object_id))
        else:
            letter = letters_for_trial(actor=actor, workout=Workout.objects.get(pk=object_id))
    except DomainError as exc:
        logger.warning("Letter for %s #%s not generated: %s (%s)", event, object_id, exc.message, exc.code)
        return None
    return letter.pk if letter is not None else None
