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
from pathlib import Path

import pytest

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
