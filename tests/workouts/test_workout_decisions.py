"""Submitting, approving and denying workouts: four eyes, delegated limits, auto-approval."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Profile
from audit.models import AuditEvent
from lossmit.errors import DomainError
from tests.factories import LoanFactory, UserFactory
from workouts import services
from workouts.models import Evaluation, LossMitCase, Workout

pytestmark = pytest.mark.django_db

MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def case(specialist):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    return services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )


@pytest.fixture
def submitted(specialist, case):
    return services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)


def _state(workout):
    workout = Workout.objects.get(pk=workout.pk)
    case = LossMitCase.objects.get(pk=workout.case_id)
    return (
        workout.status,
        workout.version,
        workout.decided_by_id,
        workout.appeal_deadline,
        case.status,
        case.version,
        AuditEvent.objects.count(),
    )


def _refused(code, fn, workout, **kwargs):
    before = _state(workout)
    with pytest.raises(DomainError) as err:
        fn(**kwargs)
    assert err.value.code == code
    assert _state(workout) == before
    return err.value


def test_submit_puts_the_case_into_decision(specialist, case, submitted):
    assert submitted.status == Workout.Status.SUBMITTED
    assert submitted.amount == Decimal("195000.00")  # the capitalised balance measures the limit
    assert submitted.submitted_by == specialist
    case.refresh_from_db()
    assert case.status == LossMitCase.Status.DECISION
    assert AuditEvent.objects.filter(action="workout.submit", object_id=str(submitted.pk)).exists()


def test_manager_approves_within_limit(manager, submitted):
    workout = services.workout_approve(actor=manager, workout_id=submitted.pk, version=1, reason="Meets target")
    assert workout.status == Workout.Status.APPROVED
    assert workout.decided_by == manager
    assert workout.version == 2
    assert workout.auto_approved is False
    assert AuditEvent.objects.get(action="workout.approve").actor == manager


def test_submitter_cannot_approve_own_workout(manager, case):
    mine = services.workout_submit(actor=manager, case_id=case.pk, option="modification", terms=MOD_TERMS)
    err = _refused("four_eyes", services.workout_approve, mine, actor=manager, workout_id=mine.pk)
    assert err.status == 403
    _refused("four_eyes", services.workout_deny, mine, actor=manager, workout_id=mine.pk, reason="No")


def test_specialist_cannot_approve(other_specialist, submitted):
    _refused("forbidden", services.workout_approve, submitted, actor=other_specialist, workout_id=submitted.pk)


def test_above_delegated_limit_goes_to_the_senior_approver(manager, admin_user, submitted):
    director = UserFactory(username="dana", first_name="Dana", last_name="Reyes", role="Manager")
    Profile.objects.filter(user=director).update(approval_limit=Decimal("1000000.00"))
    Profile.objects.filter(user=manager).update(approval_limit=Decimal("150000.00"), manager=director)
    manager.refresh_from_db()
    err = _refused("above_delegated_limit", services.workout_approve, submitted, actor=manager, workout_id=submitted.pk)
    assert "195000.00 is above your delegated approval limit of 150000.00" in err.message
    assert "Dana Reyes" in err.message
    workout = services.workout_approve(actor=director, workout_id=submitted.pk)
    assert workout.decided_by == director


def test_program_limit_applies_when_no_personal_limit(manager, specialist):
    """GSE_FLEX's manager_approval_limit is 500,000.00; an admin approves above it."""
    loan = LoanFactory(principal_balance=Decimal("600000.00"), original_balance=Decimal("650000.00"))
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 1),
    )
    big = services.workout_submit(
        actor=specialist,
        case_id=case.pk,
        option="modification",
        terms={**MOD_TERMS, "capitalized_balance": "612000.00"},
    )
    _refused("above_delegated_limit", services.workout_approve, big, actor=manager, workout_id=big.pk)
    admin = UserFactory(username="ada", role="Admin")
    assert services.workout_approve(actor=admin, workout_id=big.pk).status == Workout.Status.APPROVED


def test_short_repayment_plan_approves_itself_and_says_so(specialist, case):
    workout = services.workout_submit(
        actor=specialist,
        case_id=case.pk,
        option="repayment_plan",
        terms={"months": 3, "plan_payment": "2100.00", "past_due_amount": "6256.56"},
    )
    assert workout.status == Workout.Status.APPROVED
    assert workout.auto_approved is True
    assert workout.decided_by is None
    assert workout.amount == Decimal("6256.56")
    assert "auto-approval limit of 3 months" in workout.decision_reason


def test_longer_repayment_plan_needs_a_manager(specialist, case):
    workout = services.workout_submit(
        actor=specialist,
        case_id=case.pk,
        option="repayment_plan",
        terms={"months": 6, "plan_payment": "1800.00", "past_due_amount": "6256.56"},
    )
    assert workout.status == Workout.Status.SUBMITTED
    assert workout.auto_approved is False


def test_deny_requires_reason_and_sets_appeal_deadline(manager, submitted):
    _refused("reason_required", services.workout_deny, submitted, actor=manager, workout_id=submitted.pk, reason=" ")
    workout = services.workout_deny(
        actor=manager, workout_id=submitted.pk, reason="Target payment not reached", notice_on=date(2027, 3, 12)
    )
    assert workout.status == Workout.Status.DENIED
    assert workout.denial_notice_on == date(2027, 3, 12)
    assert workout.appeal_deadline == date(2027, 3, 26)
    assert workout.decision_reason == "Target payment not reached"
    assert workout.terms["denial_notice"] == {
        "reason": "Target payment not reached",
        "notice_on": "2027-03-12",
        "appeal_deadline": "2027-03-26",
    }


def test_denial_resting_on_an_evaluation_discloses_its_npv_inputs(specialist, manager, case):
    evaluation = Evaluation.objects.create(
        case=case,
        as_of=date(2027, 3, 10),
        program="GSE_FLEX",
        rule_version=2,
        created_by=specialist,
        inputs={"loan": {"principal_balance": "188000.00"}, "property": {"market_value": "210000.00"}},
        result={"options": {"modification": {"eligible": True, "reasons": [], **MOD_TERMS, "npv": "-1520.33"}}},
    )
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="modification", evaluation_id=evaluation.pk
    )
    workout = services.workout_deny(actor=manager, workout_id=workout.pk, reason="Modification NPV below liquidation")
    notice = workout.terms["denial_notice"]
    assert notice["npv_inputs"] == evaluation.inputs
    assert (notice["npv"], notice["program"], notice["rule_version"]) == ("-1520.33", "GSE_FLEX", 2)


def test_no_appeal_right_when_complete_less_than_90_days_before_sale(specialist, manager):
    loan = LoanFactory(next_due_date=date(2026, 11, 1))
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
        foreclosure_sale_date=date(2027, 6, 1),  # 88 days
    )
    workout = services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    workout = services.workout_deny(actor=manager, workout_id=workout.pk, reason="NPV negative")
    assert workout.appeal_deadline is None


def test_stale_version_is_refused(manager, admin_user, submitted):
    other_manager = UserFactory(username="mo", role="Manager")
    Profile.objects.filter(user=manager).update(manager=other_manager)  # Mo heads Dev's team
    services.workout_approve(actor=manager, workout_id=submitted.pk, version=1)
    err = _refused(
        "stale_version",
        services.workout_deny,
        submitted,
        actor=other_manager,
        workout_id=submitted.pk,
        reason="Too late",
        version=1,
    )
    assert err.status == 409


def test_already_decided_is_invalid_state(manager, submitted):
    services.workout_approve(actor=manager, workout_id=submitted.pk)
    _refused("invalid_state", services.workout_deny, submitted, actor=manager, workout_id=submitted.pk, reason="x")


@pytest.mark.parametrize(
    ("_case", "option", "terms", "code"),
    [
        ("modification without terms", "modification", {"interest_rate": "6.500"}, "invalid_terms"),
        ("no amount for a deed-in-lieu", "deed_in_lieu", {"relocation_assistance": "3000.00"}, "amount_required"),
        ("unknown option", "payment_holiday", {}, "invalid"),
    ],
)
def test_bad_submissions_change_nothing(specialist, case, _case, option, terms, code):
    counts = (Workout.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as err:
        services.workout_submit(actor=specialist, case_id=case.pk, option=option, terms=terms)
    assert err.value.code == code
    assert err.value.status == 400
    assert (Workout.objects.count(), AuditEvent.objects.count()) == counts


def test_modification_needs_a_complete_application(specialist):
    loan = LoanFactory()
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 1))
    with pytest.raises(DomainError) as err:
        services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    assert err.value.code == "application_incomplete"
    assert not Workout.objects.exists()


def test_one_live_workout_per_option(specialist, case, submitted):
    with pytest.raises(DomainError) as err:
        services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    assert err.value.code == "workout_pending"


def test_terms_come_from_the_stored_evaluation_and_ineligible_options_are_refused(specialist, case):
    evaluation = Evaluation.objects.create(
        case=case,
        as_of=date(2027, 3, 10),
        program="GSE_FLEX",
        rule_version=1,
        created_by=specialist,
        inputs={},
        result={
            "options": {
                "modification": {"eligible": True, "reasons": [], **MOD_TERMS, "forbearance": "12000.00"},
                "short_sale": {"eligible": False, "reasons": [{"code": "no_offer", "message": "No offer on file."}]},
            }
        },
    )
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="modification", evaluation_id=evaluation.pk
    )
    assert workout.terms["forbearance"] == "12000.00"
    assert workout.evaluation == evaluation
    with pytest.raises(DomainError) as err:
        services.workout_submit(
            actor=specialist, case_id=case.pk, option="short_sale", evaluation_id=evaluation.pk, amount="1000.00"
        )
    assert err.value.code == "option_not_eligible"
    assert "No offer on file." in err.value.message


def test_deed_in_lieu_from_evaluation_is_measured_by_its_deficiency(specialist, case):
    evaluation = Evaluation.objects.create(
        case=case,
        as_of=date(2027, 3, 10),
        program="GSE_FLEX",
        rule_version=1,
        created_by=specialist,
        inputs={"loan": {"principal_balance": "188000.00", "arrears": "5091.65", "fees": "202.28"}},
        result={"options": {"deed_in_lieu": {"eligible": True, "reasons": [], "expected_recovery": "150000.00"}}},
    )
    workout = services.workout_submit(
        actor=specialist, case_id=case.pk, option="deed_in_lieu", evaluation_id=evaluation.pk
    )
    assert workout.amount == Decimal("43293.93")  # 188,000.00 + 5,091.65 + 202.28 - 150,000.00
    assert workout.terms["deficiency"] == "43293.93"
