"""loan_board: boarding creates borrower, property, loan, opening ledger row and audit, or nothing."""

import contextlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from borrowers.services import ledger_mismatches, loan_board, payment_post
from lossmit.errors import BadInput, DomainError, PermissionRefused
from tests.borrowers.test_payment_post import today

__all__ = ["today"]  # the fixture, imported so pytest finds it here

D = Decimal


def payload(**overrides) -> dict:
    """The fields POST /api/v1/loans/ sends (api-contract.md), as its serializer hands them over."""
    data = {
        "loan_number": "2000000001",
        "borrower": {
            "first_name": "Ana",
            "last_name": "Lopez",
            "phone": "404-555-0101",
            "email": "ana.lopez@example.com",
            "mailing_state": "GA",
        },
        "property": {"state": "GA", "occupancy": "owner", "market_value": D("300000.00")},
        "investor": "FNMA",
        "original_balance": D("200000.00"),
        "principal_balance": D("188000.00"),
        "note_rate": D("6.500"),
        "original_term_months": 360,
        "first_payment_date": date(2021, 1, 1),
        "next_due_date": date(2026, 12, 1),
        "monthly_escrow": D("300.00"),
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Borrower, Phone, Property, Valuation, Loan, LedgerTransaction, AuditEvent)
    )


def test_manager_boards_a_loan_with_computed_terms(manager, today):
    """Boarding computes P&I 1,264.14, maturity 2050-12-01, 289 months left, GSE_FLEX, non-judicial GA."""
    loan = loan_board(actor=manager, **payload())
    loan.refresh_from_db()
    assert (loan.monthly_pi, loan.maturity_date, loan.remaining_term_months) == (
        D("1264.14"),
        date(2050, 12, 1),
        289,
    )
    assert (loan.program, loan.foreclosure_type, loan.status, loan.lien_position) == (
        "GSE_FLEX",
        "non_judicial",
        "active",
        1,
    )
    assert (loan.origination_date, loan.grace_days, loan.late_charge_pct) == (date(2020, 12, 1), 15, D("4.000"))
    assert (loan.principal_balance, loan.escrow_balance, loan.suspense_balance) == (
        D("188000.00"),
        D("0.00"),
        D("0.00"),
    )
    assert loan.monthly_payment == D("1564.14")


def test_boarding_creates_borrower_phone_property_and_valuation(manager, today):
    """The borrower, a primary phone without assumed call consent, the property and a BPO as of today."""
    loan = loan_board(actor=manager, **payload())
    borrower = loan.borrower
    assert (borrower.full_name, borrower.email, borrower.mailing_state, borrower.ssn_last4) == (
        "Ana Lopez",
        "ana.lopez@example.com",
        "GA",
        "",
    )
    phone = borrower.phones.get()
    assert (phone.number, phone.kind, phone.is_primary, phone.consent_to_call) == (
        "404-555-0101",
        "mobile",
        True,
        False,
    )
    assert (loan.property.state, loan.property.occupancy) == ("GA", "owner")
    valuation = loan.property.valuations.get()
    assert (valuation.value, valuation.valued_on, valuation.kind) == (D("300000.00"), date(2026, 11, 28), "bpo")
    assert loan.co_borrower is None


def test_boarding_writes_the_opening_ledger_row_and_one_audit_event(manager, today):
    """The ledger opens at the boarded balances, sums to the loan, and one audit event records it."""
    loan = loan_board(actor=manager, **payload(escrow_balance=D("-150.00")))
    opening = loan.ledger.get()
    assert (opening.kind, opening.seq, opening.effective_date, opening.principal, opening.escrow) == (
        "opening",
        1,
        date(2026, 11, 28),
        D("188000.00"),
        D("-150.00"),
    )
    assert (opening.next_due_date_after, opening.created_by) == (date(2026, 12, 1), manager)
    assert not ledger_mismatches([loan.pk]).exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.loan_id, event.before) == ("loan.board", manager, loan.pk, None)
    assert event.after["monthly_pi"] == "1264.14"
    assert event.after["principal_balance"] == "188000.00"


def test_boarded_loan_takes_payments(manager, specialist, today):
    """A boarded loan is ready for posting: one installment moves next due to Jan 1."""
    loan = loan_board(actor=manager, **payload())
    payment_post(actor=specialist, loan_id=loan.pk, amount=D("1564.14"))
    loan.refresh_from_db()
    assert (loan.next_due_date, loan.principal_balance) == (date(2027, 1, 1), D("187754.19"))


def test_admin_boards_too(admin_user, today):
    """Admins may board."""
    assert loan_board(actor=admin_user, **payload()).pk


@pytest.mark.parametrize(
    ("investor", "program"),
    [("FNMA", "GSE_FLEX"), ("FHLMC", "GSE_FLEX"), ("FHA", "FHA_HAMP"), ("VA", "HAMP_31"), ("PORTFOLIO", "PORTFOLIO")],
)
def test_program_defaults_by_investor(manager, today, investor, program):
    """Without a program the investor picks it (DEFAULT_PROGRAM_BY_INVESTOR)."""
    assert loan_board(actor=manager, **payload(investor=investor)).program == program


def test_explicit_program_wins(manager, today):
    """A program given explicitly is kept."""
    assert loan_board(actor=manager, **payload(investor="FHA", program="PORTFOLIO")).program == "PORTFOLIO"


@pytest.mark.parametrize(("state", "kind"), [("NY", "judicial"), ("FL", "judicial"), ("CA", "non_judicial")])
def test_foreclosure_type_follows_property_state(manager, today, state, kind):
    """Judicial or non-judicial comes from the property's state."""
    loan = loan_board(actor=manager, **payload(property={"state": state, "occupancy": "owner"}))
    assert loan.foreclosure_type == kind
    assert not loan.property.valuations.exists()  # no market value, no valuation


def test_given_terms_are_kept(manager, today):
    """P&I, remaining term, origination date, lien, grace and late-charge percent given are stored as given."""
    loan = loan_board(
        actor=manager,
        **payload(
            monthly_pi=D("1300.00"),
            remaining_term_months=300,
            origination_date=date(2020, 11, 15),
            lien_position=2,
            grace_days=10,
            late_charge_pct=D("5.000"),
        ),
    )
    loan.refresh_from_db()
    assert (loan.monthly_pi, loan.remaining_term_months, loan.origination_date) == (
        D("1300.00"),
        300,
        date(2020, 11, 15),
    )
    assert (loan.lien_position, loan.grace_days, loan.late_charge_pct) == (2, 10, D("5.000"))


def test_plain_strings_are_accepted(manager, today):
    """Importers may pass amounts and dates as strings; they are parsed exactly."""
    loan = loan_board(
        actor=manager,
        **payload(
            original_balance="100000.00",
            principal_balance="95000.10",
            note_rate="5",
            original_term_months="360",
            first_payment_date="2023-03-31",
            next_due_date="2026-11-30",
            monthly_escrow="0",
            property={"state": "TX", "occupancy": "investment", "market_value": "150000", "valued_on": "2026-10-01"},
        ),
    )
    loan.refresh_from_db()
    assert (loan.monthly_pi, loan.principal_balance, loan.note_rate) == (D("536.82"), D("95000.10"), D("5.000"))
    assert (loan.maturity_date, loan.remaining_term_months) == (date(2053, 2, 28), 316)
    assert loan.property.valuations.get().valued_on == date(2026, 10, 1)


def test_floats_keep_their_cents(manager, today):
    """A float amount from a spreadsheet importer is read by its shortest repr: 1264.14 stays 1264.14."""
    loan = loan_board(actor=manager, **payload(monthly_pi=1264.14, monthly_escrow=300.1, principal_balance=188000.0))
    loan.refresh_from_db()
    assert (loan.monthly_pi, loan.monthly_escrow, loan.principal_balance) == (
        D("1264.14"),
        D("300.10"),
        D("188000.00"),
    )


def test_principal_defaults_to_original_balance(manager, today):
    """A new loan boarded without a current balance owes its original balance."""
    data = payload(next_due_date=date(2021, 1, 1))
    del data["principal_balance"]
    loan = loan_board(actor=manager, **data)
    assert (loan.principal_balance, loan.remaining_term_months) == (D("200000.00"), 360)


def test_co_borrower_and_several_phones(manager, today):
    """A co-borrower and a phone list (kind, consent) are created; the first phone is primary."""
    loan = loan_board(
        actor=manager,
        **payload(
            borrower={
                "first_name": "Ana",
                "last_name": "Lopez",
                "phones": [
                    {"number": "404-555-0101", "kind": "home", "consent_to_call": True},
                    {"number": "404-555-0102", "kind": "work"},
                ],
                "preferred_language": "es",
                "ssn_last4": "6789",
            },
            co_borrower={"first_name": "Luis", "last_name": "Lopez", "phone": "404-555-0103"},
        ),
    )
    phones = list(
        loan.borrower.phones.order_by("number").values_list("number", "kind", "consent_to_call", "is_primary")
    )
    assert phones == [("404-555-0101", "home", True, True), ("404-555-0102", "work", False, False)]
    assert (loan.borrower.preferred_language, loan.borrower.ssn_last4) == ("es", "6789")
    assert loan.co_borrower.full_name == "Luis Lopez"
    assert loan.co_borrower.phones.get().is_primary


# Refusals write nothing. -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["specialist", "outsider"])
def test_only_managers_and_admins_may_board(persona, request, today):
    """Specialists and outsiders are refused (403) and nothing is created."""
    actor = request.getfixturevalue(persona)
    before = counts()
    with pytest.raises(PermissionRefused) as caught:
        loan_board(actor=actor, **payload())
    assert (caught.value.code, caught.value.status) == ("forbidden", 403)
    assert counts() == before


def test_duplicate_loan_number_is_a_conflict(manager, today):
    """Boarding a loan number twice is refused with duplicate_loan_number (409); nothing new is created."""
    loan_board(actor=manager, **payload())
    before = counts()
    with pytest.raises(DomainError) as caught:
        loan_board(actor=manager, **payload(borrower={"first_name": "Other", "last_name": "Person"}))
    assert (caught.value.code, caught.value.status) == ("duplicate_loan_number", 409)
    assert "loan_number" in caught.value.fields
    assert counts() == before


@pytest.mark.parametrize(
    ("_case", "overrides", "field"),
    [
        ("unknown property state", {"property": {"state": "ZZ", "occupancy": "owner"}}, "property.state"),
        ("missing property state", {"property": {"occupancy": "owner"}}, "property.state"),
        ("unknown occupancy", {"property": {"state": "GA", "occupancy": "castle"}}, "property.occupancy"),
        ("zero market value", {"property": {"state": "GA", "market_value": "0"}}, "property.market_value"),
        ("property not an object", {"property": "GA"}, "property"),
        ("unknown investor", {"investor": "BANK"}, "investor"),
        ("unknown program", {"program": "FREE_HOUSE"}, "program"),
        ("blank loan number", {"loan_number": "  "}, "loan_number"),
        ("loan number too long", {"loan_number": "1" * 21}, "loan_number"),
        ("missing last name", {"borrower": {"first_name": "Ana"}}, "borrower.last_name"),
        ("bad email", {"borrower": {"first_name": "A", "last_name": "B", "email": "nope"}}, "borrower.email"),
        ("bad phone", {"borrower": {"first_name": "A", "last_name": "B", "phone": "call me"}}, "borrower.phone"),
        ("bad SSN digits", {"borrower": {"first_name": "A", "last_name": "B", "ssn_last4": "12a4"}},
         "borrower.ssn_last4"),
        ("bad mailing state", {"borrower": {"first_name": "A", "last_name": "B", "mailing_state": "XX"}},
         "borrower.mailing_state"),
        ("co-borrower without a name", {"co_borrower": {"first_name": "Luis"}}, "co_borrower.last_name"),
        ("negative original balance", {"original_balance": D("-1.00")}, "original_balance"),
        ("zero principal", {"principal_balance": D("0.00")}, "principal_balance"),
        ("three decimals", {"original_balance": D("200000.001")}, "original_balance"),
        ("not a number", {"original_balance": "lots"}, "original_balance"),
        ("NaN", {"principal_balance": D("NaN")}, "principal_balance"),
        ("absurd size", {"original_balance": D("1E+30")}, "original_balance"),
        ("negative rate", {"note_rate": D("-1.000")}, "note_rate"),
        ("rate of 100%", {"note_rate": D("100.000")}, "note_rate"),
        ("rate with four decimals", {"note_rate": D("6.5001")}, "note_rate"),
        ("zero term", {"original_term_months": 0}, "original_term_months"),
        ("term over 50 years", {"original_term_months": 601}, "original_term_months"),
        ("fractional term", {"original_term_months": 360.5}, "original_term_months"),
        ("negative escrow", {"monthly_escrow": D("-1.00")}, "monthly_escrow"),
        ("monthly P&I with three decimals", {"monthly_pi": D("1264.141")}, "monthly_pi"),
        ("bad date", {"first_payment_date": "2026-13-01"}, "first_payment_date"),
        ("next due off the due day", {"next_due_date": date(2026, 12, 15)}, "next_due_date"),
        ("next due before the first payment", {"next_due_date": date(2020, 12, 1)}, "next_due_date"),
        ("next due after maturity", {"next_due_date": date(2051, 1, 1)}, "next_due_date"),
        ("origination after the first payment", {"origination_date": date(2021, 2, 1)}, "origination_date"),
        ("lien position zero", {"lien_position": 0}, "lien_position"),
        ("late charge over 10%", {"late_charge_pct": D("12.000")}, "late_charge_pct"),
        ("a datetime for a date", {"first_payment_date": datetime(2021, 1, 1, 9, 30)}, "first_payment_date"),
        ("phones not a list", {"borrower": {"first_name": "A", "last_name": "B", "phones": "404"}}, "borrower.phones"),
        ("state as a list", {"property": {"state": ["GA"]}}, "property.state"),
        ("name as an object", {"borrower": {"first_name": {"x": 1}, "last_name": "B"}}, "borrower.first_name"),
        ("amount as a boolean", {"monthly_escrow": True}, "monthly_escrow"),
        ("assigned to a name", {"assigned_to": "maria"}, "assigned_to"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_the_field_named(manager, today, _case, overrides, field):
    """Each malformed field is a 400 `invalid` naming the field as the API does; nothing is created."""
    before = counts()
    with pytest.raises(BadInput) as caught:
        loan_board(actor=manager, **payload(**overrides))
    assert (caught.value.code, caught.value.status) == ("invalid", 400)
    assert field in caught.value.fields, caught.value.fields
    assert counts() == before


def test_all_field_errors_are_reported_together(manager, today):
    """Several bad fields come back at once, so a form or import row can be fixed in one pass."""
    with pytest.raises(BadInput) as caught:
        loan_board(actor=manager, **payload(investor="BANK", note_rate="x", property={"state": "ZZ"}))
    assert {"investor", "note_rate", "property.state"} <= set(caught.value.fields)


def test_bad_input_is_reported_before_a_duplicate(manager, today):
    """A malformed request for an existing loan number is a 400 first (shape before state)."""
    loan_board(actor=manager, **payload())
    with pytest.raises(BadInput):
        loan_board(actor=manager, **payload(investor="BANK"))


# Through the API (the serializer hands its validated data straight to loan_board). -------------


def test_api_boards_with_the_contract_fields(manager, today):
    """POST /api/v1/loans/ with the api-contract fields returns 201 with the id and computed monthly_pi."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(manager)
    body = {
        "loan_number": "2000000009",
        "borrower": {
            "first_name": "Ana",
            "last_name": "Lopez",
            "phone": "404-555-0101",
            "email": "ana@example.com",
            "mailing_state": "GA",
        },
        "property": {"state": "GA", "occupancy": "owner", "market_value": "300000.00"},
        "investor": "FNMA",
        "program": "GSE_FLEX",
        "original_balance": "200000.00",
        "principal_balance": "188000.00",
        "note_rate": "6.500",
        "original_term_months": 360,
        "remaining_term_months": 289,
        "first_payment_date": "2021-01-01",
        "next_due_date": "2026-12-01",
        "monthly_escrow": "300.00",
    }
    response = client.post("/api/v1/loans/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["monthly_pi"] == "1264.14"
    assert Loan.objects.get(pk=response.json()["id"]).loan_number == "2000000009"
    again = client.post("/api/v1/loans/", body, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_loan_number")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
person_keys = st.sampled_from(["first_name", "last_name", "phone", "phones", "email", "mailing_state", "ssn_last4"])
top_keys = st.sampled_from(sorted(set(payload()) | {"monthly_pi", "remaining_term_months", "lien_position"}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    top=st.dictionaries(top_keys, json_values, max_size=3),
    person=st.dictionaries(person_keys, json_values, max_size=3),
    home=st.dictionaries(st.sampled_from(["state", "occupancy", "market_value", "valued_on"]), json_values, max_size=2),
)
def test_garbage_input_is_refused_cleanly(manager, today, top, person, home):
    """Whatever an importer sends, boarding either succeeds or raises a DomainError; it never crashes."""
    data = payload(**top)
    if isinstance(data.get("borrower"), dict):
        data["borrower"] = {**data["borrower"], **person}
    if isinstance(data.get("property"), dict):
        data["property"] = {**data["property"], **home}
    data["loan_number"] = data["loan_number"] if "loan_number" in top else f"F{Loan.objects.count():08d}"
    with contextlib.suppress(DomainError):
        loan_board(actor=manager, **data)
