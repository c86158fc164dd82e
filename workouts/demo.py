"""The demo's loss mitigation pipeline: a few cases and workouts at every stage, so the three
demo roles have a whole day's work (issue 5; ../shared/users.md).

`seed_demo` calls `pipeline_seed` right after it generated a portfolio, in the same
transaction. Every row is written by the real services acting as the demo users (case_open,
case_document_receive, evaluation_store, workout_submit, workout_approve, workout_offer), so
the audit trail, the Reg X dates, the letters and the nightly scan's case-deadline calls are
the ones the app itself produces. Dates the services take (receipt, documents, completeness,
evaluation, offer) are counted back from `as_of`; what they stamp "now" (submission, approval)
is the moment the demo is made, and the acknowledgment letters case_open queues go out when the
seed commits, dated that day, like every letter the app sends.

Per round, on loans of the demo specialists (whose manager is manager1), picked in a fixed
order (most delinquent first, then loan number), so the same portfolio gets the same pipeline:

  specialist1 (Maria)  an application received 2 days ago, documents missing (acknowledgment
                       due within days); a modification whose decision is due within 5 days;
                       another due in three weeks;
  specialist2 (Luis)   a repayment plan too long to approve itself;
  any of them          an application received 8 days ago, half its documents in, on a loan
                       close to day 120 when one exists (the missing documents then fall due
                       within the scan's look-ahead, so it queues the call), else on Luis's;
                       a modification above manager1's delegated limit when a demo loan is that
                       large (it waits for the senior approver), else another of Luis's;
  specialist3 (Sam)    a modification manager1 approved and Sam offered to the borrower today,
                       waiting for the acceptance.

A stage the portfolio cannot support (too few delinquent loans, no eligible option) is skipped
quietly and named in the result; a candidate the services refuse is rolled back to its
savepoint, so nothing half-built is left.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from borrowers.models import Loan
from lossmit.errors import DomainError
from workouts.models import CaseDocument, LossMitCase, Workout
from workouts.services import (
    case_document_receive,
    case_open,
    evaluation_store,
    workout_approve,
    workout_offer,
    workout_submit,
)
from workouts.services._common import today
from workouts.services.decisions import approval_limit_for

SPECIALISTS = ("specialist1", "specialist2", "specialist3")
MANAGER = "manager1"
# One more round of the pipeline per this many loans, at most MAX_ROUNDS: a bigger demo gets a
# slightly fuller queue, never a slow seed.
LOANS_PER_ROUND = 10_000
MAX_ROUNDS = 3
# Candidates tried per stage before it is skipped (each try is a savepoint rolled back).
MAX_TRIES = 4
# After the hardship the housing payment takes 40% of the borrower's gross income: above the
# 31% front-end DTI target (domain.md section 4), so the modification waterfall has work to do.
HOUSING_RATIO = Decimal("0.40")
# Loss mitigation needs a borrower behind: 30+ days for any case, 60+ for a modification
# (GSE Flex's min_days_delinquent; the other programs accept it too).
CASE_MIN_DPD = 30
MODIFICATION_MIN_DPD = 60
# A repayment plan repays 2 to 6 installments within 12 months at 1.5x the payment
# (Fannie Mae D2-3.2-02): loans 60-119 days behind have a plan too long to approve itself.
PLAN_DPD = (60, 119)
# Missing documents fall due by the 120th day of delinquency (letters.dates): a loan this far
# behind makes the scan queue the documents call within its 14-day look-ahead.
DOCUMENTS_SOON_DPD = (106, 119)

HARDSHIPS = (
    ("Lost overtime at the plant", LossMitCase.HardshipDuration.SHORT_TERM),
    ("Job loss; looking for work", LossMitCase.HardshipDuration.LONG_TERM),
    ("Medical bills after surgery", LossMitCase.HardshipDuration.SHORT_TERM),
    ("Divorce; one income now", LossMitCase.HardshipDuration.LONG_TERM),
    ("Reduced hours", LossMitCase.HardshipDuration.SHORT_TERM),
    ("Death of a co-borrower", LossMitCase.HardshipDuration.LONG_TERM),
    ("Business income fell", LossMitCase.HardshipDuration.LONG_TERM),
)

# How the summary line names each case status the pipeline produces.
CASE_PHRASES = {
    LossMitCase.Status.OPEN: "awaiting documents",
    LossMitCase.Status.EVALUATING: "being evaluated",
    LossMitCase.Status.DECISION: "waiting for a decision",
    LossMitCase.Status.OFFER: "with an offer out",
}


class _Skip(Exception):
    """This candidate does not support the stage (e.g. the option is not eligible)."""


@dataclass
class PipelineResult:
    cases: Counter = field(default_factory=Counter)  # by case status
    workouts: Counter = field(default_factory=Counter)  # by (option, status)
    above_limit: int = 0  # submitted workouts above manager1's delegated limit
    skipped: list[str] = field(default_factory=list)  # stages the portfolio could not support
    not_run: str = ""  # why no stage was tried at all

    def summary_lines(self) -> list[str]:
        """E.g. "Loss mitigation: 7 cases (2 awaiting documents, 4 waiting for a decision, 1 with
        an offer out); 4 workouts waiting for approval (3 modifications, 1 repayment plan; 1
        above manager1's limit); 1 offer out to the borrower.", then the stages skipped."""
        if self.not_run:
            return [f"Loss mitigation: no cases opened ({self.not_run})."]
        cases = sum(self.cases.values())
        if not cases:
            lines = ["Loss mitigation: no cases opened (too few delinquent loans)."]
        else:
            parts = ", ".join(
                f"{self.cases[s]} {CASE_PHRASES.get(s, s)}" for s in LossMitCase.Status.values if self.cases.get(s)
            )
            waiting = Counter()
            for (option, status), n in self.workouts.items():
                if status == Workout.Status.SUBMITTED:
                    waiting[option] += n
            detail = ", ".join(
                _count(n, Workout.Option(o).label.lower())
                for o, n in sorted(waiting.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            if self.above_limit:
                detail += f"; {self.above_limit} above {MANAGER}'s limit"
            offered = sum(n for (_, status), n in self.workouts.items() if status == Workout.Status.OFFERED)
            lines = [
                f"Loss mitigation: {_count(cases, 'case')} ({parts}); "
                f"{_count(waiting.total(), 'workout')} waiting for approval"
                + (f" ({detail})" if detail else "")
                + f"; {_count(offered, 'offer')} out to the borrower."
            ]
        if self.skipped:
            lines.append("  not opened (no loan in the portfolio fits): " + "; ".join(self.skipped))
        return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class _Candidate:
    pk: int
    owner_id: int
    program: str
    dpd: int
    principal_balance: Decimal
    housing_payment: Decimal


class _Pools:
    """The demo specialists' delinquent first-lien loans with no case yet, most delinquent
    first (then by loan number); each loan is handed out once."""

    def __init__(self, as_of: date, owner_ids: list[int]):
        active = [s for s in LossMitCase.Status.values if s not in LossMitCase.FINAL_STATUSES]
        rows = (
            Loan.objects.filter(
                status=Loan.Status.ACTIVE,
                lien_position=1,
                assigned_to_id__in=owner_ids,
                next_due_date__lte=as_of - timedelta(days=CASE_MIN_DPD),
            )
            .exclude(lossmit_cases__status__in=active)
            .order_by("next_due_date", "loan_number")
            .values_list(
                "pk", "assigned_to_id", "program", "next_due_date", "principal_balance", "monthly_pi", "monthly_escrow"
            )
        )
        self.loans = [
            _Candidate(pk, owner, program, (as_of - due).days, balance, pi + escrow)
            for pk, owner, program, due, balance, pi, escrow in rows
        ]
        self.used: set[int] = set()

    def take(
        self,
        owner_id: int | None,
        *,
        dpd: tuple[int, int] = (CASE_MIN_DPD, 10**6),
        where: Callable[[_Candidate], bool] | None = None,
    ) -> Iterator[_Candidate]:
        low, high = dpd
        for loan in self.loans:
            if (
                owner_id in (None, loan.owner_id)
                and loan.pk not in self.used
                and low <= loan.dpd <= high
                and (where is None or where(loan))
            ):
                yield loan


def _chain(*pools: Iterator[_Candidate]) -> Iterator[_Candidate]:
    """The first pool's loans, then the next pool's not yet given."""
    seen: set[int] = set()
    for pool in pools:
        for loan in pool:
            if loan.pk not in seen:
                seen.add(loan.pk)
                yield loan


class _Pipeline:
    def __init__(self, *, as_of: date, users: dict[str, Any]):
        self.as_of = as_of
        self.manager = users[MANAGER]
        self.specialists = [users[name] for name in SPECIALISTS]
        self.users_by_pk = {user.pk: user for user in users.values()}
        self.pools = _Pools(as_of, [user.pk for user in self.specialists])
        self.case_ids: list[int] = []
        self.skipped: list[str] = []
        self.hardships = 0

    def above_limit(self, loan: _Candidate) -> bool:
        limit = approval_limit_for(self.manager, loan.program)
        return limit is not None and loan.principal_balance > limit

    # --- the stages of one round ---

    def run(self, rounds: int) -> None:
        maria, luis, sam = (user.pk for user in self.specialists)
        mod_dpd = (MODIFICATION_MIN_DPD, 10**6)
        take = self.pools.take
        for r in range(rounds):
            # Applications with documents missing, received days ago.
            self.stage(
                "an incomplete application for specialist1",
                take(maria),
                self.incomplete,
                received_on=self.as_of - timedelta(days=2 + r),
                documents_in=1,
            )
            # Close to day 120 on whoever's caseload when a loan is, else Luis's.
            self.stage(
                "an incomplete application close to day 120, or for specialist2",
                _chain(take(None, dpd=DOCUMENTS_SOON_DPD), take(luis)),
                self.incomplete,
                received_on=self.as_of - timedelta(days=8 + r),
                documents_in=2,
            )
            # Workouts waiting for manager1, decisions due on different days (Reg X: 30 days
            # after completeness), the first within 5 days.
            self.stage(
                "a modification due soon",
                take(maria, dpd=mod_dpd),
                self.submitted,
                complete_on=self.as_of - timedelta(days=27 - r),
                option=Workout.Option.MODIFICATION,
            )
            # Above manager1's limit when any demo loan is that large (whoever's it is: only
            # the loan's specialist may submit), else another of Luis's.
            self.stage(
                "a modification above manager1's limit, or another for specialist2",
                _chain(take(None, dpd=mod_dpd, where=self.above_limit), take(luis, dpd=mod_dpd)),
                self.submitted,
                complete_on=self.as_of - timedelta(days=19 - r),
                option=Workout.Option.MODIFICATION,
            )
            self.stage(
                "a repayment plan",
                take(luis, dpd=PLAN_DPD),
                self.submitted,
                complete_on=self.as_of - timedelta(days=14 - r),
                option=Workout.Option.REPAYMENT_PLAN,
            )
            self.stage(
                "a modification due later",
                take(maria, dpd=mod_dpd),
                self.submitted,
                complete_on=self.as_of - timedelta(days=9 - r),
                option=Workout.Option.MODIFICATION,
            )
            # A modification manager1 approved and Sam offered today.
            self.stage(
                "an offered modification",
                take(sam, dpd=mod_dpd, where=lambda loan: not self.above_limit(loan)),
                self.offered,
                complete_on=self.as_of - timedelta(days=24 - r),
            )

    def stage(self, label: str, candidates: Iterator[_Candidate], build: Callable[..., Any], **kwargs) -> None:
        """Build the stage on the first candidate that supports it, each try in a savepoint
        (a refusal leaves nothing behind); name it as skipped when none does."""
        for loan in islice(candidates, MAX_TRIES):
            self.pools.used.add(loan.pk)
            try:
                with transaction.atomic():
                    case = build(loan, **kwargs)
            except (_Skip, DomainError):
                continue
            self.case_ids.append(case.pk)
            return
        self.skipped.append(label)

    # --- building blocks: real service calls as the loan's specialist (and manager1) ---

    def application(self, loan: _Candidate, *, received_on: date, documents: dict[str, date]) -> LossMitCase:
        """Open the case on its receipt date and record the documents received since; when the
        checklist is done the service marks the application complete on the last one's date."""
        owner = self.users_by_pk[loan.owner_id]
        reason, duration = HARDSHIPS[self.hardships % len(HARDSHIPS)]
        self.hardships += 1
        case = case_open(
            actor=owner,
            loan_id=loan.pk,
            application_received_on=received_on,
            received_via=LossMitCase.ReceivedVia.MAIL,
            hardship_reason=reason,
            hardship_duration=duration,
        )
        for kind, received in documents.items():
            case_document_receive(actor=owner, case_id=case.pk, kind=kind, received_on=received)
        case.refresh_from_db()
        return case

    def incomplete(self, loan: _Candidate, *, received_on: date, documents_in: int) -> LossMitCase:
        """An application whose first `documents_in` checklist items came in, a day apart."""
        kinds = CaseDocument.REQUIRED_KINDS[:documents_in]
        documents = {kind: received_on + timedelta(days=2 * i) for i, kind in enumerate(kinds)}
        return self.application(loan, received_on=received_on, documents=documents)

    def submitted(self, loan: _Candidate, *, complete_on: date, option: str) -> LossMitCase:
        return self.submit(loan, complete_on=complete_on, option=option)[0]

    def submit(self, loan: _Candidate, *, complete_on: date, option: str) -> tuple[LossMitCase, Workout]:
        """An application received ten days before it was complete, evaluated as of the demo
        day, and `option` submitted from the evaluation as the specialist's workouts page does.
        Skipped when the evaluation finds the option not eligible or the program approves it
        by itself (it would not wait for manager1)."""
        owner = self.users_by_pk[loan.owner_id]
        received = complete_on - timedelta(days=10)
        kinds = CaseDocument.Kind
        case = self.application(
            loan,
            received_on=received,
            documents={
                kinds.HARDSHIP_STATEMENT: received,
                kinds.INCOME: received + timedelta(days=3),
                kinds.TAX_TRANSCRIPT_CONSENT: received + timedelta(days=3),
                kinds.BANK_STATEMENTS: complete_on,
            },
        )
        income = (loan.housing_payment / HOUSING_RATIO).quantize(Decimal("1"))
        evaluation = evaluation_store(actor=owner, case_id=case.pk, as_of=self.as_of, gross_monthly_income=income)
        if not (evaluation.option_result(option) or {}).get("eligible"):
            raise _Skip(f"{option} not eligible")
        workout = workout_submit(actor=owner, case_id=case.pk, option=option, evaluation_id=evaluation.pk)
        if workout.status != Workout.Status.SUBMITTED:
            raise _Skip("approved by the program's auto-approval rule")
        return case, workout

    def offered(self, loan: _Candidate, *, complete_on: date) -> LossMitCase:
        """A modification submitted, approved by manager1 and offered by its specialist today."""
        case, workout = self.submit(loan, complete_on=complete_on, option=Workout.Option.MODIFICATION)
        workout = workout_approve(
            actor=self.manager, workout_id=workout.pk, reason="Meets the payment target; hardship documented."
        )
        workout_offer(actor=self.users_by_pk[loan.owner_id], workout_id=workout.pk, offered_on=self.as_of)
        return case


def rounds_for(loans: int) -> int:
    return 1 + min(MAX_ROUNDS - 1, loans // LOANS_PER_ROUND)


@transaction.atomic
def pipeline_seed(*, as_of: date, loans: int) -> PipelineResult:
    """Open the demo's cases and workouts on a freshly seeded portfolio of `loans` loans as of
    `as_of` (see the module docstring). Needs the demo users; deterministic for the portfolio
    and `as_of`. Skipped when `as_of` is after today: the services refuse future dates."""
    result = PipelineResult()
    if as_of > today():
        result.not_run = f"as of {as_of.isoformat()}, after today: the services refuse future dates"
        return result
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[*SPECIALISTS, MANAGER])}
    if len(users) != len(SPECIALISTS) + 1:
        result.not_run = "the demo users are missing"
        return result
    pipeline = _Pipeline(as_of=as_of, users=users)
    pipeline.run(rounds_for(loans))
    result.skipped = pipeline.skipped
    cases = LossMitCase.objects.filter(pk__in=pipeline.case_ids)
    for row in cases.values("status").annotate(n=Count("pk")).order_by():
        result.cases[row["status"]] = row["n"]
    workouts = Workout.objects.filter(case__in=cases).select_related("case__loan")
    for workout in workouts:
        result.workouts[(workout.option, workout.status)] += 1
        if workout.status == Workout.Status.SUBMITTED:
            limit = approval_limit_for(pipeline.manager, workout.case.loan.program)
            result.above_limit += limit is not None and workout.amount > limit
    return result
