"""Who may open what: every page and every API operation against every persona.

The pages come from walking the URL resolver and the API operations from the OpenAPI schema,
so a page or operation added later is checked the day it appears: one missing from the tables
below fails the test until someone writes down who may use it.

Personas: anonymous; outsider (logged in, no Lossmit role); specialist (Maria); manager (Dev);
admin (Priya, Lossmit Admin role and Django staff, not superuser).

What each answer class means:
  login    302 to the login page (pages, anonymous)
  401      not authenticated (API, anonymous)
  403      refused: the role does not allow it
  ok       anything but 401/403, a redirect to the login page or a 5xx (200, 302 after a
           post, 400 for the empty body we send, 404 for an id not visible, 409)
Pages are fetched with GET; a page that answers GET with 405 (it only takes POST) is posted
to with an empty form, so its permission is checked like the others'.
  admin    Django admin: never a 200 for non-staff (Django sends them to the admin's login
           page); staff get in, with Django's 403 on models they hold no permission for
Any 5xx fails, whoever asks.

Reads across caseloads. The team reads every loan: a specialist opens any loan's page, ledger,
delinquency activity, cases, workouts, letters and the what-if panel, whoever it is assigned to
(a borrower who calls in reaches whoever answers, and colleagues cover for each other):
test_specialist_reads_another_specialists_loan moves the loan to Sam to prove it. Acting is
restricted by role here, and by caseload in test_caseload_matrix.py (accounts/policy.py): the
fixture's loan is Maria's and she reports to Dev, so the columns below are each role on its own
caseload. Specialists and managers post payments, promises, holds, calls and case work; only
managers (within their delegated limit, never on their own submission) and admins approve
workouts; only admins propose rule changes, and admins or managers (not the proposer) approve
them; only admins issue tokens, manage people and load tapes; only managers export and
reassign. A specialist logs calls only on tasks on their own worklist (another's task sends
them back to it); a call the borrower placed to us is logged from any loan's page. Admins
configure; they do not post money.

Pages (GET):

  page                         anonymous  outsider  specialist  manager  admin
  healthz, login,
  api-schema, api-docs         ok         ok        ok          ok       ok
  logout                       login      login     login       login    login
  home, loan-search,
  loan-detail, loan-activity,
  workout-evaluate,
  workout-what-if,
  loan-workouts, letters-loan,
  letters-pdf                  login      403       ok          ok       ok
  loan-payment(-return),
  loan-inbound-call,
  worklist, task-call,
  workout-case-open,
  workout-document-receive,
  workout-evaluation-run,
  workout-submit, letters-send login      403       ok          ok       403
  dashboard, rules, rule-*,
  scan-runs, approvals,
  approval-*, loan-audit       login      403       403         ok       ok
  dashboard-export, reassign,
  worklist-export              login      403       403         ok       403
  approvals-export             login      403       403         ok       ok
  team*, tape, run,
  scan-schedule, scan-run-now,
  tape-apply, letters-templates,
  letters-template-edit        login      403       403         403      ok
  Django admin (every URL)     login      admin     admin       admin    admin

API operations (empty JSON body on writes): anonymous 401 and outsider 403 on every one;
the roles:

  operation                                   specialist  manager  admin
  reads (list, retrieve, ledger, worklist,
    scan runs, rule sets, foreclosure check)  ok          ok       ok
  payments, promises, holds, calls, tasks,
    cases, evaluations, workout submit/offer/
    accept/reject/withdraw/trial/appeal       ok          ok       403
  workouts_approve, workouts_deny,
    workouts_appeal_decide                    403         ok       ok
  rule_sets_approve, rule_sets_reject         403         ok       ok
  rule_sets_propose, tokens_issue,
    tokens_revoke                             403         403      ok
  loans_board, loans_board_bulk               403         ok       ok
  holds_release, loans_foreclosure_refer      403         ok       403
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from borrowers.services import payment_post
from delinquency.models import CallTask
from imports.models import ImportRun
from letters.services import letter_generate
from tests.factories import LoanFactory
from tests.security.bad_input import build_world
from workouts import services as workout_services

PERSONAS = ("anonymous", "outsider", "specialist", "manager", "admin")

LOGIN, UNAUTH, DENY, OK, ADMIN = "login", "401", "403", "ok", "admin"

PUBLIC = (OK, OK, OK, OK, OK)
STAFF = (LOGIN, DENY, OK, OK, OK)
WORKERS = (LOGIN, DENY, OK, OK, DENY)  # specialists and managers: those who talk to borrowers
APPROVERS = (LOGIN, DENY, DENY, OK, OK)  # managers and admins
MANAGERS = (LOGIN, DENY, DENY, OK, DENY)
ADMINS = (LOGIN, DENY, DENY, DENY, OK)

PAGES: dict[str, tuple[str, ...]] = {
    "healthz": PUBLIC,
    "login": PUBLIC,
    # Logging out (a POST) lands on the login page, whoever you were.
    "logout": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # The API's description (no data in it) is public: integrators and the schemathesis suite
    # (tests/api/test_schemathesis.py) load it before they hold a token.
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    # borrowers/views.py
    "home": STAFF,
    "loan-search": STAFF,
    "loan-detail": STAFF,
    "loan-payment": WORKERS,
    "loan-payment-return": WORKERS,
    # delinquency/views/specialist.py and manager.py
    "worklist": WORKERS,
    "task-call": WORKERS,
    "loan-activity": STAFF,
    "loan-inbound-call": WORKERS,
    "dashboard": APPROVERS,
    "dashboard-export": MANAGERS,
    "reassign": MANAGERS,
    "worklist-export": MANAGERS,
    # rules/views/admin_pages.py: admins propose, managers approve; both read
    "rules": APPROVERS,
    "rule-propose": APPROVERS,
    "rule-approve": APPROVERS,
    "rule-reject": APPROVERS,
    "scan-runs": APPROVERS,
    # rules/views/holidays.py: both read the calendar, admins change it
    "holidays": APPROVERS,
    "holiday-add": ADMINS,
    "holiday-remove": ADMINS,
    # delinquency/views/scan_runs.py: managers read the scan page, only admins act on it
    "scan-schedule": ADMINS,
    "scan-run-now": ADMINS,
    # accounts/views.py
    "team": ADMINS,
    "team-create": ADMINS,
    "team-person": ADMINS,
    "team-token-issue": ADMINS,
    "team-token-revoke": ADMINS,
    # workouts/views/specialist.py and approvals.py
    "workout-evaluate": STAFF,
    "workout-case-open": WORKERS,
    "workout-document-receive": WORKERS,
    "workout-evaluation-run": WORKERS,
    "workout-what-if": STAFF,
    "workout-submit": WORKERS,
    "loan-workouts": STAFF,
    "approvals": APPROVERS,
    "approval-review": APPROVERS,
    "approval-approve": APPROVERS,
    "approval-deny": APPROVERS,
    "approvals-export": APPROVERS,
    # letters/views.py
    "letters-loan": STAFF,
    "letters-send": WORKERS,
    "letters-pdf": STAFF,
    "letters-templates": ADMINS,
    "letters-template-edit": ADMINS,
    # imports/views.py
    "tape": ADMINS,
    "run": ADMINS,
    "tape-apply": ADMINS,
    # audit/views.py
    "loan-audit": APPROVERS,
}
ADMIN_SITE = (LOGIN, ADMIN, ADMIN, ADMIN, ADMIN)

API_ANONYMOUS_OUTSIDER = (UNAUTH, DENY)
API_READ = (OK, OK, OK)
API_WORK = (OK, OK, DENY)
API_APPROVE = (DENY, OK, OK)
API_ADMIN = (DENY, DENY, OK)
API_MANAGER = (DENY, OK, DENY)

API: dict[str, tuple[str, str, str]] = {
    # reads
    "borrowers_list": API_READ,
    "borrowers_retrieve": API_READ,
    "cases_list": API_READ,
    "cases_retrieve": API_READ,
    "cases_evaluations_list": API_READ,
    "loans_list": API_READ,
    "loans_retrieve": API_READ,
    "loans_ledger": API_READ,
    "loans_foreclosure_check": API_READ,
    "rule_sets_list": API_READ,
    "rule_sets_retrieve": API_READ,
    "rule_sets_effective": API_READ,
    "rule_sets_parameters": API_READ,
    "scan_runs_list": API_READ,
    "worklist": API_READ,
    "workouts_retrieve": API_READ,
    "evaluations_preview": API_READ,  # the pure engine: stores nothing
    # the work of those who talk to borrowers
    "payments_post": API_WORK,
    "payments_return_nsf": API_WORK,
    "promises_create": API_WORK,
    "holds_create": API_WORK,
    "call_attempts_create": API_WORK,
    "inbound_calls_create": API_WORK,
    "call_tasks_complete": API_WORK,
    "cases_open": API_WORK,
    "cases_update": API_WORK,
    "cases_close": API_WORK,
    "cases_documents_receive": API_WORK,
    "cases_evaluations_run": API_WORK,
    "cases_withdraw": API_WORK,
    "cases_workouts_submit": API_WORK,
    "workouts_offer": API_WORK,
    "workouts_accept": API_WORK,
    "workouts_reject": API_WORK,
    "workouts_book": API_WORK,
    "workouts_withdraw": API_WORK,
    "workouts_trial_review": API_WORK,
    "workouts_trial_fail": API_WORK,
    "workouts_appeal_file": API_WORK,
    # decisions: four eyes and delegated limits are the services' (tests/workouts)
    "workouts_approve": API_APPROVE,
    "workouts_deny": API_APPROVE,
    "workouts_appeal_decide": API_APPROVE,
    "rule_sets_approve": API_APPROVE,
    "rule_sets_reject": API_APPROVE,
    "loans_board": API_APPROVE,
    "loans_board_bulk": API_APPROVE,
    # configuration
    "rule_sets_propose": API_ADMIN,
    "tokens_issue": API_ADMIN,
    "tokens_revoke": API_ADMIN,
    # managers only
    "holds_release": API_MANAGER,
    "loans_foreclosure_refer": API_MANAGER,
}

TODAY = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@dataclass
class World:
    """One of every object a URL can name, on Maria's loan (Dev manages her)."""

    loan: object
    borrower: object
    case: object
    workout: object
    task: object
    payment: object
    hold: object
    rule_set: object
    letter: object
    run: object
    user: object


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def users(specialist, other_specialist, manager, admin_user, outsider):
    return {
        "anonymous": None,
        "outsider": outsider,
        "specialist": specialist,
        "manager": manager,
        "admin": admin_user,
    }


@pytest.fixture
def world(frozen, users, specialist, other_specialist, manager, admin_user) -> World:
    """Maria's loan, on Dev's team: the role columns say what each role may do where its
    caseload allows; test_caseload_matrix.py runs the writes on others' and other teams' loans."""
    # The same loan, payment, hold, task, case (evaluated, modification submitted) and pending
    # rule change the bad-input tests build.
    base = build_world(specialist=specialist, manager=manager)
    loan, case = base.loan, base.case
    letter = letter_generate(actor=specialist, kind="acknowledgment", case=case, sent_on=TODAY.date())
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.TAPE, status=ImportRun.Status.PREVIEWED, file_name="tape.csv", sha256="0" * 64
    )
    return World(
        loan=loan,
        borrower=loan.borrower,
        case=case,
        workout=base.workout,
        task=base.task,
        payment=base.payment,
        hold=base.hold,
        rule_set=base.rule_set,
        letter=letter,
        run=run,
        user=other_specialist,
    )


# --- Filling URLs ----------------------------------------------------------------------------

NONEXISTENT = 987654


def _page_kwargs(world: World) -> dict[str, object]:
    return {
        "loan_id": world.loan.pk,
        "task_id": world.task.pk,
        "payment_id": world.payment.pk,
        "workout_id": world.workout.pk,
        "rule_set_id": world.rule_set.pk,
        "user_id": world.user.pk,
        "run_id": world.run.pk,
        "letter_id": world.letter.pk,
        "case_id": world.case.pk,
        "table": "pipeline",
        "kind": "acknowledgment",
    }


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _fill(route: str, pattern: URLPattern, kwargs: dict[str, object]) -> str | None:
    """A concrete path for a route: converters filled from `kwargs` by name (an unknown int
    becomes an id no row has); None for a regex route we cannot fill."""

    def value(match: re.Match) -> str:
        converter, name = (match.group(1) or "str"), match.group(2)
        if name in kwargs:
            return str(kwargs[name])
        if converter in ("int", "object_id"):
            return str(NONEXISTENT)
        return "x"

    if route.startswith("^") or "(?P<" in route or "^" in route:
        return None
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def enumerate_pages(world: World) -> list[tuple[str, str]]:
    """(name, path) for every URL pattern outside the API (which the schema covers) and the
    static files; Django admin URLs get the name 'admin:...'."""
    kwargs = _page_kwargs(world)
    pages = []
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if route.startswith(("api/v1/", "static/")):
            continue
        path = _fill(route, pattern, kwargs)
        if path is None:
            continue
        name = f"{namespace}{pattern.name}" if pattern.name else route
        if namespace.startswith("admin:"):
            name = "admin:" + (pattern.name or route)
        elif namespace:
            name = pattern.name or route  # app namespaces (imports:) keep their plain names here
        pages.append((name, path))
    return pages


def _api_id(path: str, world: World) -> str:
    for prefix, obj in (
        ("/api/v1/loans/", world.loan),
        ("/api/v1/borrowers/", world.borrower),
        ("/api/v1/cases/", world.case),
        ("/api/v1/workouts/", world.workout),
        ("/api/v1/tasks/", world.task),
        ("/api/v1/holds/", world.hold),
        ("/api/v1/payments/", world.payment),
    ):
        if path.startswith(prefix):
            return str(obj.pk)
    return str(NONEXISTENT)


def _shaped(schema: dict, components: dict, depth: int = 0):
    """A value of the right shape for an OpenAPI schema: its example, enum or default if it
    has one, else a plain value of its type; objects get their required properties."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for combinator in ("allOf", "oneOf", "anyOf"):
        if schema.get(combinator):
            return _shaped(schema[combinator][0], components, depth + 1)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return next(value for value in schema["enum"] if value not in (None, ""))
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if kind == "object" and depth < 6:
        return {
            name: _shaped(prop, components, depth + 1)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array" and depth < 6:
        return [_shaped(schema.get("items", {}), components, depth + 1)]
    fmt = schema.get("format", "")
    if kind == "string":
        return {"date": TODAY.date().isoformat(), "date-time": TODAY.isoformat(), "decimal": "100.00"}.get(fmt, "x")
    return {"integer": 1, "number": 1, "boolean": False}.get(kind, {})


def _shaped_body(operation: dict, components: dict) -> object:
    """A request body that passes shape validation: the operation's first documented example,
    else one built from its schema."""
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return {}
    for example in (content.get("examples") or {}).values():
        if "value" in example:
            value = example["value"]
            # drf-spectacular wraps a list example of a list body in one more list.
            if content["schema"].get("type") == "array" and value and isinstance(value[0], list):
                value = value[0]
            return value
    return _shaped(content["schema"], components)


def enumerate_api(world: World) -> list[tuple[str, str, str, object]]:
    """(operationId, method, path, shaped body) for every operation in the OpenAPI schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for template, methods in schema["paths"].items():
        path = (
            template.replace("{id}", _api_id(template, world))
            .replace("{rule_set_id}", str(world.rule_set.pk))
            .replace("{username}", world.user.username)
        )
        assert "{" not in path, f"fill the path parameter of {template}"
        for method, operation in methods.items():
            operations.append((operation["operationId"], method.upper(), path, _shaped_body(operation, components)))
    return operations


# --- Classifying answers ---------------------------------------------------------------------


def _classify(response, *, api: bool) -> str:
    status = response.status_code
    if status >= 500:
        return f"{status}"
    location = response.get("Location", "") if status in (301, 302) else ""
    if location and urlsplit(location).path == "/accounts/login/":
        return LOGIN
    if location and urlsplit(location).path == "/admin/login/":
        return ADMIN
    if status == 401:
        return UNAUTH
    if status == 403:
        return DENY
    return OK


def _client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _matches(expected: str, got: str, status: int, persona: str, name: str) -> bool:
    if expected == ADMIN:
        if status >= 500:
            return False
        # Non-staff never see an admin page (Django sends them to the admin's login page);
        # staff get in, with Django's 403 on models they hold no permission for. The admin's
        # login page is where non-staff land: it shows a form and "not authorized", no data.
        return persona == "admin" or status != 200 or name == "admin:login"
    return got == expected


# --- The tests -------------------------------------------------------------------------------


def test_every_page_and_operation_is_in_the_matrix(world):
    """A new page or API operation fails here until its row is added to the tables above."""
    page_names = {name for name, _ in enumerate_pages(world) if not name.startswith("admin:")}
    assert sorted(page_names - set(PAGES)) == [], "add these pages to PAGES"
    assert sorted(set(PAGES) - page_names) == [], "these PAGES rows name no URL any more"
    operation_ids = {operation_id for operation_id, *_ in enumerate_api(world)}
    assert sorted(operation_ids - set(API)) == [], "add these operations to API"
    assert sorted(set(API) - operation_ids) == [], "these API rows name no operation any more"


@pytest.mark.parametrize("persona", PERSONAS)
def test_pages(persona, users, world):
    """GET every page as `persona`: the answer class matches the table; nothing answers 5xx."""
    column = PERSONAS.index(persona)
    client = _client_for(users[persona])
    wrong = []
    for name, path in enumerate_pages(world):
        expected = ADMIN_SITE[column] if name.startswith("admin:") else PAGES.get(name, STAFF)[column]
        if name.startswith("admin:") and persona == "anonymous":
            expected = LOGIN
        response = client.get(path)
        if response.status_code == 405:
            # POST-only views answer GET with 405 before any permission check; post to them
            # (an empty form) so their permission is checked too. A fresh client, so posting
            # to a logout does not log the persona out for the rest of the walk.
            response = _client_for(users[persona]).post(path, {})
        got = _classify(response, api=False)
        if not _matches(expected, got, response.status_code, persona, name):
            wrong.append(f"{name:28} GET {path:55} expected {expected:5} got {got} ({response.status_code})")
    assert wrong == [], f"{persona}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_operations(persona, users, world):
    """Call every API operation as `persona` with an empty JSON body: only the auth and
    permission outcome is asserted (401/403 versus anything else); nothing answers 5xx."""
    column = PERSONAS.index(persona)
    client = _client_for(users[persona])
    wrong = []
    for operation_id, method, path, shaped in enumerate_api(world):
        if column < 2:
            expected = API_ANONYMOUS_OUTSIDER[column]
        else:
            expected = API.get(operation_id, API_READ)[column - 2]
        response = client.generic(method, path, data="{}", content_type="application/json")
        if expected == DENY and response.status_code == 400:
            # The services decide what a role may do, after the body's shape is checked: an
            # empty body stops at validation. Send a body of the documented shape so the
            # role check is reached; anything but 403 then is a hole.
            response = client.generic(method, path, data=json.dumps(shaped), content_type="application/json")
        got = _classify(response, api=True)
        if got != expected:
            body = response.content[:120].decode(errors="replace")
            wrong.append(f"{operation_id:28} {method:6} {path:45} expected {expected:3} got {got} {body}")
    assert wrong == [], f"{persona}:\n" + "\n".join(wrong)


# --- Holes the matrix led to -------------------------------------------------------------------


@pytest.fixture
def trial_workout(specialist, manager):
    """A modification in trial, accepted 2027-01-25: payments due Feb 1, Mar 1 and Apr 1 2027,
    the first paid on Jan 28. Today is 2027-02-10."""
    with time_machine.travel(datetime(2027, 2, 10, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        loan = LoanFactory(next_due_date=date(2026, 11, 1), assigned_to=specialist)
        case = workout_services.case_open(
            actor=specialist,
            loan_id=loan.pk,
            application_received_on=date(2027, 1, 2),
            application_complete_on=date(2027, 1, 5),
        )
        terms = {**MOD_TERMS, "monthly_payment": "1126.11"}
        workout = workout_services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=terms)
        workout_services.workout_approve(actor=manager, workout_id=workout.pk)
        workout_services.workout_offer(actor=specialist, workout_id=workout.pk, offered_on=date(2027, 1, 20))
        workout = workout_services.workout_accept(
            actor=specialist, workout_id=workout.pk, accepted_on=date(2027, 1, 25)
        )
        payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("1126.11"), received_on=date(2027, 1, 28))
        yield workout


@pytest.mark.parametrize(("persona", "status"), [("specialist", 400), ("manager", 400), ("admin", 403)])
def test_trial_review_cannot_fail_a_trial_ahead_of_time(persona, status, users, trial_workout):
    """Reviewing a trial 'as of' a future date would count payments not yet due as missed and
    fail the borrower's trial plan; admins, who do not work cases, may not review at all."""
    from workouts.models import Workout

    client = _client_for(users[persona])
    with time_machine.travel(datetime(2027, 2, 10, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        response = client.post(
            f"/api/v1/workouts/{trial_workout.pk}/trial-review/",
            data=json.dumps({"as_of": "2027-12-31"}),
            content_type="application/json",
        )
    assert response.status_code == status, response.content
    assert Workout.objects.get(pk=trial_workout.pk).status == Workout.Status.TRIAL


READS_ACROSS_CASELOADS = (
    "loan-detail",
    "loan-activity",
    "workout-evaluate",
    "loan-workouts",
    "letters-loan",
    "letters-pdf",
)
API_READS_ACROSS_CASELOADS = (
    "loans_retrieve",
    "loans_ledger",
    "borrowers_retrieve",
    "cases_retrieve",
    "workouts_retrieve",
)


def test_specialist_reads_another_specialists_loan(users, world):
    """Maria opens Sam's loan, its activity, workouts and letters (200, not merely 'not refused'),
    but logging a call works only from her own worklist: Sam's task sends her back to it."""
    from borrowers.models import Loan

    Loan.objects.filter(pk=world.loan.pk).update(assigned_to=world.user)
    CallTask.objects.filter(pk=world.task.pk).update(assigned_to=world.user)
    client = _client_for(users["specialist"])
    pages = dict(enumerate_pages(world))
    for name in READS_ACROSS_CASELOADS:
        assert client.get(pages[name]).status_code == 200, name
    for operation_id, method, path, _ in enumerate_api(world):
        if operation_id in API_READS_ACROSS_CASELOADS:
            assert client.generic(method, path).status_code == 200, operation_id
    response = client.get(pages["task-call"])
    assert (response.status_code, response["Location"]) == (302, "/delinquency/worklist/")
