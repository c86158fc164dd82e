"""Concurrent writers on PostgreSQL: payments on one loan are serialised by the loan's row lock;
case and workout edits made from the same read version are decided once (optimistic concurrency).

Each test runs the competing calls in two threads, each on its own connection, released at the
same moment; a wrapper holds the first one inside its transaction for a moment after it takes
its lock, so the second really arrives while the first is in flight.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Profile
from accounts.roles import Role
from audit.models import AuditEvent
from borrowers import services as borrower_services
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import ledger
from lossmit.errors import DomainError
from tests.factories import LoanFactory, UserFactory
from tests.reliability.conftest import Overlap, needs_postgres, run_concurrently
from workouts import services
from workouts.models import LossMitCase, Workout
from workouts.services import cases as case_services
from workouts.services import decisions as decision_services

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
INSTALLMENT = Decimal("1564.14")  # the factory loan's P&I 1,264.14 plus escrow 300.00
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


def _balances(loan_id: int) -> tuple:
    return Loan.objects.values_list(
        "principal_balance",
        "escrow_balance",
        "suspense_balance",
        "late_charges_outstanding",
        "fees_outstanding",
        "deferred_principal",
        "next_due_date",
        "remaining_term_months",
        "status",
    ).get(pk=loan_id)


def _ledger(loan_id: int) -> list[tuple]:
    """The ledger without database ids: what each row did, in sequence order."""
    return list(
        LedgerTransaction.objects.filter(loan_id=loan_id)
        .order_by("seq")
        .values_list(
            "seq", "kind", "effective_date", "amount", "principal", "interest", "escrow", "suspense",
            "late_charges", "fees", "principal_after", "next_due_date_after", "installment_due_date",
        )
    )  # fmt: skip


def _refusal(outcomes) -> DomainError:
    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], DomainError), errors[0]
    return errors[0]


def test_two_payments_at_once_on_one_loan_are_serialised(specialist, other_specialist, monkeypatch):
    """Two specialists post a payment on the same loan at the same moment: the second waits for
    the first's row lock, so the loan ends exactly as if they had posted one after the other."""
    with time_machine.travel(datetime(2026, 11, 27, 12, tzinfo=NEW_YORK), tick=False):
        raced = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
        control = LoanFactory(next_due_date=date(2026, 10, 1), assigned_to=specialist)
        received = date(2026, 11, 20)
        for _ in range(2):  # the sequential result, on an identical loan
            borrower_services.payment_post(
                actor=specialist, loan_id=control.pk, amount=INSTALLMENT, received_on=received
            )

        overlap = Overlap(ledger.loan_state)  # loan_state runs right after the row lock
        monkeypatch.setattr(ledger, "loan_state", overlap)
        outcomes = run_concurrently(
            lambda: borrower_services.payment_post(
                actor=specialist, loan_id=raced.pk, amount=INSTALLMENT, received_on=received
            ),
            lambda: borrower_services.payment_post(
                actor=other_specialist, loan_id=raced.pk, amount=INSTALLMENT, received_on=received
            ),
        )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert overlap.calls == 2
    assert _balances(raced.pk) == _balances(control.pk)
    assert _balances(raced.pk)[6] == date(2026, 12, 1)  # both installments applied: current again
    assert _ledger(raced.pk) == _ledger(control.pk)
    seqs = [row[0] for row in _ledger(raced.pk)]
    assert seqs == list(range(1, len(seqs) + 1))  # unique and gapless
    assert not borrower_services.ledger_mismatches().exists()
    assert AuditEvent.objects.filter(action="payment.post", loan_id=raced.pk).count() == 2


@pytest.fixture
def frozen_march():
    with time_machine.travel(datetime(2027, 3, 15, 12, tzinfo=NEW_YORK), tick=False):
        yield


@pytest.fixture
def case(frozen_march, specialist):
    loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
    return services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )


@pytest.fixture
def second_manager(db, manager):
    """Ana heads the team Dev runs (Dev reports to her), so she too decides Maria's workouts."""
    ana = UserFactory(username="ana", first_name="Ana", role=Role.MANAGER)
    Profile.objects.filter(user=manager).update(manager=ana)
    return ana


def test_conflicting_case_edits_from_one_version_keep_the_first(case, specialist, manager, monkeypatch):
    """Two people edit a case they both read at version v (Maria and her manager, the two who
    may work her case): one save wins, the other is refused with stale_version and writes
    nothing, and the winner's change is intact."""
    version = LossMitCase.objects.get(pk=case.pk).version
    audits_before = AuditEvent.objects.filter(action="case.update").count()
    monkeypatch.setattr(case_services, "lock_case", Overlap(case_services.lock_case))
    edits = {"maria": "Job loss", "dev": "Medical bills"}

    outcomes = run_concurrently(
        lambda: services.case_update(
            actor=specialist, case_id=case.pk, version=version, hardship_reason=edits["maria"]
        ),
        lambda: services.case_update(actor=manager, case_id=case.pk, version=version, hardship_reason=edits["dev"]),
    )

    refusal = _refusal(outcomes)
    assert refusal.code == "stale_version"
    assert "changed by someone else" in refusal.message
    winner = next(value for kind, value in outcomes if kind == "ok")
    stored = LossMitCase.objects.get(pk=case.pk)
    assert stored.version == version + 1
    assert stored.hardship_reason == winner.hardship_reason
    audits = AuditEvent.objects.filter(action="case.update").exclude(pk__in=[])
    assert audits.count() == audits_before + 1  # the loser wrote no audit row
    assert audits.order_by("-id").first().after["version"] == version + 1


@pytest.fixture
def submitted(case, specialist):
    return services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)


def test_two_managers_approving_at_once_approve_once(submitted, manager, second_manager, monkeypatch):
    """Two managers approve the same workout from the same review page: exactly one approval is
    recorded; the other manager is told it changed under them."""
    version = Workout.objects.get(pk=submitted.pk).version
    monkeypatch.setattr(decision_services, "lock_workout", Overlap(decision_services.lock_workout))

    outcomes = run_concurrently(
        lambda: services.workout_approve(
            actor=manager, workout_id=submitted.pk, version=version, reason="NPV positive"
        ),
        lambda: services.workout_approve(
            actor=second_manager, workout_id=submitted.pk, version=version, reason="Meets target"
        ),
    )

    assert _refusal(outcomes).code == "stale_version"
    winner = next(value for kind, value in outcomes if kind == "ok")
    stored = Workout.objects.get(pk=submitted.pk)
    assert (stored.status, stored.version, stored.decided_by_id) == (
        Workout.Status.APPROVED,
        version + 1,
        winner.decided_by_id,
    )
    assert stored.decision_reason == winner.decision_reason
    assert AuditEvent.objects.filter(action="workout.approve", object_id=str(submitted.pk)).count() == 1


def test_approve_and_deny_at_once_leave_one_decision(submitted, manager, second_manager, monkeypatch):
    """One manager approves while another denies the same workout: one decision stands, whole,
    and the refused one left no trace (no denial notice, no audit row)."""
    version = Workout.objects.get(pk=submitted.pk).version
    monkeypatch.setattr(decision_services, "lock_workout", Overlap(decision_services.lock_workout))

    outcomes = run_concurrently(
        lambda: services.workout_approve(actor=manager, workout_id=submitted.pk, version=version),
        lambda: services.workout_deny(
            actor=second_manager, workout_id=submitted.pk, version=version, reason="Income not documented"
        ),
    )

    assert _refusal(outcomes).code == "stale_version"
    stored = Workout.objects.get(pk=submitted.pk)
    decisions = AuditEvent.objects.filter(action__in=["workout.approve", "workout.deny"], object_id=str(submitted.pk))
    assert decisions.count() == 1
    if decisions.get().action == "workout.approve":
        assert (stored.status, stored.decided_by_id, stored.denial_notice_on) == ("approved", manager.pk, None)
    else:
        assert (stored.status, stored.decided_by_id) == ("denied", second_manager.pk)
    assert stored.version == version + 1
