"""The loan search page (/loans/) and the start page (/) that leads to it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from borrowers.models import Loan
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory, PropertyFactory

NEW_YORK = ZoneInfo("America/New_York")
SEARCH = reverse("loan-search")


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)
    return date(2026, 11, 27)


@pytest.fixture
def portfolio(db):
    """Three loans with distinct names, phones and streets; the last one is paid off."""
    ada = BorrowerFactory(first_name="Ada", last_name="Okafor")
    PhoneFactory(borrower=ada, number="(404) 555-0101")
    carla = BorrowerFactory(first_name="Carla", last_name="Reyes")
    PhoneFactory(borrower=carla, number="404-555-0202")
    dan = BorrowerFactory(first_name="Dan", last_name="Brown")
    eve = BorrowerFactory(first_name="Eve", last_name="Okafor")
    PhoneFactory(borrower=eve, number="+1 678 555 0303")
    return {
        "A": LoanFactory(
            loan_number="2000000001",
            borrower=ada,
            property=PropertyFactory(address1="12 Magnolia Lane", city="Decatur", state="GA"),
            next_due_date=date(2026, 10, 1),
        ),
        "B": LoanFactory(
            loan_number="2000000002",
            borrower=carla,
            property=PropertyFactory(address1="77 Peachtree Road", city="Atlanta", state="GA"),
        ),
        "C": LoanFactory(
            loan_number="1000000003",
            borrower=dan,
            co_borrower=eve,
            property=PropertyFactory(address1="5 Magnolia Court", city="Austin", state="TX"),
            status=Loan.Status.PAID_OFF,
        ),
    }


def found(client, query: str) -> list[str]:
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    return [loan.loan_number for loan in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("persona", "landing"),
    [("specialist", "/delinquency/worklist/"), ("manager", "/workouts/approvals/"), ("admin_user", "/rules/")],
)
def test_home_opens_where_each_roles_day_starts(client, request, persona, landing):
    """Specialists land on the worklist, managers on approvals, admins on the rules page."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == landing


@pytest.mark.parametrize("path", ["/", SEARCH])
def test_anonymous_user_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", ["/", SEARCH])
def test_user_without_role_gets_403(client, outsider, path):
    client.force_login(outsider)
    response = client.get(path)
    assert response.status_code == 403
    assert b"You cannot open this page" in response.content


@pytest.mark.parametrize("persona", ["specialist", "manager", "admin_user"])
def test_every_role_can_search(client, request, persona, portfolio):
    client.force_login(request.getfixturevalue(persona))
    assert found(client, "") == ["2000000001", "2000000002", "1000000003"]


def test_empty_query_lists_active_loans_first_then_by_loan_number(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "") == ["2000000001", "2000000002", "1000000003"]


def test_finds_by_loan_number_prefix_only(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "2000") == ["2000000001", "2000000002"]
    assert found(client, "2000000002") == ["2000000002"]
    assert found(client, "000000") == []  # inside the number, not its start


def test_finds_by_borrower_and_co_borrower_last_name(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "okafor") == ["2000000001", "1000000003"]
    assert found(client, "REYES") == ["2000000002"]


def test_finds_by_full_name(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "Ada Okafor") == ["2000000001"]
    assert found(client, "eve okafor") == ["1000000003"]
    assert found(client, "  Carla   Reyes ") == ["2000000002"]


def test_finds_by_phone_digits_whatever_the_punctuation(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "4045550101") == ["2000000001"]
    assert found(client, "555-0202") == ["2000000002"]
    assert found(client, "(678) 555-0303") == ["1000000003"]  # the co-borrower's phone
    assert found(client, "404 555") == ["2000000001", "2000000002"]


def test_short_digit_queries_do_not_match_phones(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "555") == []


def test_finds_by_street_address(client, specialist, portfolio):
    client.force_login(specialist)
    assert found(client, "magnolia") == ["2000000001", "1000000003"]
    assert found(client, "77 Peachtree") == ["2000000002"]


def test_no_match_shows_an_empty_state(client, specialist, portfolio):
    client.force_login(specialist)
    response = client.get(SEARCH, {"q": "Zebulon"})
    assert response.context["page"].paginator.count == 0
    assert "No loans match “Zebulon”." in response.content.decode()


def test_results_row_shows_the_loan_facts_and_masks_the_phone(client, specialist, portfolio):
    client.force_login(specialist)
    html = client.get(SEARCH, {"q": "2000000001"}).content.decode()
    assert "Ada Okafor" in html
    assert "***-***-0101" in html
    assert "555-0101" not in html
    assert "Decatur, GA" in html
    assert "Fannie Mae" in html
    assert "Oct 1, 2026" in html
    # 2026-11-27 minus 2026-10-01: 57 days past due, bucket 30-59.
    assert '57 <span class="badge bucket-30-59">30-59</span>' in html
    assert "188,000.00" in html
    assert "Active" in html


def test_paging_is_25_a_page_in_loan_number_order(client, specialist):
    loans = [LoanFactory(loan_number=f"55{n:08d}") for n in range(30)]
    numbers = sorted(loan.loan_number for loan in loans)
    client.force_login(specialist)
    first = client.get(SEARCH, {"q": "55"})
    second = client.get(SEARCH, {"q": "55", "page": 2})
    assert [loan.loan_number for loan in first.context["page"]] == numbers[:25]
    assert [loan.loan_number for loan in second.context["page"]] == numbers[25:]
    assert "Page 1 of 2" in first.content.decode()
    assert "?q=55&amp;page=2" in first.content.decode()


def test_browsing_without_a_query_pages_active_loans_first_across_the_boundary(client, specialist):
    loans = [
        LoanFactory(loan_number=f"66{n:08d}", status=Loan.Status.PAID_OFF if n % 3 == 0 else Loan.Status.ACTIVE)
        for n in range(30)
    ]
    active = sorted(loan.loan_number for loan in loans if loan.status == Loan.Status.ACTIVE)
    others = sorted(loan.loan_number for loan in loans if loan.status != Loan.Status.ACTIVE)
    assert (len(active), len(others)) == (20, 10)
    client.force_login(specialist)
    first = client.get(SEARCH)
    second = client.get(SEARCH, {"page": 2})
    assert [loan.loan_number for loan in first.context["page"]] == active + others[:5]
    assert [loan.loan_number for loan in second.context["page"]] == others[5:]
    assert first.context["page"].paginator.count == 30
    assert client.get(SEARCH, {"page": 99}).context["page"].number == 2


def test_out_of_range_page_shows_the_last_page(client, specialist):
    for n in range(30):
        LoanFactory(loan_number=f"55{n:08d}")
    client.force_login(specialist)
    assert client.get(SEARCH, {"q": "55", "page": 99}).context["page"].number == 2
    assert client.get(SEARCH, {"q": "55", "page": "x"}).context["page"].number == 1
    assert client.get(SEARCH, {"q": "55", "page": "9" * 30}).context["page"].number == 2
    assert client.get(SEARCH, {"q": "55", "page": "-3"}).context["page"].number == 1


def test_htmx_request_gets_only_the_results_partial(client, specialist, portfolio):
    client.force_login(specialist)
    response = client.get(SEARCH, {"q": "okafor"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "2 loans matching “okafor”" in html


def _make_loans(count: int) -> None:
    for n in range(count):
        loan = LoanFactory(loan_number=f"77{n:08d}")
        PhoneFactory(borrower=loan.borrower)
        PhoneFactory(borrower=loan.borrower, is_primary=False)


# session, user, roles; then with a query: page of ids with the total count; without one:
# active segment, other segment (only when the active one is short); then those loans and
# their phones. Nothing counts the portfolio.
SEARCH_QUERIES = 6
BROWSE_QUERIES = 7


@pytest.mark.parametrize("count", [3, 30])
def test_search_page_runs_a_fixed_number_of_queries(client, specialist, django_assert_max_num_queries, count):
    _make_loans(count)
    client.force_login(specialist)
    with django_assert_max_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH, {"q": "77"})
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [3, 30])
def test_browse_page_runs_a_fixed_number_of_queries(client, specialist, django_assert_max_num_queries, count):
    _make_loans(count)
    Loan.objects.filter(loan_number__in=["7700000000", "7700000002"]).update(status=Loan.Status.PAID_OFF)
    client.force_login(specialist)
    with django_assert_max_num_queries(BROWSE_QUERIES):
        response = client.get(SEARCH, {"page": 2 if count > 25 else 1})
    assert response.context["page"].paginator.count == count


def _browse_limit(monkeypatch, limit: int) -> None:
    monkeypatch.setattr("borrowers.selectors.BROWSE_LIMIT", limit)


def test_browsing_stops_at_the_limit_and_says_so(client, specialist, monkeypatch):
    """Without a query the page lists the first BROWSE_LIMIT loans in search order, not all."""
    _browse_limit(monkeypatch, 30)
    loans = [
        LoanFactory(loan_number=f"66{n:08d}", status=Loan.Status.PAID_OFF if n % 4 == 0 else Loan.Status.ACTIVE)
        for n in range(40)
    ]
    active = sorted(loan.loan_number for loan in loans if loan.status == Loan.Status.ACTIVE)
    others = sorted(loan.loan_number for loan in loans if loan.status != Loan.Status.ACTIVE)
    assert (len(active), len(others)) == (30, 10)
    client.force_login(specialist)
    first = client.get(SEARCH)
    second = client.get(SEARCH, {"page": 2})
    assert [loan.loan_number for loan in first.context["page"]] == active[:25]
    assert [loan.loan_number for loan in second.context["page"]] == active[25:30]
    assert first.context["page"].paginator.count == 30
    assert first.context["page"].is_capped
    html = first.content.decode()
    assert "Loans (showing the first 30)" in html
    assert "Search to find any other loan." in html
    assert "Loans 1\u201325 of the first 30" in html
    assert "All loans" not in html
    assert client.get(SEARCH, {"page": 99}).context["page"].number == 2


def test_browsing_under_the_limit_lists_all_loans(client, specialist, monkeypatch, portfolio):
    _browse_limit(monkeypatch, 3)
    client.force_login(specialist)
    response = client.get(SEARCH)
    assert not response.context["page"].is_capped
    assert "All loans (3)" in response.content.decode()
    assert "showing the first" not in response.content.decode()


def test_a_search_is_never_capped(client, specialist, monkeypatch):
    _browse_limit(monkeypatch, 10)
    for n in range(30):
        LoanFactory(loan_number=f"55{n:08d}")
    client.force_login(specialist)
    response = client.get(SEARCH, {"q": "55"})
    assert response.context["page"].paginator.count == 30
    assert not response.context["page"].is_capped
    assert "30 loans matching “55”" in response.content.decode()


@pytest.mark.parametrize("count", [12, 40])
def test_browse_past_the_limit_runs_a_fixed_number_of_queries(
    client, specialist, django_assert_max_num_queries, monkeypatch, count
):
    """Past the limit the active segment alone answers: one query fewer, whatever the size."""
    _browse_limit(monkeypatch, 10)
    _make_loans(count)
    client.force_login(specialist)
    with django_assert_max_num_queries(BROWSE_QUERIES - 1):
        response = client.get(SEARCH, {"page": 1})
    assert response.context["page"].paginator.count == 10
