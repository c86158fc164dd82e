"""Caseloads: every loan-level write, API operation and page, by whose loan it is.

test_permission_matrix.py proves the role of each page and operation. This file proves the
caseload policy (accounts/policy.py, README "Security"): the same write by the same person is
allowed or refused by whose loan it is. The team:

    Dev (manager)  <- Maria, Sam (specialists)
    Mona (manager) <- Tess (specialist)          Priya (admin)

Scenarios (who acts, whose loan):

  scenario                actor  loan's owner
  specialist_own          Maria  Maria
  specialist_colleague    Maria  Sam         (another caseload on her own team)
  specialist_other_team   Maria  Tess
  specialist_unassigned   Maria  nobody
  manager_team            Dev    Sam
  manager_other_team      Dev    Tess
  manager_unassigned      Dev    nobody
  admin                   Priya  Sam

Expected answer by the policy's action (ok: not refused; scope: 403 for the caseload with
nothing written; role: 403 for the role with nothing written):

  action            spec own  colleague  other team  unassigned  mgr team  other team  unassigned  admin
  contact, payment,
  protective hold   ok        ok         ok          ok          ok        ok          ok          role
  work              ok        scope      scope       ok          ok        scope       ok          role
  supervise         role      role       role        role        ok        scope       ok          role
  decide            role      role       role        role        ok        scope       ok          ok

"ok" only says the caseload policy let the request through: the request may still meet a rule
of the workflow (409: a case already open, an offer not yet approved); the per-app tests prove
those. A refusal is checked to have written nothing: every row of every table the writes touch
is compared before and after.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.roles import Role
from audit.models import AuditEvent
from borrowers.models import LedgerTransaction, Loan
from borrowers.services import payment_post
from delinquency.models import CallAttempt, CallTask, Hold, Promise
from delinquency.services import hold_create
from letters.models import Letter
from tests.factories import LoanFactory, PhoneFactory, UserFactory
from workouts import services as workout_services
from workouts.models import Appeal, CaseDocument, Evaluation, LossMitCase, Workout

TODAY = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}

OK, SCOPE, ROLE = "ok", "scope", "role"

SCENARIOS = {
    "specialist_own": ("maria", "maria"),
    "specialist_colleague": ("maria", "sam"),
    "specialist_other_team": ("maria", "tess"),
    "specialist_unassigned": ("maria", None),
    "manager_team": ("dev", "sam"),
    "manager_other_team": ("dev", "tess"),
    "manager_unassigned": ("dev", None),
    "admin": ("priya", "sam"),
}

ANY_LOAN = (OK, OK, OK, OK, OK, OK, OK, ROLE)
WORK = (OK, SCOPE, SCOPE, OK, OK, SCOPE, OK, ROLE)
SUPERVISE = (ROLE, ROLE, ROLE, ROLE, OK, SCOPE, OK, ROLE)
DECIDE = (ROLE, ROLE, ROLE, ROLE, OK, SCOPE, OK, OK)

# operationId[:variant] -> (expected by scenario, path template, body)
API_WRITES: dict[str, tuple[tuple[str, ...], str, dict]] = {
    "payments_post": (ANY_LOAN, "/api/v1/loans/{loan}/payments/", {"amount": "100.00"}),
    "payments_return_nsf": (WORK, "/api/v1/payments/{payment}/nsf/", {"reason": "R01 insufficient funds"}),
    "promises_create": (WORK, "/api/v1/loans/{loan}/promises/", {"amount": "500.00", "promised_date": "2027-03-20"}),
    "holds_create": (
        ANY_LOAN,
        "/api/v1/loans/{loan}/holds/",
        {"kind": "bankruptcy", "reason": "Chapter 13 filed", "start_date": "2027-03-15"},
    ),
    "holds_create:relief": (
        WORK,
        "/api/v1/loans/{loan}/holds/",
        {"kind": "forbearance", "reason": "Hospital stay", "start_date": "2027-03-15"},
    ),
    "holds_release": (SUPERVISE, "/api/v1/holds/{hold}/release/", {}),
    "call_attempts_create": (ANY_LOAN, "/api/v1/tasks/{task}/attempts/", {"outcome": "no_answer"}),
    "call_attempts_create:complete": (
        WORK,
        "/api/v1/tasks/{task}/attempts/",
        {"outcome": "right_party_contact", "complete": True},
    ),
    "call_tasks_complete": (WORK, "/api/v1/tasks/{task}/complete/", {"note": "Letter sent"}),
    # Whoever answers the borrower's call logs it; the tasks it completes are the caseload's
    # (tests/delinquency/test_inbound_calls.py).
    "inbound_calls_create": (ANY_LOAN, "/api/v1/loans/{loan}/inbound-calls/", {"outcome": "right_party_contact"}),
    "cases_open": (WORK, "/api/v1/cases/", {"loan": "{loan}", "application_received_on": "2027-03-10"}),
    "cases_update": (WORK, "/api/v1/cases/{case}/", {"hardship_reason": "Reduced hours"}),
    "cases_close": (WORK, "/api/v1/cases/{case}/close/", {"reason": "Borrower sold the house"}),
    "cases_documents_receive": (
        WORK,
        "/api/v1/cases/{case}/documents/",
        {"kind": "other", "received_on": "2027-03-10", "description": "Divorce decree"},
    ),
    "cases_evaluations_run": (WORK, "/api/v1/cases/{case}/evaluations/", {"gross_monthly_income": "6000.00"}),
    "cases_withdraw": (WORK, "/api/v1/cases/{case}/withdraw/", {"reason": "Borrower withdrew"}),
    "cases_workouts_submit": (
        WORK,
        "/api/v1/cases/{case}/workouts/",
        {"option": "modification", "terms": MOD_TERMS},
    ),
    "workouts_offer": (WORK, "/api/v1/workouts/{workout}/offer/", {}),
    "workouts_accept": (WORK, "/api/v1/workouts/{workout}/accept/", {}),
    "workouts_reject": (WORK, "/api/v1/workouts/{workout}/reject/", {"reason": "Payment too high"}),
    "workouts_book": (WORK, "/api/v1/workouts/{workout}/book/", {}),
    "workouts_withdraw": (WORK, "/api/v1/workouts/{workout}/withdraw/", {"reason": "Borrower withdrew"}),
    "workouts_trial_review": (WORK, "/api/v1/workouts/{workout}/trial-review/", {"as_of": "2027-03-15"}),
    "workouts_trial_fail": (WORK, "/api/v1/workouts/{workout}/trial-fail/", {"reason": "Cannot continue"}),
    "workouts_appeal_file": (WORK, "/api/v1/workouts/{workout}/appeal/", {"reason": "Income misread"}),
    "workouts_approve": (DECIDE, "/api/v1/workouts/{workout}/approve/", {}),
    "workouts_deny": (DECIDE, "/api/v1/workouts/{workout}/deny/", {"reason": "Income unverified"}),
    "workouts_appeal_decide": (
        DECIDE,
        "/api/v1/workouts/{workout}/appeal/decision/",
        {"overturn": False, "reason": "Denial stands"},
    ),
    "loans_foreclosure_refer": (SUPERVISE, "/api/v1/loans/{loan}/foreclosure-referral/", {}),
}

# Writes that name no loan, so no caseload: configuration and boarding (their roles are in
# test_permission_matrix.py), and the pure evaluation engine, which stores nothing.
API_NOT_LOAN_SCOPED = {
    "evaluations_preview",
    "loans_board",
    "loans_board_bulk",
    "rule_sets_propose",
    "rule_sets_approve",
    "rule_sets_reject",
    "tokens_issue",
    "tokens_revoke",
}


@dataclass
class World:
    loan: Loan
    payment: LedgerTransaction
    hold: Hold
    task: CallTask
    case: LossMitCase
    workout: Workout

    def ids(self) -> dict[str, int]:
        return {name: getattr(self, name).pk for name in ("loan", "payment", "hold", "task", "case", "workout")}


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def people(specialist, other_specialist, manager, admin_user) -> dict:
    mona = UserFactory(username="mona", first_name="Mona", role=Role.MANAGER)
    tess = UserFactory(username="tess", first_name="Tess", role=Role.SPECIALIST, manager=mona)
    return {
        "maria": specialist,
        "sam": other_specialist,
        "dev": manager,
        "priya": admin_user,
        "mona": mona,
        "tess": tess,
    }


def build_world(owner, builder) -> World:
    """A delinquent loan owned by `owner` with one of everything a write can name; `builder`
    (who may work the loan) creates it all, so the scenario's actor has done nothing yet."""
    loan = LoanFactory(assigned_to=owner, next_due_date=date(2026, 12, 1))
    PhoneFactory(borrower=loan.borrower)
    payment = payment_post(actor=builder, loan_id=loan.pk, amount=Decimal("100.00"))
    hold = hold_create(
        actor=builder, loan_id=loan.pk, kind="disaster", start_date=TODAY.date(), reason="County declared"
    )
    task = CallTask.objects.create(
        loan=loan,
        reason=CallTask.Reason.REGX_LIVE_CONTACT,
        due_by=date(2027, 3, 20),
        business_date=TODAY.date(),
        assigned_to=owner,
    )
    case = workout_services.case_open(
        actor=builder,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )
    workout = workout_services.workout_submit(actor=builder, case_id=case.pk, option="modification", terms=MOD_TERMS)
    loan.refresh_from_db()
    assert loan.assigned_to == owner  # the builder never takes the loan
    return World(loan=loan, payment=payment, hold=hold, task=task, case=case, workout=workout)


def world_for(scenario: str, people: dict) -> tuple[object, World]:
    actor_name, owner_name = SCENARIOS[scenario]
    owner = people[owner_name] if owner_name else None
    # The owner builds their own loan's history; an unassigned loan's is built by Mona, a
    # manager (a specialist opening its case would take the loan).
    return people[actor_name], build_world(owner, owner or people["mona"])


WATCHED = (LedgerTransaction, AuditEvent, Loan, CallTask, CallAttempt, Promise, Hold, LossMitCase, Workout)
WATCHED += (CaseDocument, Evaluation, Appeal, Letter)


def database_state() -> dict:
    """Every row of every table a loan-level write touches."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _fill(template: str, ids: dict[str, int]) -> str:
    return template.format(**ids)


def _body(body: dict, ids: dict[str, int]) -> dict:
    return {key: (int(_fill(value, ids)) if value == "{loan}" else value) for key, value in body.items()}


def _outcome(response, before: dict, after: dict) -> str:
    if response.status_code == 403:
        code = response.json().get("code")
        kind = SCOPE if code in ("not_your_caseload", "not_your_team") else ROLE
        return kind if before == after else f"{kind} but rows changed"
    if response.status_code >= 500:
        return f"{response.status_code}"
    return OK


def test_every_loan_level_write_operation_is_in_the_table():
    """A new write operation fails here until someone says whose loans it may touch."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    writes = {
        operation["operationId"]
        for methods in schema["paths"].values()
        for method, operation in methods.items()
        if method != "get"
    }
    tabled = {name.split(":")[0] for name in API_WRITES}
    assert sorted(writes - tabled - API_NOT_LOAN_SCOPED) == []
    assert sorted((tabled | API_NOT_LOAN_SCOPED) - writes) == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_api_writes_by_caseload(scenario, people, frozen):
    """Every loan-level API write as `scenario`'s actor on `scenario`'s loan: allowed or
    refused as the table says, and a refusal writes nothing (no ledger, audit, task, case,
    workout, hold, promise or letter row changes)."""
    column = list(SCENARIOS).index(scenario)
    actor, world = world_for(scenario, people)
    client = _client(actor)
    ids = world.ids()
    wrong = []
    for name, (expected, template, body) in API_WRITES.items():
        operation = name.split(":")[0]
        method = "patch" if operation == "cases_update" else "post"
        before = database_state()
        response = client.generic(
            method.upper(), _fill(template, ids), data=json.dumps(_body(body, ids)), content_type="application/json"
        )
        got = _outcome(response, before, database_state() if response.status_code == 403 else before)
        if got != expected[column]:
            wrong.append(f"{name:32} expected {expected[column]:5} got {got} {response.content[:160]!r}")
    assert wrong == [], f"{scenario}:\n" + "\n".join(wrong)


# --- Pages -------------------------------------------------------------------------------------

NONEXISTENT = 987654

# page name -> (expected by scenario, URL arguments, form). A page shows a refusal as a form
# error naming the caseload (400 or 403); a role the page does not serve gets Django's 403.
# task-call is not here: the page opens only tasks on the user's own worklist, whatever the
# policy allows (tests/delinquency/test_pages_call_log.py); its API twin is above.
PAGE_WRITES: dict[str, tuple[tuple[str, ...], tuple[str, ...], object]] = {
    "loan-payment": (ANY_LOAN, ("loan",), lambda w: {"amount": "100.00", "received_on": "2027-03-15"}),
    "loan-inbound-call": (ANY_LOAN, ("loan",), lambda w: {"outcome": "right_party_contact", "note": "Called in"}),
    "loan-payment-return": (
        WORK,
        ("loan", "payment"),
        lambda w: {"confirmed": "1", "returned_on": "2027-03-15", "reason": "R01 insufficient funds"},
    ),
    "workout-case-open": (
        WORK,
        ("loan",),
        lambda w: {"application_received_on": "2027-03-10", "received_via": "phone", "hardship_reason": "Job loss"},
    ),
    "workout-document-receive": (
        WORK,
        ("loan",),
        lambda w: {"kind": "other", "received_on": "2027-03-10", "description": "Decree", "version": w.case.version},
    ),
    "workout-evaluation-run": (
        WORK,
        ("loan",),
        lambda w: {"gross_monthly_income": "6,000.00", "version": w.case.version},
    ),
    "workout-submit": (
        WORK,
        ("loan",),
        lambda w: {"option": "forbearance", "evaluation": NONEXISTENT, "version": w.case.version},
    ),
    "letters-send": (WORK, ("loan",), lambda w: {"kind": "acknowledgment", "sent_on": "2027-03-15"}),
    "approval-approve": (DECIDE, ("workout",), lambda w: {"version": w.workout.version}),
    "approval-deny": (DECIDE, ("workout",), lambda w: {"version": w.workout.version, "reason": "Income unverified"}),
}


def _page_outcome(response, before: dict, after: dict) -> str:
    """A role the page does not serve gets Django's 403 page; a caseload refusal comes back
    as the page itself with the form's error (403, or 400 where the page answers so)."""
    if response.status_code >= 500:
        return f"{response.status_code}"
    templates = {t.name for t in response.templates}
    text = response.content.decode(errors="replace")
    if response.status_code == 403 and (not templates or "403.html" in templates):
        return ROLE if before == after else "role but rows changed"
    if response.status_code == 403 or (response.status_code == 400 and "caseload" in text):
        return SCOPE if before == after else "scope but rows changed"
    return OK


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_page_writes_by_caseload(scenario, people, frozen):
    """Every loan-level form as `scenario`'s actor: refused with the caseload's message and
    nothing written where the table says so."""
    column = list(SCENARIOS).index(scenario)
    actor, world = world_for(scenario, people)
    client = _client(actor)
    ids = world.ids()
    wrong = []
    for name, (expected, args, form) in PAGE_WRITES.items():
        for obj in (world.case, world.workout):
            obj.refresh_from_db()
        before = database_state()
        response = client.post(reverse(name, args=[ids[arg] for arg in args]), form(world))
        got = _page_outcome(response, before, database_state() if response.status_code in (400, 403) else before)
        if got != expected[column]:
            wrong.append(f"{name:28} expected {expected[column]:5} got {got} ({response.status_code})")
    assert wrong == [], f"{scenario}:\n" + "\n".join(wrong)


def test_every_loan_level_write_page_is_in_the_table():
    """The POST pages that act on a loan, a case or a workout are all in PAGE_WRITES (or said
    to be elsewhere): a new one fails here until its row is written."""
    from tests.security.test_permission_matrix import PAGES

    elsewhere = {"task-call", "reassign", "workout-what-if"}  # own worklist; test_reassign_*; stores nothing
    loan_writes = {
        "loan-payment",
        "loan-inbound-call",
        "loan-payment-return",
        "workout-case-open",
        "workout-document-receive",
        "workout-evaluation-run",
        "workout-submit",
        "letters-send",
        "approval-approve",
        "approval-deny",
    }
    assert set(PAGE_WRITES) == loan_writes
    assert loan_writes | elsewhere <= set(PAGES)


# --- Reassigning ----------------------------------------------------------------------------


def test_manager_reassigns_only_within_the_team(people, frozen):
    """Dev moves Sam's loan to Maria (both his); he cannot take Tess's loan (Mona's team) nor
    hand his people's loans to Tess. Refusals move nothing."""
    from delinquency.services_reassign import loans_reassign
    from lossmit.errors import PermissionRefused

    dev, maria, sam, tess = people["dev"], people["maria"], people["sam"], people["tess"]
    sams = LoanFactory(assigned_to=sam)
    tess_loan = LoanFactory(assigned_to=tess)

    before = database_state()
    with pytest.raises(PermissionRefused) as other_team:
        loans_reassign(actor=dev, loan_ids=[tess_loan.pk], to_user_ids=[maria.pk])
    with pytest.raises(PermissionRefused) as outside_target:
        loans_reassign(actor=dev, loan_ids=[sams.pk], to_user_ids=[tess.pk])
    assert (other_team.value.code, outside_target.value.code) == ("not_your_team", "not_your_team")
    assert database_state() == before

    moved = loans_reassign(actor=dev, loan_ids=[sams.pk], to_user_ids=[maria.pk])
    assert moved == {maria.pk: [sams.pk]}
    assert Loan.objects.get(pk=sams.pk).assigned_to == maria


def test_reassign_page_refuses_another_teams_loans(people, frozen):
    """The reassign form shows the refusal and moves nothing."""
    dev, maria, tess = people["dev"], people["maria"], people["tess"]
    tess_loan = LoanFactory(assigned_to=tess)
    before = database_state()
    response = _client(dev).post(
        reverse("reassign"), {"from_user": tess.pk, "loans": [tess_loan.pk], "to_users": [maria.pk]}
    )
    assert response.status_code in (400, 403)
    assert "not on your team" in response.content.decode()
    assert database_state() == before
