"""POST /api/v1/loans/ and POST /api/v1/loans/bulk/: boarding through borrowers.services.loan_board."""

import pytest

from audit.models import AuditEvent
from borrowers.models import Borrower, LedgerTransaction, Loan, Property
from tests.api.conftest import assert_error

# The fixed request fields of api-contract.md, with the contract's example loan.
LOAN = {
    "loan_number": "2026000001",
    "borrower": {
        "first_name": "Ana",
        "last_name": "Lopez",
        "phone": "404-555-0101",
        "email": "ana.lopez@example.com",
        "mailing_state": "GA",
    },
    "property": {"state": "CA", "occupancy": "owner", "market_value": "300000.00"},
    "investor": "FNMA",
    "program": "GSE_FLEX",
    "original_balance": "250000.00",
    "principal_balance": "240000.00",
    "note_rate": "7.000",
    "original_term_months": 360,
    "remaining_term_months": 340,
    "first_payment_date": "2025-04-01",
    "next_due_date": "2026-09-01",
    "monthly_escrow": "400.00",
}


def _nothing_boarded() -> None:
    assert Loan.objects.count() == 0
    assert Borrower.objects.count() == 0
    assert Property.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0
    assert not AuditEvent.objects.filter(action="loan.board").exists()


def test_manager_boards_a_loan_and_gets_it_back_with_computed_pi(client_for, manager):
    """7.000% on 250,000.00 over 360 months: the level payment is 1,663.26."""
    response = client_for(manager).post("/api/v1/loans/", LOAN, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    loan = Loan.objects.get()
    assert body["id"] == loan.pk
    assert body["loan_number"] == "2026000001"
    assert body["monthly_pi"] == "1663.26"
    assert body["monthly_payment"] == "2063.26"
    assert body["principal_balance"] == "240000.00"
    assert body["note_rate"] == "7.000"
    assert body["remaining_term_months"] == 340
    assert body["maturity_date"] == "2055-03-01"
    assert body["foreclosure_type"] == "non_judicial"
    assert body["borrower"]["full_name"] == "Ana Lopez"
    assert [p["number"] for p in body["borrower"]["phones"]] == ["***-***-0101"]
    assert body["property"]["state"] == "CA"
    assert body["property"]["market_value"] == "300000.00"
    # Due Sep 1 and unpaid on Nov 27 (no scan yet): 87 days, MBA 60, OTS 60.
    assert (body["days_past_due"], body["mba_status"], body["ots_status"], body["bucket"]) == (87, 60, 60, "60-89")
    assert body["status_as_of"] == "2026-11-27"
    assert loan.ledger.get().kind == LedgerTransaction.Kind.OPENING
    assert AuditEvent.objects.filter(action="loan.board", loan_id=loan.pk, actor=manager).count() == 1


def test_monthly_pi_given_is_kept(client_for, admin_user):
    response = client_for(admin_user).post("/api/v1/loans/", {**LOAN, "monthly_pi": "1700.00"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["monthly_pi"] == "1700.00"


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("outsider", 403, "permission_denied"),
        ("specialist", 403, "forbidden"),
        ("manager", 201, None),
        ("admin", 201, None),
    ],
    indirect=["persona"],
)
def test_who_may_board(client_for, persona, status, code):
    """Managers and admins board loans; specialists and people without a role cannot."""
    for url, body in (("/api/v1/loans/", LOAN), ("/api/v1/loans/bulk/", [{**LOAN, "loan_number": "2026000002"}])):
        response = client_for(persona).post(url, body, format="json")
        assert response.status_code == status, response.content
        if code is not None:
            assert response.json()["code"] == code
    assert Loan.objects.count() == (2 if code is None else 0)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"note_rate": "seven"}, {"note_rate": ["A valid number is required."]}),
        ({"note_rate": "7.0001"}, {"note_rate": ["Ensure that there are no more than 3 decimal places."]}),
        ({"investor": "ACME"}, {"investor": ['"ACME" is not a valid choice.']}),
        ({"first_payment_date": "04/01/2025"}, None),
        ({"borrower": {"first_name": "Ana"}}, {"borrower.last_name": ["This field is required."]}),
        ({"property": {"state": "XX", "occupancy": "owner"}}, {"property.state": ['"XX" is not a valid choice.']}),
        # Rules the service checks: installments fall on the note's due day.
        ({"next_due_date": "2026-09-02"}, {"next_due_date": ["Installments fall due on day 1 of the month."]}),
    ],
)
def test_bad_input_is_400_and_boards_nothing(client_for, manager, change, fields):
    response = client_for(manager).post("/api/v1/loans/", {**LOAN, **change}, format="json")
    error = assert_error(response, 400, "invalid", fields)
    if fields is None:
        assert list(error["fields"]) == list(change)
    _nothing_boarded()


def test_missing_fields_are_each_reported(client_for, manager):
    response = client_for(manager).post("/api/v1/loans/", {"loan_number": "X1"}, format="json")
    error = assert_error(response, 400, "invalid")
    assert sorted(error["fields"]) == [
        "borrower",
        "first_payment_date",
        "investor",
        "monthly_escrow",
        "next_due_date",
        "note_rate",
        "original_balance",
        "original_term_months",
        "property",
    ]
    _nothing_boarded()


def test_duplicate_loan_number_is_409(client_for, manager):
    client = client_for(manager)
    assert client.post("/api/v1/loans/", LOAN, format="json").status_code == 201
    response = client.post("/api/v1/loans/", LOAN, format="json")
    assert_error(response, 409, "duplicate_loan_number", {"loan_number": ["A loan with this number already exists."]})
    assert Loan.objects.count() == 1


def test_boarding_replayed_with_its_key_returns_the_loan_instead_of_a_conflict(client_for, manager):
    client = client_for(manager)
    first = client.post("/api/v1/loans/", LOAN, format="json", HTTP_IDEMPOTENCY_KEY="feed-0001")
    second = client.post("/api/v1/loans/", LOAN, format="json", HTTP_IDEMPOTENCY_KEY="feed-0001")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert Loan.objects.count() == 1


# --- Bulk -----------------------------------------------------------------------------------


def _batch(*numbers: str, **change) -> list[dict]:
    return [{**LOAN, "loan_number": number, **change} for number in numbers]


def test_bulk_boards_every_loan_in_order(client_for, manager):
    response = client_for(manager).post("/api/v1/loans/bulk/", _batch("B1", "B2", "B3"), format="json")
    assert response.status_code == 201, response.content
    loans = {loan.loan_number: loan for loan in Loan.objects.all()}
    assert response.json() == {
        "count": 3,
        "results": [
            {"index": i, "id": loans[number].pk, "loan_number": number, "monthly_pi": "1663.26"}
            for i, number in enumerate(("B1", "B2", "B3"))
        ],
    }
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.OPENING).count() == 3


def test_bulk_with_bad_items_reports_each_by_index_and_boards_none(client_for, manager):
    batch = _batch("B1", "B2", "B3")
    batch[1]["note_rate"] = "x"
    batch[2]["borrower"] = {"first_name": "Ana"}
    response = client_for(manager).post("/api/v1/loans/bulk/", batch, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Some loans have invalid fields.",
        "fields": {
            "[1].note_rate": ["A valid number is required."],
            "[2].borrower.last_name": ["This field is required."],
        },
        "errors": [
            {
                "index": 1,
                "code": "invalid",
                "message": "The loan has invalid fields.",
                "fields": {"note_rate": ["A valid number is required."]},
            },
            {
                "index": 2,
                "code": "invalid",
                "message": "The loan has invalid fields.",
                "fields": {"borrower.last_name": ["This field is required."]},
            },
        ],
    }
    _nothing_boarded()


def test_bulk_rolls_back_every_loan_when_one_is_refused(client_for, manager):
    """The third loan repeats the first's number: the service refuses it, and the first two
    (already written in the transaction) are rolled back with it."""
    response = client_for(manager).post("/api/v1/loans/bulk/", _batch("B1", "B2", "B1"), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_loan_number"
    assert body["fields"] == {"[2].loan_number": ["A loan with this number already exists."]}
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(2, "duplicate_loan_number")]
    _nothing_boarded()


def test_bulk_reports_every_refused_loan(client_for, manager):
    batch = _batch("B1", "B2", "B3")
    batch[0]["next_due_date"] = "2026-09-02"
    batch[2]["next_due_date"] = "2026-09-03"
    body = client_for(manager).post("/api/v1/loans/bulk/", batch, format="json").json()
    assert body["code"] == "bulk_refused"
    assert body["message"] == "2 loans were refused; nothing was boarded."
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(0, "invalid"), (2, "invalid")]
    _nothing_boarded()


@pytest.mark.parametrize("body", [{}, [], "loans", [None]])
def test_bulk_needs_a_list_of_loans(client_for, manager, body):
    response = client_for(manager).post("/api/v1/loans/bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    _nothing_boarded()
