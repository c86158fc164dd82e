"""Dual tracking and the 120-day rule: foreclosure steps refused with the regulation's reason."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Profile
from audit.models import AuditEvent
from lossmit.errors import DomainError
from tests.factories import LoanFactory
from workouts import services

pytestmark = pytest.mark.django_db

MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def late_loan(specialist):
    """Oldest unpaid installment due 2026-09-01: day 120 is 2026-12-30, earliest referral 12-31."""
    return LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)


def _code(loan, on):
    try:
        services.foreclosure_referral_check(loan=loan, on=on)
    except DomainError as err:
        return err.code
    return None


def _complete_case(actor, loan, complete_on=date(2026, 12, 1), sale=None):
    return services.case_open(
        actor=actor,
        loan_id=loan.pk,
        application_received_on=date(2026, 11, 20),
        application_complete_on=complete_on,
        foreclosure_sale_date=sale,
    )


def test_no_referral_until_more_than_120_days_delinquent(late_loan):
    assert _code(late_loan, date(2026, 12, 30)) == "too_early_120_day"
    assert _code(late_loan, date(2026, 12, 31)) is None


def test_domain_example_jan_1_2024_earliest_referral_may_1(specialist):
    loan = LoanFactory(next_due_date=date(2024, 1, 1))
    assert _code(loan, date(2024, 4, 30)) == "too_early_120_day"
    assert _code(loan, date(2024, 5, 1)) is None


def test_complete_application_pending_blocks_referral(specialist, late_loan):
    _complete_case(specialist, late_loan)
    with pytest.raises(DomainError) as err:
        services.foreclosure_referral_check(loan=late_loan, on=date(2027, 1, 10))
    assert err.value.code == "dual_tracking"
    assert "complete application received 2026-12-01 is pending" in err.value.message


def test_incomplete_application_does_not_block_after_120_days(specialist, late_loan):
    services.case_open(actor=specialist, loan_id=late_loan.pk, application_received_on=date(2026, 12, 1))
    assert _code(late_loan, date(2027, 1, 10)) is None


def test_denial_blocks_through_the_appeal_window_then_releases(specialist, manager, late_loan):
    case = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    assert _code(late_loan, date(2027, 1, 10)) == "dual_tracking"  # decision pending
    services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative", notice_on=date(2027, 1, 4))
    assert _code(late_loan, date(2027, 1, 18)) == "dual_tracking"  # last day to appeal
    assert _code(late_loan, date(2027, 1, 19)) is None  # appeal not taken


def test_pending_appeal_blocks_until_decided(specialist, manager, late_loan):
    from tests.factories import UserFactory

    director = UserFactory(username="dana", role="Manager")
    Profile.objects.filter(user=manager).update(manager=director)  # Dana heads Dev's team
    case = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative", notice_on=date(2027, 1, 4))
    services.appeal_file(actor=specialist, workout_id=workout.pk, received_on=date(2027, 1, 15))
    assert _code(late_loan, date(2027, 2, 1)) == "dual_tracking"
    with pytest.raises(DomainError) as err:
        services.appeal_decide(actor=manager, workout_id=workout.pk, overturn=False, reason="Same numbers")
    assert err.value.code == "four_eyes"
    services.appeal_decide(actor=director, workout_id=workout.pk, overturn=False, reason="NPV still negative")
    assert _code(late_loan, date(2027, 2, 1)) is None


def test_trial_plan_being_kept_blocks_and_failure_releases(specialist, manager, late_loan):
    case = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    services.workout_approve(actor=manager, workout_id=workout.pk)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 4))
    services.workout_accept(actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 1, 8))
    with pytest.raises(DomainError) as err:
        services.foreclosure_referral_check(loan=late_loan, on=date(2027, 1, 20))
    assert err.value.code == "dual_tracking"
    assert "trial plan" in err.value.message
    services.trial_fail(actor=specialist, workout_id=workout.pk, reason="Borrower cannot continue")
    assert _code(late_loan, date(2027, 1, 20)) is None


def test_rejected_offer_releases(specialist, manager, late_loan):
    case = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    services.workout_approve(actor=manager, workout_id=workout.pk)
    services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 4))
    assert _code(late_loan, date(2027, 1, 10)) == "dual_tracking"
    services.workout_reject(actor=specialist, workout_id=workout.pk, on=date(2027, 1, 9))
    assert _code(late_loan, date(2027, 1, 10)) is None


def test_sale_is_protected_only_when_complete_more_than_37_days_before(specialist, late_loan):
    _complete_case(specialist, late_loan, complete_on=date(2027, 1, 4))
    with pytest.raises(DomainError) as err:
        services.foreclosure_sale_check(loan=late_loan, on=date(2027, 2, 11), sale_date=date(2027, 2, 11))  # 38 days
    assert err.value.code == "dual_tracking"
    services.foreclosure_sale_check(loan=late_loan, on=date(2027, 2, 10), sale_date=date(2027, 2, 10))  # 37 days


def test_refer_records_the_referral_or_refuses_and_records_nothing(specialist, manager, late_loan):
    _complete_case(specialist, late_loan)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as err:
        services.foreclosure_refer(actor=manager, loan_id=late_loan.pk, on=date(2027, 1, 10))
    assert err.value.code == "dual_tracking"
    assert AuditEvent.objects.count() == events
    with pytest.raises(DomainError) as err:
        services.foreclosure_refer(actor=specialist, loan_id=late_loan.pk, on=date(2027, 1, 10))
    assert err.value.code == "forbidden"
    other = LoanFactory(next_due_date=date(2026, 9, 1))
    services.foreclosure_refer(actor=manager, loan_id=other.pk, on=date(2026, 12, 31))
    assert AuditEvent.objects.filter(action="foreclosure.refer", loan_id=other.pk).count() == 1


def test_second_complete_application_while_still_delinquent_is_duplicative(specialist, manager, late_loan):
    """1024.41(i): the first complete application was decided (denied, no appeal), the borrower
    stayed delinquent, so a second complete application does not stop the referral again."""
    first = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=first.pk, option="modification", terms=MOD_TERMS)
    services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative", notice_on=date(2027, 1, 4))
    services.case_close(actor=specialist, case_id=first.pk, reason="Denied, no appeal", on=date(2027, 1, 20))
    services.case_open(
        actor=specialist,
        loan_id=late_loan.pk,
        application_received_on=date(2027, 2, 1),
        application_complete_on=date(2027, 2, 1),
    )
    assert _code(late_loan, date(2027, 2, 10)) is None


def test_second_application_after_a_withdrawn_undecided_one_is_protected(specialist, late_loan):
    first = _complete_case(specialist, late_loan)
    services.case_withdraw(actor=specialist, case_id=first.pk, reason="Borrower changed mind")
    services.case_open(
        actor=specialist,
        loan_id=late_loan.pk,
        application_received_on=date(2027, 2, 1),
        application_complete_on=date(2027, 2, 1),
    )
    assert _code(late_loan, date(2027, 2, 10)) == "dual_tracking"


def test_application_after_the_borrower_was_current_again_is_protected(specialist, manager, late_loan):
    from decimal import Decimal

    from borrowers.services import payment_post

    first = _complete_case(specialist, late_loan)
    workout = services.workout_submit(actor=specialist, case_id=first.pk, option="modification", terms=MOD_TERMS)
    services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative", notice_on=date(2026, 12, 20))
    services.case_close(actor=specialist, case_id=first.pk, reason="Denied, no appeal", on=date(2027, 1, 5))
    # Sep 2026 through Feb 2027: six installments of 1,564.14 reinstate the loan on Jan 10.
    payment_post(actor=specialist, loan_id=late_loan.pk, amount=Decimal("9384.84"), received_on=date(2027, 1, 10))
    late_loan.refresh_from_db()
    assert late_loan.next_due_date == date(2027, 3, 1)
    services.case_open(
        actor=specialist,
        loan_id=late_loan.pk,
        application_received_on=date(2027, 3, 10),
        application_complete_on=date(2027, 3, 10),
    )
    assert _code(late_loan, date(2027, 7, 10)) == "dual_tracking"
