"""letter_generate refuses what it cannot state truthfully, and a refusal writes nothing."""

from datetime import date

import pytest

from audit.models import AuditEvent
from letters.models import Letter
from letters.services import letter_generate
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from tests.letters.conftest import MOD_TERMS
from workouts import services

pytestmark = pytest.mark.django_db


def _refused(code: str, **kwargs) -> None:
    letters, events = Letter.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        letter_generate(**kwargs)
    assert err.value.code == code, err.value.message
    assert Letter.objects.count() == letters
    assert AuditEvent.objects.count() == events


def test_no_mailing_address_is_refused(specialist, open_case):
    case = open_case()
    borrower = case.loan.borrower
    borrower.mailing_address1 = ""
    borrower.save()
    _refused("no_mailing_address", actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))


def test_denial_letter_for_a_case_without_a_denial_is_refused(specialist, open_case):
    case = open_case(application_complete_on=date(2026, 11, 27))
    services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    _refused("no_denial", actor=specialist, kind="evaluation_denial", case=case, sent_on=date(2026, 12, 1))


def test_offer_letter_for_an_unoffered_case_is_refused(specialist, open_case):
    case = open_case(application_complete_on=date(2026, 11, 27))
    _refused("not_offered", actor=specialist, kind="evaluation_offer", case=case, sent_on=date(2026, 12, 1))


def test_offer_letter_dated_other_than_the_offer_is_refused(specialist, offered_workout):
    """The acceptance deadline counts from the offer; a letter sent later would shorten it."""
    workout = offered_workout()
    _refused("sent_on_mismatch", actor=specialist, kind="evaluation_offer", workout=workout, sent_on=date(2027, 1, 22))


def test_trial_letter_before_acceptance_is_refused(specialist, offered_workout):
    workout = offered_workout()
    _refused("no_trial_plan", actor=specialist, kind="trial_plan_offer", case=workout.case, sent_on=date(2027, 1, 22))


def test_early_intervention_notice_to_a_current_loan_is_refused(specialist, frozen_today):
    loan = LoanFactory(next_due_date=date(2027, 7, 1))
    _refused("not_delinquent", actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=frozen_today)


def test_acknowledgment_needs_a_case(specialist, loan, frozen_today):
    _refused("case_required", actor=specialist, kind="acknowledgment", loan=loan, sent_on=frozen_today)


def test_acknowledgment_before_the_application_is_refused(specialist, open_case):
    case = open_case()
    _refused("before_application", actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 24))


def test_a_future_date_is_refused(specialist, open_case, frozen_today):
    case = open_case()
    _refused("future_date", actor=specialist, kind="acknowledgment", case=case, sent_on=date(2027, 6, 15))


def test_only_lossmit_staff_send_letters(outsider, open_case):
    case = open_case()
    _refused("forbidden", actor=outsider, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))


def test_a_case_on_another_loan_is_refused(specialist, open_case, frozen_today):
    case = open_case()
    other = LoanFactory()
    _refused("mismatch", actor=specialist, kind="acknowledgment", case=case, loan=other, sent_on=date(2026, 11, 30))


def test_letters_cannot_be_changed_on_postgresql(specialist, open_case):
    """What was sent stays as sent: the append-only trigger refuses UPDATE and DELETE."""
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=open_case(), sent_on=date(2026, 11, 30))
    with pytest.raises(DatabaseError), transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(sent_on=date(2026, 12, 1))
    with pytest.raises(DatabaseError), transaction.atomic():
        Letter.objects.filter(pk=letter.pk).delete()
    assert Letter.objects.get(pk=letter.pk).sent_on == date(2026, 11, 30)


def test_a_character_the_font_cannot_print_is_refused(specialist, frozen_today):
    from tests.factories import BorrowerFactory

    loan = LoanFactory(next_due_date=date(2027, 4, 1), borrower=BorrowerFactory(last_name="王"))
    _refused("unprintable", actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
