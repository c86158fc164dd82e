"""The workflow queues its letters after commit: the event's letter exists once the decision
has committed, dated the day the regulation's clock counts from."""

from datetime import date

import pytest

from letters.models import Letter, LetterKind
from letters.selectors import letters_log
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


def test_a_denial_sends_the_denial_letter_with_reason_and_appeal_deadline(
    specialist, manager, open_case, django_capture_on_commit_callbacks
):
    """workout_deny queues the denial: dated the notice, stating the reason, the appeal right
    and its deadline (14 days: 1024.41(h)), stored with the case and listed in its log."""
    case = open_case(application_complete_on=date(2026, 11, 27))
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    with django_capture_on_commit_callbacks(execute=True):
        services.workout_deny(
            actor=manager, workout_id=workout.pk, reason="Too much debt.", notice_on=date(2026, 12, 10)
        )
    letter = Letter.objects.get(case=case, kind=LetterKind.EVALUATION_DENIAL)
    assert (letter.sent_on, letter.workout_id, letter.loan_id) == (date(2026, 12, 10), workout.pk, case.loan_id)
    text = pdf_text(letter.pdf)
    assert "- Too much debt." in text
    assert "Your appeal must reach us by December 24, 2026." in text
    log = letters_log(user=specialist, loan_id=case.loan_id, case_id=case.pk)
    assert [(row.kind, row.sent_on) for row in log.letters] == [(LetterKind.EVALUATION_DENIAL, date(2026, 12, 10))]


def test_accepting_a_modification_sends_the_trial_plan_letter(
    specialist, offered_workout, django_capture_on_commit_callbacks
):
    """workout_accept queues the trial plan offer, with each payment's amount and due date. It
    is dated the day it goes out (today, 2027-06-14), not the acceptance recorded as of Feb 3:
    unlike the offer and denial, no Reg X clock runs from an earlier date."""
    workout = offered_workout()
    with django_capture_on_commit_callbacks(execute=True):
        services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 2, 3))
    letter = Letter.objects.get(case=workout.case, kind=LetterKind.TRIAL_PLAN_OFFER)
    assert letter.sent_on == date(2027, 6, 14)
    assert [(p["due_date"], p["amount"]) for p in letter.context["trial_payments"]] == [
        ("March 1, 2027", "$1,126.11"),
        ("April 1, 2027", "$1,126.11"),
        ("May 1, 2027", "$1,126.11"),
    ]
