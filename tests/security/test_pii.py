"""Personal data: the SSN exists only as its last four digits, lists mask phones and emails,
error pages and logs carry none of it, and exports are managers' and audited."""

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path
from drf_spectacular.generators import SchemaGenerator

from audit.models import AuditEvent
from delinquency.models import CallTask
from lossmit.log_filters import PersonalDataFilter, mask_personal_data
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory
from workouts import services as workout_services

NOW = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
PHONE = "404-555-0187"
PHONE_DIGITS = "4045550187"
EMAIL = "ana.lopez@lopezfamily.example"
SSN_LAST4 = "6789"
FULL_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana(frozen, specialist):
    """Ana Lopez: a delinquent loan on Maria's caseload with a call task, an open case and a
    submitted modification, so she appears on every list: search, worklist, approvals, dashboard."""
    borrower = BorrowerFactory(first_name="Ana", last_name="Lopez", email=EMAIL, ssn_last4=SSN_LAST4)
    PhoneFactory(borrower=borrower, number=PHONE)
    loan = LoanFactory(borrower=borrower, assigned_to=specialist, next_due_date=date(2027, 1, 1))
    CallTask.objects.create(
        loan=loan,
        reason=CallTask.Reason.REGX_LIVE_CONTACT,
        due_by=date(2027, 3, 20),
        business_date=NOW.date(),
        assigned_to=specialist,
    )
    case = workout_services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )
    workout_services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    return loan


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _assert_no_contact_details(text: str, where: str) -> None:
    assert PHONE_DIGITS not in _digits(text), f"full phone number in {where}"
    assert EMAIL not in text, f"email address in {where}"
    assert not FULL_SSN.search(text), f"something shaped like a full SSN in {where}"


# --- SSN: last four only -------------------------------------------------------------------------


def test_no_model_can_hold_a_full_ssn():
    """The only SSN-like column anywhere is a four-character last-four field."""
    ssn_fields = [
        (model._meta.label, field.name, getattr(field, "max_length", None))
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.Field) and re.search(r"ssn|social|tax_?id|tin\b", field.name)
    ]
    assert ssn_fields == [("borrowers.Borrower", "ssn_last4", 4)]


def test_boarding_refuses_more_than_four_ssn_digits(client, manager):
    """The API will not take a full SSN even when sent one."""
    client.force_login(manager)
    body = {
        "loan_number": "2026009999",
        "borrower": {"first_name": "Ana", "last_name": "Lopez", "ssn_last4": "123-45-6789"},
        "property": {"state": "GA", "occupancy": "owner", "market_value": "300000.00"},
        "investor": "FNMA",
        "program": "GSE_FLEX",
        "original_balance": "250000.00",
        "note_rate": "7.000",
        "original_term_months": 360,
        "first_payment_date": "2025-04-01",
        "next_due_date": "2026-09-01",
    }
    response = client.post("/api/v1/loans/", body, content_type="application/json")
    assert response.status_code == 400
    assert "borrower.ssn_last4" in response.json()["fields"]


def test_ssn_shows_as_last_four_on_the_loan_page_api_and_admin(client, admin_user, manager, ana):
    """The loan page shows ***-**-6789; the API the four digits; the admin the four digits."""
    client.force_login(manager)
    page = client.get(f"/loans/{ana.pk}/").content.decode()
    assert f"***-**-{SSN_LAST4}" in page
    assert not FULL_SSN.search(page.replace(f"***-**-{SSN_LAST4}", ""))
    detail = client.get(f"/api/v1/borrowers/{ana.borrower_id}/").json()
    assert detail["ssn_last4"] == SSN_LAST4
    assert not [key for key in detail if "ssn" in key and key != "ssn_last4"]
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    admin_page = client.get(f"/admin/borrowers/borrower/{ana.borrower_id}/change/")
    assert admin_page.status_code == 200
    assert not FULL_SSN.search(admin_page.content.decode())


# --- Lists mask phones and emails ----------------------------------------------------------------


def _list_pages() -> list[str]:
    """Every page with no path parameter: the lists and dashboards (walked from the resolver,
    so a new list page is checked too), plus the loan search for Ana by name."""
    found = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if "<" not in route and "^" not in route and not route.startswith(("api/", "admin/", "static/")):
                    found.append("/" + route)

    walk(get_resolver().url_patterns)
    return [*sorted(found), "/loans/?q=Lopez", f"/loans/?q={PHONE_DIGITS[-4:]}"]


def _list_operations() -> list[str]:
    """Every GET API operation without a path parameter (the lists), from the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(p for p, ops in schema["paths"].items() if "get" in ops and "{" not in p)


@pytest.mark.parametrize("persona", ["specialist", "manager", "admin_user"])
def test_list_pages_mask_phones_and_emails(request, persona, ana):
    """Search results, worklist, approvals, dashboard and every other list page show no full
    phone number and no email address (the loan page itself, one borrower, shows them)."""
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    listed = False
    for url in _list_pages():
        response = client.get(url)
        assert response.status_code < 500, url
        # The CSV exports (worklist, approvals) stream; they must mask the same way.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode(errors="replace")
        listed |= "Lopez" in text
        _assert_no_contact_details(text, url)
    assert listed, "Ana should appear on at least one list"


@pytest.mark.parametrize("persona", ["specialist", "manager", "admin_user"])
def test_list_apis_mask_phones_and_emails(request, persona, ana):
    """The API's lists (loans, borrowers, cases, worklist, ...) mask phones and emails too."""
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    for url in _list_operations():
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_no_contact_details(response.content.decode(), url)
    borrowers = client.get("/api/v1/borrowers/").json()["results"]
    item = next(b for b in borrowers if b["id"] == ana.borrower_id)
    assert item["phones"][0]["number"] == "***-***-0187"
    assert item["email"] == "a***@l***.example"


def test_admin_borrower_list_masks_emails(client, admin_user, ana):
    """The Django admin's borrower list is a list too; the borrower's own admin page has the address."""
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get("/admin/borrowers/borrower/")
    assert listing.status_code == 200
    _assert_no_contact_details(listing.content.decode(), "admin borrower list")
    assert "a***@l***.example" in listing.content.decode()
    assert EMAIL in client.get(f"/admin/borrowers/borrower/{ana.borrower_id}/change/").content.decode()


def test_detail_api_shows_the_full_contact_details(client, specialist, ana):
    """One borrower's record is where a specialist finds the number to call and the address to write to."""
    client.force_login(specialist)
    detail = client.get(f"/api/v1/borrowers/{ana.borrower_id}/").json()
    assert detail["email"] == EMAIL
    assert [p["number"] for p in detail["phones"]] == [PHONE]


# --- Error pages ---------------------------------------------------------------------------------


def _boom(request):
    raise ValueError(f"borrower Ana Lopez ssn 123-45-6789 phone {PHONE} email {EMAIL}")


urlpatterns = [path("boom/", _boom)]


def test_404_page_shows_no_personal_data(client, specialist, ana):
    """A missing page says so and nothing else, even when the URL carries personal data."""
    client.force_login(specialist)
    response = client.get(f"/loans/{ana.pk}999/?q={PHONE}&email={EMAIL}")
    assert response.status_code == 404
    text = response.content.decode()
    _assert_no_contact_details(text, "404 page")
    assert "Lopez" not in text
    api = client.get(f"/api/v1/loans/{ana.pk}999/")
    assert api.status_code == 404
    assert "Lopez" not in api.content.decode()


@pytest.mark.urls(__name__)
def test_500_page_shows_no_personal_data(client, specialist, settings):
    """With DEBUG off the 500 page is the static template: the exception's text stays out."""
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(specialist)
    response = client.get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text
    _assert_no_contact_details(text, "500 page")
    assert "Ana Lopez" not in text
    assert "ValueError" not in text


# --- Logs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param("called 404-555-0187 twice", "called [phone] twice", id="phone dashes"),
        pytest.param("(404) 555 0187", "[phone]", id="phone brackets"),
        pytest.param("+1 404.555.0187", "[phone]", id="phone international"),
        pytest.param("ssn 123-45-6789", "ssn [ssn]", id="ssn dashes"),
        pytest.param("ssn 123456789", "ssn [number]", id="ssn bare"),
        pytest.param("mail ana.lopez+x@example.co.uk now", "mail [email] now", id="email"),
        pytest.param("account 004412345678", "account [number]", id="account number"),
        pytest.param("loan 42 posted 1564.14 on 2026-11-27 22:09:46", None, id="ids, money, times kept"),
        pytest.param("GET /loans/?q=4045550187 HTTP/1.1 200", "GET /loans/?q=[phone] HTTP/1.1 200", id="query"),
        pytest.param("from 127.0.0.1", None, id="ip address kept"),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == (text if masked is None else masked)


def test_filter_masks_arguments_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "payment from %s (%s)", (PHONE, EMAIL), None)
    try:
        raise ValueError(f"duplicate ssn 123-45-6789 for {EMAIL}")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert PersonalDataFilter().filter(record) is True
    assert record.getMessage() == "payment from [phone] ([email])"
    assert "123-45-6789" not in record.exc_text
    assert EMAIL not in record.exc_text
    assert "ValueError: duplicate ssn [ssn] for [email]" in record.exc_text


@pytest.fixture
def log_output():
    """What the configured handlers write (settings.LOGGING), captured for the test."""
    stream = io.StringIO()
    handlers = [
        handler
        for handler in logging.getLogger().handlers + logging.getLogger("django.server").handlers
        if any(isinstance(f, PersonalDataFilter) for f in handler.filters)
    ]
    assert handlers, "settings.LOGGING puts the personal-data filter on the handlers"
    previous = [handler.setStream(stream) for handler in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


@pytest.mark.urls(__name__)
def test_logs_carry_no_personal_data(client, specialist, log_output, settings):
    """An application log line and the server error log of a crash (with its traceback) both
    come out masked."""
    settings.DEBUG = False
    logging.getLogger("borrowers").warning("Could not reach %s at %s", "Ana", PHONE)
    client.raise_request_exception = False
    client.force_login(specialist)
    assert client.get("/boom/").status_code == 500
    output = log_output.getvalue()
    assert "Could not reach Ana at [phone]" in output
    assert "Internal Server Error: /boom/" in output
    assert "ValueError: borrower Ana Lopez ssn [ssn] phone [phone] email [email]" in output
    _assert_no_contact_details(output, "log output")


# --- Exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("specialist", 403), ("admin_user", 403), ("manager", 200)])
def test_exports_are_for_managers_and_each_is_audited(request, frozen, persona, status, ana):
    """Only managers export, and every export writes an audit record naming who and what."""
    user = request.getfixturevalue(persona)
    client = Client()
    client.force_login(user)
    before = AuditEvent.objects.filter(action="dashboard.export").count()
    response = client.get("/delinquency/dashboard/export/pipeline.csv")
    assert response.status_code == status
    if status == 200:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content.count(b"\n") >= 1  # a header at least
        event = AuditEvent.objects.filter(action="dashboard.export").latest("id")
        assert event.actor == user
        assert AuditEvent.objects.filter(action="dashboard.export").count() == before + 1
    else:
        assert AuditEvent.objects.filter(action="dashboard.export").count() == before


def test_money_in_logs_is_kept():
    """Amounts stay readable: 1564.14 and 188000.00 are not personal data."""
    assert mask_personal_data("posted Decimal('1564.14') of 188000.00") == "posted Decimal('1564.14') of 188000.00"


def test_gunicorn_access_log_leaves_out_query_strings(tmp_path):
    """gunicorn.conf.py: a search by phone number leaves the path in the access log, not the number."""
    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "PYTEST_VERSION"}}
    env.update({"DEBUG": "1", "LOSSMIT_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "lossmit.settings"})
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lossmit.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)),
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz?q={PHONE_DIGITS}&email={EMAIL}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(url, headers={"Referer": url}), timeout=5)
                break
            except urllib.error.HTTPError:
                break  # any answer is logged
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while "/healthz" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    line = log.read_text()
    assert '"GET /healthz HTTP/1.1"' in line
    _assert_no_contact_details(line, "gunicorn access log")
