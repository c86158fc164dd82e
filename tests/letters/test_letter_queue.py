"""The workflow queues its letters after commit: the event's letter exists once the decision
has committed, dated the day the regulation's clock counts from."""

from datetime import date

import pytest

from letters.models import Letter, LetterKind
from letters.tasks import letter_queue
from tests.letters.conftest import MOD_TERMS, pdf_text
from workouts import services
from workouts.models import LossMitCase

pytestmark = pytest.mark.django_db


def test_opening_a_case_sends_the_acknowledgment_after_commit(open_case, django_capture_on_commit_callbacks):
    """case_open queues the acknowledgment; after commit it exists and the case records it sent."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = open_case()
    assert len(callbacks) == 1
    letter = Letter.objects.get(case=case)
    assert (letter.kind, letter.sent_on) == (LetterKind.ACKNOWLEDGMENT, date(2027, 6, 14))
    assert LossMitCase.objects.get(pk=case.pk).acknowledgment_sent_on == date(2027, 6, 14)


def test_offer_sends_the_offer_letter_dated_the_offer(offered_workout, django_capture_on_commit_callbacks):
    """workout_offer queues the offer letter, dated the offer date the acceptance window counts from."""
    with django_capture_on_commit_callbacks(execute=True):
        workout = offered_workout()
    offer = Letter.objects.get(case=workout.case, kind=LetterKind.EVALUATION_OFFER)
    assert offer.sent_on == date(2027, 1, 20)
    assert "$1,126.11" in pdf_text(offer.pdf)


def test_a_letter_that_cannot_be_made_never_undoes_the_decision(
    specialist, manager, open_case, django_capture_on_commit_callbacks
):
    """An NPV denial with no stored evaluation cannot disclose NPV inputs: the letter is refused
    and logged, and the denial stands."""
    case = open_case(application_complete_on=date(2026, 12, 1))
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    with django_capture_on_commit_callbacks(execute=True):
        denied = services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative")
    denied.refresh_from_db()
    assert denied.status == "denied"
    assert not Letter.objects.filter(case=case, kind=LetterKind.EVALUATION_DENIAL).exists()


def test_unknown_event_is_a_programming_error(specialist):
    """A misspelt event name fails loudly rather than silently sending nothing."""
    with pytest.raises(ValueError, match="unknown letter event"):
        letter_queue("denial", object_id=1, actor=specialist)
