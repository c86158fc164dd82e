"""GET /api/v1/loans/ and /api/v1/loans/{id}/: reads, filters, delinquency fields, query counts."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from borrowers.filters import LoanFilter
from borrowers.models import Investor, Loan, Program
from delinquency.models import Hold, LoanDelinquency, ScanRun
from tests.api.conftest import assert_error
from tests.api.test_loan_boarding import LOAN
from tests.factories import LoanFactory, PhoneFactory, PropertyFactory, ValuationFactory


def _scan_row(loan, **fields) -> LoanDelinquency:
    defaults = {
        "business_date": date(2026, 11, 26),
        "next_due_date": loan.next_due_date,
        "days_past_due": 0,
        "mba_status": 0,
        "ots_status": 0,
        "bucket": "current",
    }
    return LoanDelinquency.objects.create(loan=loan, **{**defaults, **fields})


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["loan_number"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("outsider", 403), ("specialist", 200), ("manager", 200), ("admin", 200)],
    indirect=["persona"],
)
def test_every_lossmit_role_reads_loans(client_for, persona, loan, status):
    client = client_for(persona)
    for url in ("/api/v1/loans/", f"/api/v1/loans/{loan.pk}/", f"/api/v1/loans/{loan.pk}/ledger/"):
        response = client.get(url)
        if status == 200:
            assert response.status_code == 200
        else:
            assert_error(response, status, "not_authenticated" if status == 401 else "permission_denied", {})


def test_anonymous_is_told_how_to_authenticate(client_for, loan):
    response = client_for(None).get("/api/v1/loans/")
    assert response.headers["WWW-Authenticate"] == "Token"


def test_list_shows_each_loan_with_its_delinquency(client_for, specialist, loan):
    """No scan has run: the status is computed as of today (2026-11-27); the loan is current."""
    response = client_for(specialist).get("/api/v1/loans/")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert body["results"] == [
        {
            "id": loan.pk,
            "loan_number": loan.loan_number,
            "status": "active",
            "investor": "FNMA",
            "program": "GSE_FLEX",
            "borrower_id": loan.borrower_id,
            "borrower_name": loan.borrower.full_name,
            "property_state": "GA",
            "assigned_to": {"id": specialist.pk, "username": "maria", "name": specialist.get_full_name()},
            "principal_balance": "188000.00",
            "monthly_pi": "1264.14",
            "monthly_escrow": "300.00",
            "next_due_date": "2026-12-01",
            "days_past_due": 0,
            "mba_status": 0,
            "ots_status": 0,
            "bucket": "current",
            "status_as_of": "2026-11-27",
            "risk_score": 0,
            "risk_reasons": [],
        }
    ]


def test_list_pages_in_id_order(client_for, manager):
    loans = [LoanFactory() for _ in range(5)]
    client = client_for(manager)
    first = client.get("/api/v1/loans/?page_size=2").json()
    second = client.get("/api/v1/loans/?page_size=2&page=2").json()
    third = client.get("/api/v1/loans/?page_size=2&page=3").json()
    ids = [item["id"] for page in (first, second, third) for item in page["results"]]
    assert ids == [loan.pk for loan in loans]
    assert first["count"] == 5
    assert first["next"].endswith("/api/v1/loans/?page=2&page_size=2")
    assert third["next"] is None


def test_a_page_past_the_end_is_404(client_for, manager, loan):
    assert_error(client_for(manager).get("/api/v1/loans/?page=9"), 404, "not_found", {})


@pytest.fixture
def portfolio(specialist, other_specialist):
    """Four loans that differ in one attribute each from the first."""
    return {
        "base": LoanFactory(loan_number="A100", assigned_to=specialist),
        "fha": LoanFactory(loan_number="A200", investor=Investor.FHA, program=Program.FHA_HAMP),
        "texas": LoanFactory(loan_number="B300", property=PropertyFactory(state="TX"), assigned_to=other_specialist),
        "paid": LoanFactory(loan_number="B400", status=Loan.Status.PAID_OFF, assigned_to=specialist),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("investor=FHA", ["A200"]),
        ("program=GSE_FLEX", ["A100", "B300", "B400"]),
        ("state=TX", ["B300"]),
        ("status=paid_off", ["B400"]),
        ("assigned_to_username=maria", ["A100", "B400"]),
        ("unassigned=true", ["A200"]),
        ("loan_number=B", ["B300", "B400"]),
        ("investor=FNMA&state=GA&status=active", ["A100"]),
    ],
)
def test_list_filters(client_for, manager, portfolio, query, expected):
    assert _numbers(client_for(manager).get(f"/api/v1/loans/?{query}")) == expected


def test_filter_by_assigned_specialist_id(client_for, manager, portfolio, other_specialist):
    assert _numbers(client_for(manager).get(f"/api/v1/loans/?assigned_to={other_specialist.pk}")) == ["B300"]


def test_paging_alone_skips_the_filter_set(client_for, manager, portfolio, monkeypatch):
    """Only page and page_size: every filter would be empty, so the filter set is not built."""

    def refuse(*args, **kwargs):
        raise AssertionError("the filter set was built")

    monkeypatch.setattr(LoanFilter, "__init__", refuse)
    response = client_for(manager).get("/api/v1/loans/?page=2&page_size=3")
    assert _numbers(response) == ["B400"]
    assert response.json()["count"] == 4


def test_paging_with_a_filter_still_filters(client_for, manager, portfolio):
    assert _numbers(client_for(manager).get("/api/v1/loans/?page=1&page_size=3&status=paid_off")) == ["B400"]
    assert _numbers(client_for(manager).get("/api/v1/loans/?page=1&unknown=x")) == ["A100", "A200", "B300", "B400"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("investor=NOPE", "investor"), ("bucket=31-60", "bucket"), ("assigned_to=999999", "assigned_to")],
)
def test_bad_filter_is_400(client_for, manager, portfolio, query, field):
    error = assert_error(client_for(manager).get(f"/api/v1/loans/?{query}"), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_bucket_filter_uses_the_scan_row_then_the_computed_status(client_for, manager):
    """Scanned loans match by their row's bucket; unscanned ones by the same rules as of the
    latest scan date (MBA: due Sep 1 unpaid on Nov 26 is 60 days; due Nov 1 is 1-29)."""
    ScanRun.objects.create(business_date=date(2026, 11, 26), status=ScanRun.Status.DONE, started_at=timezone.now())
    scanned = LoanFactory(loan_number="S1", next_due_date=date(2026, 9, 1))
    _scan_row(scanned, bucket="30-59", days_past_due=55, mba_status=30, ots_status=30)  # as the scan saw it
    LoanFactory(loan_number="U60", next_due_date=date(2026, 9, 1))
    LoanFactory(loan_number="U1", next_due_date=date(2026, 11, 1))
    LoanFactory(loan_number="U0", next_due_date=date(2026, 12, 1))
    client = client_for(manager)
    assert _numbers(client.get("/api/v1/loans/?bucket=30-59")) == ["S1"]
    assert _numbers(client.get("/api/v1/loans/?bucket=60-89")) == ["U60"]
    assert _numbers(client.get("/api/v1/loans/?bucket=1-29")) == ["U1"]
    assert _numbers(client.get("/api/v1/loans/?bucket=current")) == ["U0"]
    assert _numbers(client.get("/api/v1/loans/?bucket=bankruptcy")) == []


def test_at_risk_filter_reads_the_watchlist_score(client_for, manager):
    risky = LoanFactory(loan_number="R1")
    _scan_row(risky, risk_score=55, risk_reasons=[{"code": "nsf", "message": "NSF return 12 days ago"}])
    calm = LoanFactory(loan_number="R2")
    _scan_row(calm, risk_score=10)
    LoanFactory(loan_number="R3")  # never scanned
    client = client_for(manager)
    assert _numbers(client.get("/api/v1/loans/?at_risk=true")) == ["R1"]
    assert _numbers(client.get("/api/v1/loans/?at_risk=false")) == ["R2", "R3"]
    assert _numbers(client.get("/api/v1/loans/?risk_score_min=10")) == ["R1", "R2"]


# --- Detail -------------------------------------------------------------------------------------


def test_detail_shows_terms_balances_borrower_property_and_delinquency(client_for, specialist, loan):
    PhoneFactory(borrower=loan.borrower, number="404-555-0199")
    ValuationFactory(property=loan.property, value=Decimal("310000.00"), valued_on=date(2026, 6, 1))
    response = client_for(specialist).get(f"/api/v1/loans/{loan.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in body if k not in ("borrower", "property", "created_at", "updated_at")} == {
        "id": loan.pk,
        "loan_number": loan.loan_number,
        "status": "active",
        "investor": "FNMA",
        "program": "GSE_FLEX",
        "lien_position": 1,
        "origination_date": "2020-11-15",
        "original_balance": "200000.00",
        "note_rate": "6.500",
        "original_term_months": 360,
        "remaining_term_months": 311,
        "first_payment_date": "2021-01-01",
        "maturity_date": "2050-12-01",
        "monthly_pi": "1264.14",
        "monthly_escrow": "300.00",
        "monthly_payment": "1564.14",
        "principal_balance": "188000.00",
        "escrow_balance": "1200.00",
        "suspense_balance": "0.00",
        "late_charges_outstanding": "0.00",
        "fees_outstanding": "0.00",
        "deferred_principal": "0.00",
        "next_due_date": "2026-12-01",
        "grace_days": 15,
        "late_charge_pct": "4.000",
        "foreclosure_type": "non_judicial",
        "co_borrower": None,
        "assigned_to": {"id": specialist.pk, "username": "maria", "name": specialist.get_full_name()},
        "days_past_due": 0,
        "mba_status": 0,
        "ots_status": 0,
        "bucket": "current",
        "status_as_of": "2026-11-27",
        "risk_score": 0,
        "risk_reasons": [],
        "holds": [],
    }
    borrower = loan.borrower
    assert body["borrower"]["id"] == borrower.pk
    assert body["borrower"]["full_name"] == borrower.full_name
    assert [p["number"] for p in body["borrower"]["phones"]] == ["***-***-0199"]
    assert body["property"]["state"] == "GA"
    assert body["property"]["market_value"] == "310000.00"
    assert body["property"]["valued_on"] == "2026-06-01"


def test_detail_reads_the_latest_scan_row(client_for, specialist, loan):
    """The contract: values as of the scan's business date, even if computed today they'd differ."""
    _scan_row(
        loan,
        business_date=date(2026, 11, 20),
        days_past_due=81,
        mba_status=60,
        ots_status=60,
        bucket="60-89",
        risk_score=70,
        risk_reasons=[{"code": "nsf", "message": "NSF return 12 days ago"}],
    )
    body = client_for(specialist).get(f"/api/v1/loans/{loan.pk}/").json()
    assert {k: body[k] for k in ("days_past_due", "mba_status", "ots_status", "bucket", "status_as_of")} == {
        "days_past_due": 81,
        "mba_status": 60,
        "ots_status": 60,
        "bucket": "60-89",
        "status_as_of": "2026-11-20",
    }
    assert body["risk_score"] == 70
    assert body["risk_reasons"] == [{"code": "nsf", "message": "NSF return 12 days ago"}]


@pytest.mark.parametrize(
    ("next_due", "scan_date", "expected"),
    [
        # domain.md s.1: oldest unpaid Oct 1 -> on Oct 31 MBA 30 / OTS 0; on Nov 15 both 30.
        (date(2026, 10, 1), date(2026, 10, 31), (30, 30, 0, "30-59", "2026-10-31")),
        (date(2026, 10, 1), date(2026, 11, 15), (45, 30, 30, "30-59", "2026-11-15")),
        # No scan: as of today (Nov 27): due Sep 1 unpaid is 87 days, MBA 60, OTS 60.
        (date(2026, 9, 1), None, (87, 60, 60, "60-89", "2026-11-27")),
        (date(2026, 11, 1), None, (26, 0, 0, "1-29", "2026-11-27")),
    ],
)
def test_unscanned_loan_is_computed_as_of_the_latest_scan_or_today(
    client_for, specialist, next_due, scan_date, expected
):
    if scan_date:
        ScanRun.objects.create(business_date=scan_date, status=ScanRun.Status.DONE, started_at=timezone.now())
    loan = LoanFactory(next_due_date=next_due)
    body = client_for(specialist).get(f"/api/v1/loans/{loan.pk}/").json()
    keys = ("days_past_due", "mba_status", "ots_status", "bucket", "status_as_of")
    assert tuple(body[k] for k in keys) == expected


def test_detail_lists_holds_active_on_the_status_date(client_for, specialist, loan):
    Hold.objects.create(loan=loan, kind="bankruptcy", start_date=date(2026, 11, 1), reason="Chapter 13 filed")
    Hold.objects.create(
        loan=loan, kind="forbearance", start_date=date(2026, 1, 1), end_date=date(2026, 3, 31), reason="Over"
    )
    holds = client_for(specialist).get(f"/api/v1/loans/{loan.pk}/").json()["holds"]
    assert [(h["kind"], h["start_date"], h["end_date"], h["reason"]) for h in holds] == [
        ("bankruptcy", "2026-11-01", None, "Chapter 13 filed")
    ]


def test_unknown_loan_is_404(client_for, specialist, loan):
    assert_error(client_for(specialist).get("/api/v1/loans/999999/"), 404, "loan_not_found", {})
    assert_error(client_for(specialist).get("/api/v1/loans/999999/ledger/"), 404, "loan_not_found", {})


# --- Query counts ---------------------------------------------------------------------------


def _loans(count: int) -> None:
    for index in range(count):
        loan = LoanFactory()
        PhoneFactory(borrower=loan.borrower)
        if index % 2:
            _scan_row(loan, risk_score=index)


# token + user, roles, page count, page rows, the latest scan date (for unscanned loans)
LOAN_LIST_QUERIES = 5


@pytest.mark.parametrize("loans", [3, 25])
def test_loan_list_runs_a_fixed_number_of_queries(client_for, manager, django_assert_max_num_queries, loans):
    _loans(loans)
    client = client_for(manager)
    with django_assert_max_num_queries(LOAN_LIST_QUERIES):
        response = client.get("/api/v1/loans/?page_size=50")
    assert len(response.json()["results"]) == loans


@pytest.mark.parametrize("loans", [3, 25])
def test_loan_detail_runs_a_fixed_number_of_queries(client_for, manager, django_assert_max_num_queries, loans):
    """Detail queries do not grow with the portfolio either (borrower phones, valuations, holds)."""
    _loans(loans)
    loan = Loan.objects.order_by("-id").first()
    client = client_for(manager)
    with django_assert_max_num_queries(9):
        assert client.get(f"/api/v1/loans/{loan.pk}/").status_code == 200


def test_timestamps_are_iso(client_for, manager, loan):
    body = client_for(manager).get(f"/api/v1/loans/{loan.pk}/").json()
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_detail_follows_the_real_scan(client_for, manager):
    """Board over the API, run the scan as of Nov 15, read the loan: the values are the scan's
    (domain.md s.1: oldest unpaid Oct 1 is MBA 30 / OTS 30 on Nov 15), not today's."""
    client = client_for(manager)
    body = {**LOAN, "next_due_date": "2026-10-01", "remaining_term_months": 339}
    loan_id = client.post("/api/v1/loans/", body, format="json").json()["id"]
    call_command("run_delinquency_scan", "--as-of", "2026-11-15", "--no-progress", stdout=StringIO())
    detail = client.get(f"/api/v1/loans/{loan_id}/").json()
    keys = ("days_past_due", "mba_status", "ots_status", "bucket", "status_as_of")
    assert tuple(detail[k] for k in keys) == (45, 30, 30, "30-59", "2026-11-15")
    listed = client.get("/api/v1/loans/?bucket=30-59").json()["results"]
    assert [item["id"] for item in listed] == [loan_id]


# --- Counting big lists ------------------------------------------------------------------------


@pytest.fixture
def small_count_limit(monkeypatch):
    """Three loans count as a big list; the count cache starts empty and is emptied after."""
    from django.core.cache import cache

    from borrowers import api

    monkeypatch.setattr(api, "COUNT_EXACT_LIMIT", 2)
    cache.clear()
    yield
    cache.clear()


def test_a_big_list_counts_once_then_reuses_the_count(
    client_for, manager, small_count_limit, django_assert_num_queries
):
    """Past the exact-count limit the first page counts every row; the next pages reuse that
    count (one query fewer each) and still say how many pages there are."""
    _loans(3)
    client = client_for(manager)
    with django_assert_num_queries(LOAN_LIST_QUERIES + 1):  # the capped count, then the full count
        first = client.get("/api/v1/loans/?page_size=2").json()
    with django_assert_num_queries(LOAN_LIST_QUERIES - 1):
        second = client.get("/api/v1/loans/?page_size=2&page=2").json()
    assert (first["count"], second["count"]) == (3, 3)
    assert first["next"].endswith("/api/v1/loans/?page=2&page_size=2")
    assert (second["next"], len(second["results"])) == (None, 1)


def test_a_small_list_is_counted_exactly_on_every_request(client_for, manager, small_count_limit):
    """A filtered list under the limit is never served a cached count: a new loan shows at once."""
    _loans(3)
    client = client_for(manager)
    assert client.get("/api/v1/loans/?state=TX&page_size=1").json()["count"] == 0
    LoanFactory(property__state="TX")
    assert client.get("/api/v1/loans/?state=TX&page_size=1").json()["count"] == 1
