"""The event functions the workflow calls: the right letter, on the date the clock counts from."""

from datetime import date

import pytest

from delinquency.models import CallTask
from letters.models import Letter, LetterKind
from letters.services import (
    letters_early_intervention,
    letters_for_case_received,
    letters_for_decision,
    letters_for_trial,
)
from tests.factories import BorrowerFactory, LoanFactory
from tests.letters.conftest import MOD_TERMS, pdf_text
from workouts import services

pytestmark = pytest.mark.django_db


def test_case_received_sends_the_acknowledgment(specialist, open_case):
    case = open_case()
    letter = letters_for_case_received(actor=specialist, case=case, sent_on=date(2026, 12, 2))
    assert (letter.kind, letter.case_id, letter.sent_on) == ("acknowledgment", case.pk, date(2026, 12, 2))
    assert "by December 3, 2026" in pdf_text(letter.pdf)


def test_case_received_within_45_days_of_a_sale_needs_no_acknowledgment(specialist, open_case):
    """1024.41(b)(2)(i)(B) applies to applications received 45 or more days before a sale."""
    case = open_case(foreclosure_sale_date=date(2027, 1, 8))  # 44 days after 2026-11-25
    assert letters_for_case_received(actor=specialist, case=case, sent_on=date(2026, 11, 27)) is None
    assert not Letter.objects.exists()


def test_offer_sends_the_offer_letter_dated_the_offer(specialist, offered_workout):
    workout = offered_workout(offered_on=date(2027, 1, 20))
    letter = letters_for_decision(actor=specialist, workout=workout)
    assert (letter.kind, letter.workout_id, letter.sent_on) == ("evaluation_offer", workout.pk, date(2027, 1, 20))
    assert letter.context["acceptance_deadline"] == "February 3, 2027"


def test_denial_sends_the_denial_letter_dated_the_notice(specialist, manager, open_case):
    case = open_case(application_complete_on=date(2026, 11, 27))
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    workout = services.workout_deny(
        actor=manager, workout_id=workout.pk, reason="Too much debt.", notice_on=date(2026, 12, 10)
    )
    letter = letters_for_decision(actor=manager, workout=workout)
    assert (letter.kind, letter.sent_on) == ("evaluation_denial", date(2026, 12, 10))
    assert letter.context["appeal_deadline"] == "December 24, 2026"
    assert letter.context["denial_reasons"] == ["Too much debt."]


def test_approval_sends_nothing(specialist, manager, open_case):
    case = open_case(application_complete_on=date(2026, 11, 27))
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    workout = services.workout_approve(actor=manager, workout_id=workout.pk)
    assert letters_for_decision(actor=manager, workout=workout) is None
    assert letters_for_trial(actor=manager, workout=workout) is None


def test_acceptance_of_a_modification_sends_the_trial_plan(specialist, offered_workout):
    workout = offered_workout()
    workout = services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 2, 1))
    letter = letters_for_trial(actor=specialist, workout=workout, sent_on=date(2027, 2, 1))
    assert [p["due_date"] for p in letter.context["trial_payments"]] == [
        "March 1, 2027",
        "April 1, 2027",
        "May 1, 2027",
    ]


def _notice_task(loan, due_by: date, business_date: date) -> CallTask:
    return CallTask.objects.create(
        loan=loan, reason=CallTask.Reason.REGX_WRITTEN_NOTICE, due_by=due_by, business_date=business_date
    )


def test_nightly_pass_sends_one_notice_per_written_notice_task(specialist, frozen_today):
    """Oldest unpaid due 2027-04-01: the scan queued the notice due 2027-05-16."""
    loan = LoanFactory(next_due_date=date(2027, 4, 1), assigned_to=specialist)
    no_address = LoanFactory(next_due_date=date(2027, 4, 1), borrower=BorrowerFactory(mailing_address1=""))
    _notice_task(loan, date(2027, 5, 16), date(2027, 5, 2))
    _notice_task(no_address, date(2027, 5, 16), date(2027, 5, 2))
    result = letters_early_intervention(as_of=date(2027, 5, 3))
    letter = Letter.objects.get(loan=loan)
    assert result == {"sent": [letter.pk], "refused": {no_address.pk: "no_mailing_address"}}
    assert (letter.kind, letter.sent_on, letter.created_by) == (
        LetterKind.EARLY_INTERVENTION_NOTICE,
        date(2027, 5, 3),
        None,
    )
    assert letters_early_intervention(as_of=date(2027, 5, 4))["sent"] == []  # once per cycle


def test_case_received_without_an_address_does_not_block_the_case(specialist, open_case):
    """The borrower's protections run from receipt; the missing letter shows as a late date."""
    from django.db import transaction

    loan = LoanFactory(next_due_date=date(2026, 10, 1), borrower=BorrowerFactory(mailing_zip=""))
    case = open_case(loan=loan)
    with transaction.atomic():
        assert letters_for_case_received(actor=specialist, case=case, sent_on=date(2026, 11, 30)) is None
        case.refresh_from_db()  # the transaction is still usable
    assert not Letter.objects.exists()


def test_nightly_task_runs_the_pass(specialist, frozen_today):
    from letters.tasks import letters_early_intervention_task

    loan = LoanFactory(next_due_date=date(2027, 4, 1), assigned_to=specialist)
    _notice_task(loan, date(2027, 5, 16), date(2027, 5, 2))
    result = letters_early_intervention_task.delay("2027-05-03").get()
    assert result == {"sent": [Letter.objects.get(loan=loan).pk], "refused": {}}
