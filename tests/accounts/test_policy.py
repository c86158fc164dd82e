"""The caseload policy (accounts/policy.py) in the cases the matrix does not spell out: the
reporting chain, inbound calls on a colleague's loan, taking an unassigned loan, the messages."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Profile
from accounts.policy import Action, allows, check, reports_to
from accounts.roles import Role
from audit.models import AuditEvent
from borrowers.services import payment_post
from delinquency.models import CallAttempt, CallTask, Hold
from delinquency.services import call_attempt_record, hold_create, promise_create
from lossmit.errors import PermissionRefused
from tests.factories import LoanFactory, PhoneFactory, UserFactory
from workouts import services as workout_services

TODAY = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def head(db, manager):
    """Hana heads servicing: Dev reports to her."""
    hana = UserFactory(username="hana", first_name="Hana", role=Role.MANAGER)
    Profile.objects.filter(user=manager).update(manager=hana)
    return hana


def _task(loan) -> CallTask:
    return CallTask.objects.create(
        loan=loan,
        reason=CallTask.Reason.REGX_LIVE_CONTACT,
        due_by=date(2027, 3, 20),
        business_date=TODAY.date(),
        assigned_to=loan.assigned_to,
    )


def test_reports_to_follows_the_chain_and_stops_on_a_cycle(specialist, manager, head):
    """Maria -> Dev -> Hana: both are above Maria; Maria is above nobody; a loop ends."""
    assert (reports_to(specialist.pk, manager.pk), reports_to(specialist.pk, head.pk)) == (True, True)
    assert reports_to(manager.pk, specialist.pk) is False
    Profile.objects.filter(user=head).update(manager=manager)  # a data-entry loop: Dev <-> Hana
    assert reports_to(specialist.pk, 987654) is False


def test_senior_manager_acts_on_the_teams_below(specialist, manager, head, loan):
    """Hana decides what is above Dev's limit on his team's loans, so she must reach them."""
    assert [allows(head, action, loan) for action in (Action.DECIDE, Action.SUPERVISE, Action.WORK)] == [True] * 3


def test_manager_with_nobody_reporting_acts_on_unassigned_and_own_loans_only(db, specialist):
    lone = UserFactory(username="lee", role=Role.MANAGER)
    marias, nobodys, lees = LoanFactory(assigned_to=specialist), LoanFactory(), LoanFactory(assigned_to=lone)
    assert [allows(lone, Action.WORK, loan) for loan in (marias, nobodys, lees)] == [False, True, True]


def test_admin_configures_and_decides_but_works_no_loan(admin_user, loan):
    assert [allows(admin_user, action, loan) for action in Action] == [
        False,  # contact
        False,  # payment
        False,  # protective hold
        False,  # work
        False,  # supervise
        True,  # decide: the senior approver
        True,  # letter: their denials send one
    ]


def test_refusal_names_the_owner_and_what_maria_may_still_do(specialist, other_specialist, frozen):
    sams = LoanFactory(assigned_to=other_specialist, loan_number="1000000042")
    sam = other_specialist.get_full_name()
    with pytest.raises(PermissionRefused) as refused:
        check(specialist, Action.WORK, loan=sams, doing="record promises")
    assert (refused.value.code, refused.value.status, refused.value.message) == (
        "not_your_caseload",
        403,
        f"Loan 1000000042 is on {sam}'s caseload. You may take the borrower's call and post a "
        f"payment; to record promises, ask {sam} or their manager.",
    )


def test_manager_refusal_says_it_is_another_team(manager, frozen):
    mona = UserFactory(username="mona", role=Role.MANAGER)
    tess = UserFactory(username="tess", first_name="Tess", last_name="Ng", role=Role.SPECIALIST, manager=mona)
    loan = LoanFactory(assigned_to=tess, loan_number="1000000043")
    with pytest.raises(PermissionRefused) as refused:
        check(manager, Action.SUPERVISE, loan=loan, doing="release holds")
    assert (refused.value.code, refused.value.message) == (
        "not_your_team",
        "Loan 1000000043 is on Tess Ng's caseload, who is not on your team: only their manager may release holds.",
    )


def test_maria_takes_an_inbound_call_on_sams_loan(specialist, other_specialist, frozen):
    """She logs the conversation and posts the payment; Sam's task stays open for Sam."""
    sams = LoanFactory(assigned_to=other_specialist, next_due_date=date(2027, 1, 1))
    PhoneFactory(borrower=sams.borrower)
    task = _task(sams)

    attempt = call_attempt_record(actor=specialist, task_id=task.pk, outcome="right_party_contact", note="Called in")
    payment = payment_post(actor=specialist, loan_id=sams.pk, amount=Decimal("250.00"))

    task.refresh_from_db()
    assert (attempt.made_by, attempt.loan_id, task.status) == (specialist, sams.pk, CallTask.Status.OPEN)
    assert (payment.amount, payment.created_by) == (Decimal("250.00"), specialist)
    assert list(AuditEvent.objects.filter(actor=specialist).values_list("action", flat=True).order_by("id")) == [
        "call.attempt",
        "payment.post",
    ]


def test_maria_cannot_complete_sams_task_nor_record_his_borrowers_promise(specialist, other_specialist, frozen):
    sams = LoanFactory(assigned_to=other_specialist, next_due_date=date(2027, 1, 1))
    PhoneFactory(borrower=sams.borrower)
    task = _task(sams)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(PermissionRefused):
        call_attempt_record(actor=specialist, task_id=task.pk, outcome="right_party_contact", complete=True)
    with pytest.raises(PermissionRefused):
        promise_create(actor=specialist, loan_id=sams.pk, amount=Decimal("500.00"), promised_date=date(2027, 3, 20))

    task.refresh_from_db()
    assert (task.status, CallAttempt.objects.count(), AuditEvent.objects.count()) == (
        CallTask.Status.OPEN,
        0,
        audit_rows,
    )
    assert not sams.promises.exists()


def test_a_bankruptcy_told_to_whoever_answers_stops_calls_at_once(specialist, other_specialist, frozen):
    """The stay binds from the filing: Maria places the hold on Sam's loan; a forbearance,
    relief Sam arranges, she may not."""
    sams = LoanFactory(assigned_to=other_specialist, next_due_date=date(2027, 1, 1))
    task = _task(sams)

    with pytest.raises(PermissionRefused):
        hold_create(actor=specialist, loan_id=sams.pk, kind="forbearance", start_date=TODAY.date(), reason="Asked")
    hold = hold_create(actor=specialist, loan_id=sams.pk, kind="bankruptcy", start_date=TODAY.date(), reason="Ch. 7")

    task.refresh_from_db()
    assert list(Hold.objects.filter(loan=sams).values_list("kind", flat=True)) == ["bankruptcy"]
    assert (hold.created_by, task.status, task.cancel_reason) == (specialist, CallTask.Status.CANCELLED, "hold")


def test_opening_a_case_on_an_unassigned_loan_takes_the_loan_and_its_tasks(specialist, frozen):
    """Reg X 1024.40: the specialist who takes the application is the borrower's contact."""
    loan = LoanFactory(next_due_date=date(2027, 1, 1))
    task = _task(loan)

    case = workout_services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2027, 3, 10))

    loan.refresh_from_db()
    task.refresh_from_db()
    assert (loan.assigned_to, task.assigned_to, case.assigned_to) == (specialist, specialist, specialist)
    claim = AuditEvent.objects.get(action="loan.claim")
    assert (claim.actor, claim.before, claim.after) == (
        specialist,
        {"assigned_to": None},
        {"assigned_to": specialist.pk, "call_tasks": [task.pk]},
    )


def test_a_manager_opening_a_case_on_an_unassigned_loan_leaves_it_for_the_scan(manager, frozen):
    loan = LoanFactory(next_due_date=date(2027, 1, 1))
    workout_services.case_open(actor=manager, loan_id=loan.pk, application_received_on=date(2027, 3, 10))
    loan.refresh_from_db()
    assert loan.assigned_to is None
    assert not AuditEvent.objects.filter(action="loan.claim").exists()
