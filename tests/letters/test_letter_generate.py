"""letter_generate: each letter states the right dates and amounts, in its text and its PDF."""

from datetime import date
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from letters.models import Letter, LetterKind, LetterTemplate
from letters.services import letter_generate
from tests.letters.conftest import MOD_TERMS, pdf_text
from workouts import services

pytestmark = pytest.mark.django_db


def test_acknowledgment_of_an_incomplete_application_lists_what_is_missing(specialist, open_case):
    """Received Wed 2026-11-25: 5 business days skip Thanksgiving, so it is due 2026-12-03."""
    case = open_case()
    services.case_document_receive(
        actor=specialist, case_id=case.pk, kind="hardship_statement", received_on=date(2026, 11, 25)
    )
    services.case_document_receive(actor=specialist, case_id=case.pk, kind="income", received_on=date(2026, 11, 25))
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))
    text = pdf_text(letter.pdf)
    assert "We received your application" in text
    assert "on November 25, 2026" in text
    assert "by December 3, 2026" in text
    assert "YOUR APPLICATION IS NOT COMPLETE" in text
    assert letter.context["missing_documents"] == ["Tax transcript consent (4506-C)", "Bank statements"]
    assert "- Tax transcript consent (4506-C) - Bank statements Please send them by" in text
    assert "Proof of income" not in text
    # 30 days after the notice; the 120th day of delinquency (oldest due 2026-10-01) is
    # 2027-01-29, later.
    assert letter.context["documents_due"] == "December 30, 2026"
    assert "send them by December 30, 2026" in text
    assert letter.sent_on == date(2026, 11, 30)
    assert letter.template == LetterTemplate.objects.get(kind="acknowledgment", active=True)
    event = AuditEvent.objects.get(action="letter.generate", object_id=str(letter.pk))
    assert event.object_id == str(letter.pk)
    assert event.loan_id == case.loan_id
    assert event.after["template_version"] == 1


def test_acknowledgment_of_a_complete_application_gives_the_decision_date(specialist, open_case):
    case = open_case(application_complete_on=date(2026, 11, 27))
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 11, 30))
    text = pdf_text(letter.pdf)
    assert "YOUR APPLICATION IS COMPLETE" in text
    assert "complete on November 27, 2026" in text
    assert "send you our decision in writing by December 27, 2026" in text
    assert "NOT COMPLETE" not in text
    assert letter.context["missing_documents"] == []


def test_acknowledgment_send_by_date_comes_before_a_sale_milestone(specialist, open_case):
    """A sale on 2027-02-20: 38 days before it is 2027-01-13, 90 days before (2026-11-22) has
    passed, so the borrower gets until January 13 rather than 30 days."""
    case = open_case(application_received_on=date(2026, 12, 1), foreclosure_sale_date=date(2027, 2, 20))
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=date(2026, 12, 21))
    assert letter.context["documents_due"] == "January 13, 2027"
    assert "A foreclosure sale is scheduled for February 20, 2027." in pdf_text(letter.pdf)


@pytest.mark.parametrize(
    ("_case", "sale", "deadline", "days"),
    [
        ("no sale: 14 days", None, "February 3, 2027", 14),
        ("complete 60 days before sale: 7 days", date(2027, 3, 6), "January 27, 2027", 7),
    ],
)
def test_offer_letter_shows_the_payment_and_acceptance_deadline(
    specialist, offered_workout, _case, sale, deadline, days
):
    workout = offered_workout(sale=sale)
    letter = letter_generate(actor=specialist, kind="evaluation_offer", case=workout.case, sent_on=date(2027, 1, 20))
    text = pdf_text(letter.pdf)
    assert letter.workout_id == workout.pk
    assert "Your new monthly payment: $1,126.11" in text
    assert "Interest rate: 5.000%" in text
    assert "Term: 480 months" in text
    assert "Principal forbearance (no interest, due at payoff or maturity): $20,000.00" in text
    assert f"contact us by {deadline} ({days} days from the date of this letter)" in text
    assert "three trial payments of $1,126.11" in text
    assert letter.subject == "Your mortgage assistance offer: Modification"


def test_denial_letter_states_the_reason_and_appeal_deadline(specialist, manager, frozen_today):
    loan_case = services.case_open(
        actor=specialist,
        loan_id=_loan(specialist).pk,
        application_received_on=date(2027, 1, 2),
        application_complete_on=date(2027, 1, 5),
    )
    workout = services.workout_submit(actor=specialist, case_id=loan_case.pk, option="modification", terms=MOD_TERMS)
    services.workout_deny(
        actor=manager,
        workout_id=workout.pk,
        reason="Your income does not support the modified payment.\nThe property is not your primary residence.",
        notice_on=date(2027, 1, 25),
    )
    letter = letter_generate(actor=specialist, kind="evaluation_denial", case=loan_case, sent_on=date(2027, 1, 25))
    text = pdf_text(letter.pdf)
    assert "We are not able to offer you a modification." in text
    assert "- Your income does not support the modified payment. - The property is not your primary residence." in text
    assert "Your appeal must reach us by February 8, 2027." in text
    assert "within 30 days of receiving it" in text
    assert "NET PRESENT VALUE" not in text


def test_denial_letter_resting_on_npv_discloses_its_inputs(specialist, manager, frozen_today):
    from decimal import Decimal

    loan = _loan(specialist)
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 1, 2),
        application_complete_on=date(2027, 1, 5),
        foreclosure_sale_date=date(2027, 3, 6),  # complete 60 days before sale: no appeal right
    )
    evaluation = services.evaluation_store(
        actor=specialist,
        case_id=case.pk,
        as_of=date(2027, 1, 6),
        gross_monthly_income=Decimal("6000.00"),
        market_value=Decimal("300000.00"),
    )
    assert evaluation.option_result("modification")["eligible"], evaluation.result
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="modification", evaluation_id=evaluation.pk
    )
    services.workout_deny(
        actor=manager, workout_id=workout.pk, reason="The modification fails the NPV test.", notice_on=date(2027, 1, 25)
    )
    letter = letter_generate(actor=specialist, kind="evaluation_denial", case=case, sent_on=date(2027, 1, 25))
    text = pdf_text(letter.pdf)
    assert "THE NET PRESENT VALUE (NPV) TEST" in text
    assert "- Gross monthly income: $6,000.00" in text
    assert "- Property value: $300,000.00" in text
    assert "- Unpaid principal balance: $188,000.00" in text
    assert "that right does not apply to this decision" in text
    assert letter.context["appeal_available"] is False


def test_trial_plan_letter_lists_three_payments(specialist, offered_workout):
    workout = offered_workout()
    workout = services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 2, 3))
    letter = letter_generate(actor=specialist, kind="trial_plan_offer", case=workout.case, sent_on=date(2027, 2, 3))
    text = pdf_text(letter.pdf)
    assert letter.subject == "Your trial period plan: 3 payments of $1,126.11"
    assert (
        "- Payment 1: $1,126.11 due March 1, 2027 - Payment 2: $1,126.11 due April 1, 2027 "
        "- Payment 3: $1,126.11 due May 1, 2027" in text
    )


def test_early_intervention_notice_states_what_is_past_due(specialist, frozen_today):
    """Oldest unpaid due 2027-04-01, sent 2027-05-16 (day 45): two installments past due."""
    loan = _loan(specialist, next_due_date=date(2027, 4, 1))
    letter = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    text = pdf_text(letter.pdf)
    payment = loan.monthly_pi + loan.monthly_escrow
    assert letter.case_id is None
    assert "Your mortgage payment due April 1, 2027 has not been paid. Today you are 45 days late." in text
    assert f"2 monthly payments of ${payment:,.2f} (${2 * payment:,.2f} in total" in text
    assert "call HUD at 1-800-569-4287" in text
    assert "https://www.hud.gov/counseling" in text
    assert "HOW TO APPLY" in text
    assert "Loan modification" in text


def test_letter_names_the_co_borrower_and_mailing_address(specialist, frozen_today):
    from tests.factories import BorrowerFactory

    co = BorrowerFactory(first_name="Jo", last_name="Ng")
    loan = _loan(specialist, next_due_date=date(2027, 4, 1), co_borrower=co)
    loan.borrower.first_name, loan.borrower.last_name = "Ana", "Ruiz"
    loan.borrower.mailing_address2 = "Apt 4"
    loan.borrower.save()
    letter = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    assert letter.recipient == "Ana Ruiz and Jo Ng"
    assert letter.mailing_address == "12 Elm Street\nApt 4\nAtlanta, GA 30301"
    assert "Ana Ruiz and Jo Ng 12 Elm Street Apt 4 Atlanta, GA 30301 Loan number:" in pdf_text(letter.pdf)


def test_same_letter_renders_to_the_same_bytes(specialist, frozen_today):
    loan = _loan(specialist, next_due_date=date(2027, 4, 1))
    first = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    second = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    assert first.pdf_sha256 == second.pdf_sha256
    assert Letter.objects.filter(kind=LetterKind.EARLY_INTERVENTION_NOTICE).count() == 2


def _loan(specialist, **kwargs):
    from tests.factories import LoanFactory

    kwargs.setdefault("next_due_date", date(2026, 11, 1))
    return LoanFactory(assigned_to=specialist, **kwargs)


def test_repayment_plan_offer_shows_the_plan_payment(specialist, manager, frozen_today):
    """No plan payment in the terms: the regular payment plus an equal share of the past due."""
    loan = _loan(specialist)
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 1, 2))
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="repayment_plan", terms={"months": 3, "past_due_amount": "4692.42"}
    )
    if workout.status == "submitted":
        workout = services.workout_approve(actor=manager, workout_id=workout.pk)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
    letter = letter_generate(actor=specialist, kind="evaluation_offer", case=case, sent_on=date(2027, 1, 20))
    text = pdf_text(letter.pdf)
    expected = loan.monthly_pi + loan.monthly_escrow + Decimal("1564.14")
    assert f"Your new monthly payment: ${expected:,.2f}" in text
    assert "- Length of the plan: 3 months - Past-due amount repaid over the plan: $4,692.42" in text
    assert "trial" not in text.lower()
    # Incomplete application: Reg X sets no window; Lossmit gives 7 days.
    assert "contact us by January 27, 2027 (7 days from the date of this letter)" in text


def test_names_print_as_spelled(specialist, frozen_today):
    """The PDF embeds a font with Vietnamese and Central European letters: no "?" for a name."""
    from tests.factories import BorrowerFactory

    loan = _loan(
        specialist, next_due_date=date(2027, 4, 1), borrower=BorrowerFactory(first_name="Thị", last_name="Nguyễn")
    )
    letter = letter_generate(actor=specialist, kind="early_intervention_notice", loan=loan, sent_on=date(2027, 5, 16))
    assert "Dear Thị Nguyễn," in pdf_text(letter.pdf)
