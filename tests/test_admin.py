"""Django admin: every model is there, and what must never be edited cannot be."""

from decimal import Decimal

import pytest

from audit.services import audit_record
from borrowers.services import payment_post
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/borrowers/borrower/",
        "/admin/borrowers/property/",
        "/admin/borrowers/loan/",
        "/admin/borrowers/ledgertransaction/",
        "/admin/audit/auditevent/",
        "/admin/auth/user/",
    ],
)
def test_changelists_open(admin_client, loan, path):
    assert admin_client.get(path).status_code == 200


def test_ledger_has_no_add_change_or_delete(admin_client, loan, specialist):
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("100.00"))
    count = loan.ledger.count()
    assert admin_client.get("/admin/borrowers/ledgertransaction/add/").status_code == 403
    view = admin_client.get(f"/admin/borrowers/ledgertransaction/{payment.pk}/change/")
    assert view.status_code == 200  # read-only view
    assert 'name="_save"' not in view.content.decode()
    response = admin_client.post(
        f"/admin/borrowers/ledgertransaction/{payment.pk}/change/", {"amount": "999.00", "reference": "x"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(f"/admin/borrowers/ledgertransaction/{payment.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    payment.refresh_from_db()
    assert (payment.amount, loan.ledger.count()) == (Decimal("100.00"), count)


def test_audit_events_have_no_add_change_or_delete(admin_client, loan, specialist):
    event = audit_record(actor=specialist, action="test.read", obj=loan, loan_id=loan.pk)
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "test.read"


def test_loan_balances_terms_and_status_are_read_only(admin_client, loan):
    html = admin_client.get(f"/admin/borrowers/loan/{loan.pk}/change/").content.decode()
    for field in ["principal_balance", "next_due_date", "status", "note_rate", "monthly_pi", "loan_number"]:
        assert f'name="{field}"' not in html, field
    for field in ["assigned_to", "investor", "program", "grace_days", "borrower"]:
        assert f'name="{field}"' in html, field


def test_loans_cannot_be_added_or_deleted_in_admin(admin_client, loan):
    assert admin_client.get("/admin/borrowers/loan/add/").status_code == 403
    assert admin_client.post(f"/admin/borrowers/loan/{loan.pk}/delete/", {"post": "yes"}).status_code == 403


def test_loan_changelist_searches_by_borrower_last_name(admin_client, loan):
    response = admin_client.get("/admin/borrowers/loan/", {"q": loan.borrower.last_name})
    assert loan.loan_number in response.content.decode()


def test_borrower_page_has_phone_inline_and_property_page_has_valuation_inline(admin_client, loan):
    borrower_html = admin_client.get(f"/admin/borrowers/borrower/{loan.borrower_id}/change/").content.decode()
    assert 'id="phones-group"' in borrower_html
    property_html = admin_client.get(f"/admin/borrowers/property/{loan.property_id}/change/").content.decode()
    assert 'id="valuations-group"' in property_html


def test_user_page_edits_the_profile_inline(admin_client, specialist):
    html = admin_client.get(f"/admin/auth/user/{specialist.pk}/change/").content.decode()
    assert 'name="profile-0-capacity"' in html
    changelist = admin_client.get("/admin/auth/user/").content.decode()
    assert '<td class="field-roles">Specialist</td>' in changelist


def test_non_staff_cannot_open_admin(client, specialist):
    client.force_login(specialist)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_edits_operational_loan_fields_and_leaves_money_alone(admin_client, loan, manager):
    url = f"/admin/borrowers/loan/{loan.pk}/change/"
    response = admin_client.post(
        url,
        {
            "borrower": loan.borrower_id,
            "co_borrower": "",
            "property": loan.property_id,
            "assigned_to": manager.pk,
            "investor": "FNMA",
            "program": "GSE_FLEX",
            "lien_position": 1,
            "grace_days": 10,
            "late_charge_pct": "5.000",
            "foreclosure_type": "judicial",
            "principal_balance": "1.00",  # read-only: ignored
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    loan.refresh_from_db()
    assert (loan.assigned_to, loan.grace_days, loan.foreclosure_type) == (manager, 10, "judicial")
    assert loan.principal_balance == Decimal("188000.00")
