"""Maria's borrower from application to a booked modification, every Reg X date on the way."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Profile
from audit.models import AuditEvent
from borrowers.models import LedgerTransaction
from borrowers.services import ledger_mismatches, payment_post
from lossmit.errors import DomainError
from tests.factories import LoanFactory, UserFactory, ValuationFactory
from workouts import selectors, services
from workouts.models import LossMitCase, Workout

pytestmark = pytest.mark.django_db
EASTERN = ZoneInfo("America/New_York")


def on(day: date):
    """Travel to noon Eastern on `day`: the services' "today"."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=EASTERN), tick=False)


def test_application_to_booked_modification(specialist, manager):
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("400000.00"))
    manager.refresh_from_db()
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    ValuationFactory(property=loan.property, value=Decimal("215000.00"), valued_on=date(2026, 11, 1))

    with on(date(2026, 11, 25)):  # Wednesday before Thanksgiving
        case = services.case_open(
            actor=specialist,
            loan_id=loan.pk,
            application_received_on=date(2026, 11, 25),
            received_via="phone",
            hardship_reason="Lost overtime",
            hardship_duration="long_term",
        )
        services.case_document_receive(
            actor=specialist, case_id=case.pk, kind="hardship_statement", received_on=date(2026, 11, 25)
        )
    deadlines = selectors.case_deadlines(selectors.case_get(user=specialist, case_id=case.pk))
    assert deadlines.acknowledgment_due == date(2026, 12, 3)
    assert deadlines.live_contact_due == date(2026, 10, 7)
    assert deadlines.written_notice_due == date(2026, 10, 16)
    assert deadlines.earliest_foreclosure_referral == date(2026, 12, 31)

    with on(date(2026, 12, 7)):
        for kind in ("income", "tax_transcript_consent", "bank_statements"):
            services.case_document_receive(actor=specialist, case_id=case.pk, kind=kind, received_on=date(2026, 12, 7))
        case.refresh_from_db()
        assert case.application_complete_on == date(2026, 12, 7)
        assert selectors.case_deadlines(case).evaluation_due == date(2027, 1, 6)
        evaluation = services.evaluation_store(
            actor=specialist,
            case_id=case.pk,
            as_of=date(2026, 12, 7),
            gross_monthly_income=Decimal("4800.00"),
            monthly_debts=Decimal("350.00"),
        )
        mod = evaluation.result["options"]["modification"]
        assert mod["eligible"], mod["reasons"]
        workout = services.workout_submit(
            actor=specialist,
            case_id=case.pk,
            option="modification",
            evaluation_id=evaluation.pk,
            version=case.version + 1,
        )

    # The referral is refused: the complete application is pending a decision.
    with pytest.raises(DomainError) as err:
        services.foreclosure_referral_check(loan=loan, on=date(2027, 1, 4))
    assert err.value.code == "dual_tracking"

    with on(date(2026, 12, 14)):
        with pytest.raises(DomainError) as err:
            services.workout_approve(actor=specialist, workout_id=workout.pk)
        assert err.value.code == "forbidden"
        workout = services.workout_approve(actor=manager, workout_id=workout.pk, version=1, reason="Target met")
        workout = services.workout_offer(actor=specialist, workout_id=workout.pk, version=2)
        assert workout.offer_expires_on == date(2026, 12, 28)  # complete with no sale: 14 days
    with on(date(2026, 12, 21)):
        workout = services.workout_accept(actor=specialist, workout_id=workout.pk, version=3)
    trial = list(workout.trial_payments.values_list("due_date", "amount"))
    assert [d for d, _ in trial] == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert {a for _, a in trial} == {Decimal(mod["monthly_payment"])}

    for day in (date(2026, 12, 30), date(2027, 2, 1), date(2027, 3, 3)):
        with on(day):
            payment_post(actor=specialist, loan_id=loan.pk, amount=trial[0][1], received_on=day)
    with pytest.raises(DomainError) as err:
        services.foreclosure_referral_check(loan=loan, on=date(2027, 3, 10))
    assert "trial plan" in err.value.message

    with on(date(2027, 3, 15)):
        services.trial_payments_review(workout_id=workout.pk, as_of=date(2027, 3, 15))
        workout = services.workout_book(actor=specialist, workout_id=workout.pk)
    assert workout.status == Workout.Status.BOOKED
    loan.refresh_from_db()
    assert loan.note_rate == Decimal(mod["interest_rate"])
    assert loan.remaining_term_months == mod["term_months"]
    assert loan.deferred_principal == Decimal(mod["forbearance"])
    assert loan.next_due_date == date(2027, 4, 1)
    assert loan.monthly_pi == Decimal(workout.terms["booked"]["monthly_pi"])
    assert loan.ledger.filter(kind=LedgerTransaction.Kind.MODIFICATION).exists()
    assert not ledger_mismatches([loan.pk]).exists()
    assert LossMitCase.objects.get(pk=case.pk).status == LossMitCase.Status.BOOKED
    actions = list(AuditEvent.objects.filter(loan_id=loan.pk).order_by("id").values_list("action", flat=True))
    for action in (
        "case.open",
        "evaluation.store",
        "workout.submit",
        "workout.approve",
        "workout.offer",
        "workout.accept",
        "trial.review",
        "workout.book",
    ):
        assert action in actions


def test_approval_queue_orders_by_evaluation_due_and_hides_own_and_above_limit(specialist, manager):
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("250000.00"))
    manager.refresh_from_db()  # drop the cached profile, as a new request would
    terms = {"interest_rate": "5.000", "term_months": 480, "monthly_pi": "900.00"}
    queued = []
    with on(date(2027, 3, 15)):
        for complete, balance in (
            (date(2027, 3, 10), "200000.00"),
            (date(2027, 3, 1), "210000.00"),
            (date(2027, 3, 5), "300000.00"),
        ):
            case = services.case_open(
                actor=specialist,
                loan_id=LoanFactory().pk,
                application_received_on=complete,
                application_complete_on=complete,
            )
            queued.append(
                services.workout_submit(
                    actor=specialist,
                    case_id=case.pk,
                    option="modification",
                    terms={**terms, "capitalized_balance": balance},
                )
            )
        case = services.case_open(
            actor=manager,
            loan_id=LoanFactory().pk,
            application_received_on=date(2027, 2, 1),
            application_complete_on=date(2027, 2, 1),
        )
        services.workout_submit(
            actor=manager, case_id=case.pk, option="modification", terms={**terms, "capitalized_balance": "1000.00"}
        )
        assert [w.pk for w in selectors.approval_queue(user=manager)] == [queued[1].pk, queued[0].pk]
        director = UserFactory(username="dana", role="Manager")
        Profile.objects.filter(user=director).update(approval_limit=Decimal("1000000.00"))
        assert len(selectors.approval_queue(user=director)) == 4
        assert selectors.approval_queue(user=specialist) == []


def test_appeal_overturned_by_another_manager_approves_the_modification(specialist, manager):
    director = UserFactory(username="dana", role="Manager")
    Profile.objects.filter(user=manager).update(manager=director)  # Dana heads Dev's team
    terms = {"interest_rate": "5.000", "term_months": 480, "monthly_pi": "900.00", "capitalized_balance": "190000.00"}
    with on(date(2027, 3, 15)):
        case = services.case_open(
            actor=specialist,
            loan_id=LoanFactory().pk,
            application_received_on=date(2027, 3, 1),
            application_complete_on=date(2027, 3, 1),
        )
        workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=terms)
        services.workout_deny(actor=manager, workout_id=workout.pk, reason="Income not verified")
        with pytest.raises(DomainError) as err:
            services.appeal_file(actor=specialist, workout_id=workout.pk, received_on=date(2027, 3, 30))
        assert err.value.code in ("future_date", "appeal_too_late")
        appeal = services.appeal_file(actor=specialist, workout_id=workout.pk, received_on=date(2027, 3, 15))
        assert appeal.decision_due == date(2027, 4, 14)
        services.appeal_decide(actor=director, workout_id=workout.pk, overturn=True, reason="Income verified")
    workout.refresh_from_db()
    assert workout.status == Workout.Status.APPROVED
    assert workout.decided_by == director
    assert workout.decision_reason == "Approved on appeal: Income verified"


def test_late_appeal_is_refused(specialist, manager):
    terms = {"interest_rate": "5.000", "term_months": 480, "monthly_pi": "900.00", "capitalized_balance": "190000.00"}
    with on(date(2027, 3, 1)):
        case = services.case_open(
            actor=specialist,
            loan_id=LoanFactory().pk,
            application_received_on=date(2027, 2, 1),
            application_complete_on=date(2027, 2, 1),
        )
        workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=terms)
        services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative")
    with on(date(2027, 3, 16)), pytest.raises(DomainError) as err:
        services.appeal_file(actor=specialist, workout_id=workout.pk)
    assert err.value.code == "appeal_too_late"
    assert "2027-03-15" in err.value.message
    assert not hasattr(Workout.objects.get(pk=workout.pk), "appeal")
