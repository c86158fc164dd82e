"""End-to-end journeys in headless Chromium (Playwright, sync API) against `live_server`.

Debian's Chromium at /usr/bin/chromium drives every test: Playwright's own browser downloads
are never used (CI installs the `chromium` package instead). Without that binary, or without
the `playwright` package, this folder is skipped as a whole and says why in the header.

Writing a journey:

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

    def test_something(page, live_server, specialist):
        login(page, live_server, specialist)
        page.goto(live_server.url + "/delinquency/worklist/")
        shot(page, "specialist", "worklist")

`transaction=True` because the server thread must see what the test wrote. The flush after a
transactional test empties every table, including the rows migrations create (role groups,
version 1 of every program's rules, letter templates); tests/conftest.py puts them back after
every transactional test with the migrations' own (idempotent) functions.
"""

import importlib
import importlib.util
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from borrowers.models import Investor, Program
from delinquency.models import CallTask, LoanDelinquency
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory, PropertyFactory, ValuationFactory
from workouts import services
from workouts.models import Workout

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Chromium in a container: no sandbox (no user namespaces), no GPU, and nothing that phones home
# or updates itself while a test runs.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_missing = []
if not os.path.exists(CHROMIUM):
    _missing.append(f"{CHROMIUM} is missing (apt-get install -y chromium)")
if importlib.util.find_spec("playwright") is None:
    _missing.append("the playwright package is missing (pip install -r requirements-dev.txt)")
SKIP_REASON = "; ".join(_missing)

if SKIP_REASON:
    # Nothing here can run: do not even import the journeys (they import playwright).
    collect_ignore_glob = ["test_*.py"]

# Playwright's sync API runs an event loop in the test's thread; Django refuses database calls
# from a thread with a running loop unless told this is intended (it is: one test, one thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_report_header(config):
    if SKIP_REASON:
        return f"browser journeys skipped: {SKIP_REASON}"
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A laptop screen; journeys that check tablet layouts set their own viewport.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture(autouse=True)
def _page_timeouts(request):
    """Fail fast: every page answers in well under a second, so 10 s means something broke."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(10_000)
        page.set_default_navigation_timeout(15_000)


def login(page, live_server, user) -> None:
    """Sign `user` in for this browser context without typing: a session made on the server
    side, handed to the browser as its cookie. Use `login_with_form` to exercise the form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])


def login_with_form(page, live_server, username: str, password: str = "correct-horse-battery") -> None:
    """Sign in through the login page, as a person does (factories' default password)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def logout(page) -> None:
    page.context.clear_cookies()


def shot(page, role: str, step: str) -> Path:
    """Save a full-page screenshot as docs/screenshots/<role>-<step>.png (the README shows them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{role}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Maria's caseload and Dev's approvals, shared by the journeys and the accessibility audit ---

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def morning(time_machine):
    """Monday Nov 30, 2026, 10:00 Eastern; the clock runs so the page's requests move on."""
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=NEW_YORK), tick=True)


def _task(loan, reason, due_by):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 30), assigned_to=loan.assigned_to
    )


@pytest.fixture
def caseload(specialist, morning):
    """Two calls due: a Reg X live contact expiring today (a 47-days-late loan that bounced a
    payment), then a broken-promise follow-up on the HUD example's FHA loan, whose complete
    application waits for its evaluation. A California borrower sorts last: 7:00 there."""
    ana = BorrowerFactory(first_name="Ana", last_name="Lopez")
    PhoneFactory(borrower=ana, number="404-555-0147")
    first = LoanFactory(assigned_to=specialist, borrower=ana, next_due_date=date(2026, 10, 14))
    LoanDelinquency.objects.create(
        loan=first,
        business_date=date(2026, 11, 29),
        next_due_date=date(2026, 10, 14),
        days_past_due=46,
        mba_status=30,
        bucket="30-59",
        risk_reasons=[
            {"code": "nsf", "message": "NSF 12 days ago"},
            {"code": "drift", "message": "Paying later each month"},
        ],
    )
    ben = BorrowerFactory(first_name="Ben", last_name="Carter")
    PhoneFactory(borrower=ben, number="404-555-0199")
    hud = LoanFactory(
        assigned_to=specialist,
        borrower=ben,
        investor=Investor.FHA,
        program=Program.FHA_HAMP,
        principal_balance=Decimal("150000.00"),
        note_rate=Decimal("6.000"),
        remaining_term_months=360,
        monthly_pi=Decimal("920.00"),
        monthly_escrow=Decimal("300.00"),
        escrow_balance=Decimal("-660.00"),
        next_due_date=date(2026, 8, 1),
    )
    ValuationFactory(property=hud.property, value=Decimal("160000.00"), valued_on=date(2026, 10, 1))
    services.case_open(
        actor=specialist,
        loan_id=hud.pk,
        application_received_on=date(2026, 11, 2),
        application_complete_on=date(2026, 11, 16),
        hardship_reason="Job loss",
        hardship_duration="long_term",
    )
    california = LoanFactory(assigned_to=specialist, property=PropertyFactory(state="CA", city="Fresno"))
    return {
        "first": _task(first, CallTask.Reason.REGX_LIVE_CONTACT, date(2026, 11, 30)),
        "second": _task(hud, CallTask.Reason.BROKEN_PROMISE, date(2026, 12, 1)),
        "california": _task(california, CallTask.Reason.REGX_LIVE_CONTACT, date(2026, 11, 30)),
    }


def submitted_modification(specialist, *, last_name: str, complete_on: date) -> Workout:
    """A complete application evaluated and its modification submitted, as Maria's page does."""
    borrower = BorrowerFactory(first_name="Grace", last_name=last_name)
    loan = LoanFactory(
        assigned_to=specialist, borrower=borrower, next_due_date=date(2026, 8, 1), property=PropertyFactory(state="GA")
    )
    ValuationFactory(property=loan.property, value=Decimal("200000.00"), valued_on=date(2026, 10, 1))
    case = services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=complete_on,
        application_complete_on=complete_on,
        hardship_reason="Lost overtime",
    )
    evaluation = services.evaluation_store(
        actor=specialist, case_id=case.pk, as_of=date(2026, 11, 30), gross_monthly_income=Decimal("4200.00")
    )
    assert evaluation.result["options"]["modification"]["eligible"], evaluation.result["options"]["modification"]
    return services.workout_submit(
        actor=specialist, case_id=case.pk, option="modification", evaluation_id=evaluation.pk
    )
