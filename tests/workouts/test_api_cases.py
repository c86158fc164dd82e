"""/api/v1/cases/ and /api/v1/workouts/: the contract's names, the error shape, the same services."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Profile
from tests.factories import LoanFactory, UserFactory
from workouts.models import LossMitCase, Workout

pytestmark = pytest.mark.django_db

MOD_TERMS = {"interest_rate": "5.000", "term_months": 480, "capitalized_balance": "191000.00", "monthly_pi": "826.00"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2027, 1, 20, 12, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def late_loan(specialist):
    return LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)


def _open(user, loan, **extra):
    body = {"loan": loan.pk, "application_received_on": "2026-11-25", **extra}
    return client_for(user).post("/api/v1/cases/", body, format="json")


def test_open_case_returns_the_contract_deadlines(specialist, late_loan):
    response = _open(specialist, late_loan, received_via="portal")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["status"] == "open"
    assert body["version"] == 1
    assert body["deadlines"] == {
        "live_contact_due": "2026-10-07",
        "written_notice_due": "2026-10-16",
        "acknowledgment_due": "2026-12-03",
        "evaluation_due": None,
        "earliest_foreclosure_referral": "2026-12-31",
        "appeal_deadline": None,
        "appeal_decision_due": None,
        "acceptance_window_days": None,
    }
    assert [d["kind"] for d in body["missing_documents"]] == [
        "hardship_statement",
        "income",
        "tax_transcript_consent",
        "bank_statements",
    ]
    again = client_for(specialist).get(f"/api/v1/cases/{body['id']}/").json()
    assert again["deadlines"] == body["deadlines"]


def test_complete_application_with_sale_date(specialist, late_loan):
    response = _open(
        specialist, late_loan, application_complete_on="2026-12-04", foreclosure_sale_date="2027-03-04"
    )  # complete 90 days before the sale
    deadlines = response.json()["deadlines"]
    assert deadlines["evaluation_due"] == "2027-01-03"
    assert deadlines["acceptance_window_days"] == 14
    assert response.json()["status"] == "evaluating"


def test_bad_input_uses_the_error_shape(specialist, late_loan):
    response = client_for(specialist).post("/api/v1/cases/", {"loan": late_loan.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "application_received_on" in response.json()["fields"]
    response = _open(specialist, late_loan, application_complete_on="2026-11-20")
    assert response.status_code == 400
    assert response.json()["code"] == "complete_before_received"
    assert not LossMitCase.objects.exists()


def test_second_case_is_409_and_unknown_loan_404(specialist, late_loan):
    assert _open(specialist, late_loan).status_code == 201
    response = _open(specialist, late_loan)
    assert response.status_code == 409
    assert response.json()["code"] == "case_already_open"
    response = client_for(specialist).post(
        "/api/v1/cases/", {"loan": 999999, "application_received_on": "2026-11-25"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "loan_not_found"


def test_outsider_gets_403_and_unknown_case_404(outsider, specialist, late_loan):
    assert _open(outsider, late_loan).status_code == 403
    response = client_for(specialist).get("/api/v1/cases/424242/")
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"


def test_documents_complete_the_application_over_the_api(specialist, late_loan):
    case_id = _open(specialist, late_loan).json()["id"]
    client = client_for(specialist)
    for version, kind in enumerate(("hardship_statement", "income", "tax_transcript_consent", "bank_statements"), 1):
        response = client.post(
            f"/api/v1/cases/{case_id}/documents/",
            {"kind": kind, "received_on": "2026-12-04", "version": version},
            format="json",
        )
        assert response.status_code == 200, response.data
    body = response.json()
    assert body["application_complete_on"] == "2026-12-04"
    assert body["deadlines"]["evaluation_due"] == "2027-01-03"
    assert body["missing_documents"] == []
    stale = client.post(
        f"/api/v1/cases/{case_id}/documents/",
        {"kind": "other", "received_on": "2026-12-05", "version": 1},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"


def test_submit_approve_deny_flow_with_four_eyes(specialist, manager, late_loan):
    case_id = _open(specialist, late_loan, application_complete_on="2026-12-04").json()["id"]
    response = client_for(specialist).post(
        f"/api/v1/cases/{case_id}/workouts/", {"option": "modification", "terms": MOD_TERMS}, format="json"
    )
    assert response.status_code == 201, response.data
    workout = response.json()
    assert workout["status"] == "submitted"
    assert workout["amount"] == "191000.00"

    mine = client_for(specialist).post(f"/api/v1/workouts/{workout['id']}/approve/", {}, format="json")
    assert mine.status_code == 403
    assert mine.json()["code"] == "forbidden"

    no_reason = client_for(manager).post(f"/api/v1/workouts/{workout['id']}/deny/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert no_reason.json()["code"] == "reason_required"

    denied = client_for(manager).post(
        f"/api/v1/workouts/{workout['id']}/deny/",
        {"reason": "Target payment not reached", "notice_on": "2027-01-05", "version": 1},
        format="json",
    )
    assert denied.status_code == 200, denied.data
    assert denied.json()["appeal_deadline"] == "2027-01-19"
    case = client_for(specialist).get(f"/api/v1/cases/{case_id}/").json()
    assert case["deadlines"]["appeal_deadline"] == "2027-01-19"
    assert case["status"] == "decision"


def test_manager_submitting_cannot_approve_own(manager, late_loan):
    case_id = _open(manager, late_loan, application_complete_on="2026-12-04").json()["id"]
    workout_id = (
        client_for(manager)
        .post(f"/api/v1/cases/{case_id}/workouts/", {"option": "modification", "terms": MOD_TERMS}, format="json")
        .json()["id"]
    )
    response = client_for(manager).post(f"/api/v1/workouts/{workout_id}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"
    assert Workout.objects.get(pk=workout_id).status == "submitted"
    other = UserFactory(username="mo", role="Manager")
    Profile.objects.filter(user=manager).update(manager=other)  # Mo heads Dev's team: he decides for it
    approved = client_for(other).post(f"/api/v1/workouts/{workout_id}/approve/", {"version": 1}, format="json")
    assert approved.status_code == 200
    assert approved.json()["decided_by"] == "mo"
    offered = client_for(manager).post(
        f"/api/v1/workouts/{workout_id}/offer/", {"offered_on": "2027-01-06"}, format="json"
    )
    assert offered.json()["offer_expires_on"] == "2027-01-20"


def test_foreclosure_check_and_referral(specialist, manager, late_loan):
    check = client_for(specialist).get(f"/api/v1/loans/{late_loan.pk}/foreclosure-check/?on=2026-12-30").json()
    assert check["allowed"] is False
    assert [b["code"] for b in check["blocks"]] == ["too_early_120_day"]
    assert check["earliest_foreclosure_referral"] == "2026-12-31"
    _open(specialist, late_loan, application_complete_on="2026-12-04")
    refused = client_for(manager).post(
        f"/api/v1/loans/{late_loan.pk}/foreclosure-referral/", {"on": "2027-01-10"}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "dual_tracking"


def test_evaluation_run_and_submit_from_it(specialist, late_loan):
    case_id = _open(specialist, late_loan, application_complete_on="2026-12-04").json()["id"]
    response = client_for(specialist).post(
        f"/api/v1/cases/{case_id}/evaluations/",
        {"as_of": "2027-01-15", "gross_monthly_income": "5200.00", "market_value": "240000.00"},
        format="json",
    )
    assert response.status_code == 201, response.data
    evaluation = response.json()
    assert evaluation["as_of"] == "2027-01-15"
    assert set(evaluation["result"]["options"]) >= {"repayment_plan", "modification"}
    assert Decimal(evaluation["inputs"]["property"]["market_value"]) == Decimal("240000.00")
    listed = client_for(specialist).get(f"/api/v1/cases/{case_id}/evaluations/").json()
    assert [e["id"] for e in listed] == [evaluation["id"]]


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/abc/", "/api/v1/workouts/true/approve/", "/api/v1/loans/x/foreclosure-check/"]
)
def test_non_numeric_ids_get_the_json_404(specialist, path):
    response = client_for(specialist).get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_case_detail_runs_a_fixed_number_of_queries(specialist, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(workouts: int) -> int:
        loan = LoanFactory(next_due_date=date(2026, 9, 1))
        case_id = _open(specialist, loan, application_complete_on="2026-12-04").json()["id"]
        for option in ("modification", "short_sale", "deed_in_lieu")[:workouts]:
            client_for(specialist).post(
                f"/api/v1/cases/{case_id}/workouts/",
                {"option": option, "terms": {**MOD_TERMS, "deficiency": "1000.00"}},
                format="json",
            )
        client = client_for(specialist)
        client.get(f"/api/v1/cases/{case_id}/")  # warm the per-user role cache
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/cases/{case_id}/").status_code == 200
        return len(ctx.captured_queries)

    assert queries_for(1) == queries_for(3)
