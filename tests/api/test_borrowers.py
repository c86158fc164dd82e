"""GET /api/v1/borrowers/ and /api/v1/borrowers/{id}/: phones masked in lists, SSN last four only."""

import pytest

from tests.api.conftest import assert_error
from tests.factories import BorrowerFactory, LoanFactory, PhoneFactory


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("outsider", 403), ("specialist", 200), ("manager", 200), ("admin", 200)],
    indirect=["persona"],
)
def test_every_lossmit_role_reads_borrowers(client_for, persona, loan, status):
    client = client_for(persona)
    assert client.get("/api/v1/borrowers/").status_code == status
    assert client.get(f"/api/v1/borrowers/{loan.borrower_id}/").status_code == status


def test_list_masks_phones_to_the_last_four_digits(client_for, specialist):
    borrower = BorrowerFactory(first_name="Ana", last_name="Lopez", email="ana@example.com", ssn_last4="6789")
    home = PhoneFactory(
        borrower=borrower, number="(404) 555-0101", kind="home", is_primary=False, consent_to_call=False
    )
    primary = PhoneFactory(borrower=borrower, number="+1 678 555 0199")
    body = client_for(specialist).get("/api/v1/borrowers/").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item == {
        "id": borrower.pk,
        "first_name": "Ana",
        "last_name": "Lopez",
        "full_name": "Ana Lopez",
        "email": "a***@e***.com",  # masked in lists, like the phones (issue 7)
        "ssn_last4": "6789",
        "mailing_state": "GA",
        "phones": [
            {"id": primary.pk, "number": "***-***-0199", "kind": "mobile", "is_primary": True, "consent_to_call": True},
            {
                "id": home.pk,
                "number": "***-***-0101",
                "kind": "home",
                "is_primary": False,
                "consent_to_call": False,
            },
        ],
    }
    assert "ssn" not in item


def test_detail_shows_full_phones_and_the_loans(client_for, specialist):
    loan = LoanFactory(loan_number="1000000777")
    PhoneFactory(borrower=loan.borrower, number="404-555-0101")
    co_loan = LoanFactory(loan_number="1000000778", co_borrower=loan.borrower)
    body = client_for(specialist).get(f"/api/v1/borrowers/{loan.borrower_id}/").json()
    assert [p["number"] for p in body["phones"]] == ["404-555-0101"]
    assert body["loans"] == [{"id": loan.pk, "loan_number": "1000000777", "status": "active"}]
    assert body["co_borrowed_loans"] == [{"id": co_loan.pk, "loan_number": "1000000778", "status": "active"}]
    assert body["mailing_address1"] == "12 Elm Street"
    assert body["ssn_last4"] == "1234"


@pytest.mark.parametrize(("query", "expected"), [("last_name=lo", ["Lopez"]), ("mailing_state=TX", ["Smith"])])
def test_list_filters(client_for, manager, query, expected):
    BorrowerFactory(last_name="Lopez")
    BorrowerFactory(last_name="Smith", mailing_state="TX")
    body = client_for(manager).get(f"/api/v1/borrowers/?{query}").json()
    assert [item["last_name"] for item in body["results"]] == expected


def test_unknown_borrower_is_404(client_for, specialist):
    assert_error(client_for(specialist).get("/api/v1/borrowers/999999/"), 404, "borrower_not_found", {})


# token + user, roles, page count, page rows, phones
BORROWER_LIST_QUERIES = 5


@pytest.mark.parametrize("borrowers", [3, 25])
def test_borrower_list_runs_a_fixed_number_of_queries(client_for, manager, django_assert_max_num_queries, borrowers):
    for _ in range(borrowers):
        PhoneFactory(borrower=BorrowerFactory())
        PhoneFactory(borrower=BorrowerFactory(), is_primary=False)
    client = client_for(manager)
    with django_assert_max_num_queries(BORROWER_LIST_QUERIES):
        response = client.get("/api/v1/borrowers/?page_size=100")
    assert response.json()["count"] == 2 * borrowers
