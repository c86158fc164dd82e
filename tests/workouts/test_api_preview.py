"""POST /api/v1/evaluations/preview/ (api-contract.md): exact figures, errors, roles, rule versions."""

import copy
from datetime import date

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from rules.models import ProgramRuleSet
from workouts.api_preview import CONTRACT_EXAMPLE

URL = "/api/v1/evaluations/preview/"


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _request(**changes) -> dict:
    body = copy.deepcopy(CONTRACT_EXAMPLE)
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return body


def test_contract_example_exact_figures(specialist):
    """Hand-worked (see tests/workouts/domain): 179 days past due; plan 11 x 3,171.50; GSE Flex
    waterfall capitalise 265,000 -> 6.5% -> 480 months -> forbear 23,554.35 to reach P&I
    1,413.56 (80% of 1,766.95); short sale nets 245,800 = 81.93% < 86%; DIL recovers
    242,700; CA foreclosure 480 days loses 50,376.03. NPVs agree with the exact-fraction twin
    in test_npv.py."""
    response = _client(specialist).post(URL, CONTRACT_EXAMPLE, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["program"] == "GSE_FLEX"
    assert body["rule_version"] == 1
    assert body["as_of"] == "2026-11-27"
    assert body["days_past_due"] == 179
    options = body["options"]

    plan = options["repayment_plan"]
    assert (plan["eligible"], plan["reasons"], plan["months"], plan["plan_payment"]) == (True, [], 11, "3171.50")
    assert plan["schedule"][-1]["payment"] == "3171.45"
    assert plan["npv"] == "267575.69"

    mod = options["modification"]
    assert {k: mod[k] for k in (
        "eligible", "reasons", "interest_rate", "term_months", "capitalized_balance", "interest_bearing_balance",
        "forbearance", "partial_claim", "monthly_pi", "monthly_payment", "pi_reduction_pct", "target_met", "npv",
    )} == {
        "eligible": True, "reasons": [], "interest_rate": "6.500", "term_months": 480,
        "capitalized_balance": "265000.00", "interest_bearing_balance": "241445.65", "forbearance": "23554.35",
        "partial_claim": "0.00", "monthly_pi": "1413.56", "monthly_payment": "1813.56",
        "pi_reduction_pct": "20.00", "target_met": True, "npv": "248144.99",
    }  # fmt: skip
    assert mod["steps"] == [
        {"step": "capitalize", "capitalized_balance": "265000.00", "monthly_pi": "1872.96"},
        {"step": "rate", "interest_rate": "6.500", "monthly_pi": "1789.30"},
        {"step": "term", "term_months": 480, "monthly_pi": "1551.46"},
        {"step": "forbearance", "forbearance": "23554.35", "monthly_pi": "1413.56"},
    ]

    ss = options["short_sale"]
    assert ss["eligible"] is False
    assert [r["code"] for r in ss["reasons"]] == ["net_proceeds_below_minimum"]
    assert (ss["net_proceeds"], ss["net_proceeds_pct"], ss["minimum_net_pct"], ss["deficiency"], ss["npv"]) == (
        "245800.00", "81.93", "86.00", "19450.00", "240961.47",
    )  # fmt: skip

    dil = options["deed_in_lieu"]
    assert (dil["eligible"], dil["reasons"], dil["expected_recovery"], dil["npv"]) == (
        True, [], "242700.00", "227863.36",
    )  # fmt: skip

    fc = options["foreclosure"]
    assert (fc["eligible"], fc["timeline_days"], fc["expected_loss"], fc["npv"]) == (
        True, 480, "50376.03", "215397.76",
    )  # fmt: skip

    assert body["recommendation"] == "repayment_plan"
    assert body["recommendation_reason"] == (
        "The repayment plan is recommended: its NPV to the investor of 267,575.69 is at least the best "
        "liquidation option, the deed-in-lieu (227,863.36), and retention comes first."
    )


@pytest.mark.parametrize("who", ["manager", "admin_user"])
def test_every_lossmit_role_may_preview(db, who, request):
    response = _client(request.getfixturevalue(who)).post(URL, CONTRACT_EXAMPLE, format="json")
    assert response.status_code == 200


def test_anonymous_gets_401(db):
    response = APIClient().post(URL, CONTRACT_EXAMPLE, format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}


def test_outsider_without_role_gets_403(outsider):
    response = _client(outsider).post(URL, CONTRACT_EXAMPLE, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("_case", "changes", "field"),
    [
        ("unknown parameter", {"parameters": {"mod_posted_rat": "6.500"}}, "parameters.mod_posted_rat"),
        ("bad parameter value", {"parameters": {"mod_rate_rule": "down"}}, "parameters.mod_rate_rule"),
        ("negative balance", {"loan__principal_balance": "-1.00"}, "loan.principal_balance"),
        ("bad date", {"loan__next_due_date": "2026-02-30"}, "loan.next_due_date"),
        ("bad as_of", {"as_of": "27/11/2026"}, "as_of"),
        ("missing program", {"program": ...}, "program"),
        ("unknown program", {"program": "VA_VRM"}, "program"),
        ("money as a JSON number", {"loan__principal_balance": 250000.0}, "loan.principal_balance"),
        ("three places for money", {"loan__arrears": "15000.001"}, "loan.arrears"),
        ("four places for a rate", {"loan__note_rate": "7.0001"}, "loan.note_rate"),
        ("zero market value", {"property__market_value": "0.00"}, "property.market_value"),
        ("zero remaining term", {"loan__remaining_term_months": 0}, "loan.remaining_term_months"),
        ("unknown state", {"loan__property_state": "XX"}, "loan.property_state"),
        ("missing borrower", {"borrower": ...}, "borrower"),
        ("short sale without days", {"short_sale__days_on_market": ...}, "short_sale.days_on_market"),
    ],
)
def test_bad_input_is_400_with_the_error_shape(specialist, _case, changes, field):
    response = _client(specialist).post(URL, _request(**changes), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert field in body["fields"], body["fields"]
    assert all(isinstance(m, str) for m in body["fields"][field])


def test_past_due_and_pi_computed_when_absent(specialist):
    """Six installments (Jun..Nov 2026) of 1,766.95 + 400.00, plus 250.00 fees = 13,251.70;
    12 months at 1.5 x 2,166.95 cannot repay it, so no repayment plan."""
    body = (
        _client(specialist).post(URL, _request(loan__past_due_amount=..., loan__monthly_pi=...), format="json").json()
    )
    assert body["past_due_amount"] == "13251.70"
    assert body["contractual_pi"] == "1766.95"  # 250,000 at 7% over 300 months
    assert body["options"]["repayment_plan"]["eligible"] is False
    assert body["options"]["repayment_plan"]["months"] is None
    assert body["options"]["repayment_plan"]["plan_payment"] is None
    assert body["recommendation"] == "modification"


def test_short_sale_absent_is_not_applicable(specialist):
    body = _client(specialist).post(URL, _request(short_sale=...), format="json").json()
    ss = body["options"]["short_sale"]
    assert ss["eligible"] is False
    assert [r["code"] for r in ss["reasons"]] == ["no_offer"]
    assert ss["net_proceeds"] is None


def test_hud_example_via_api(specialist):
    """HUD ML 2009-23 through the API with FHA_HAMP version 1."""
    body = {
        "program": "FHA_HAMP",
        "as_of": "2026-11-27",
        "loan": {
            "principal_balance": "150000.00",
            "note_rate": "6.000",
            "remaining_term_months": 360,
            "monthly_pi": "920.00",
            "monthly_escrow": "300.00",
            "next_due_date": "2026-06-01",
            "arrears": "3660.00",
            "origination_date": "2015-03-01",
            "property_state": "GA",
        },
        "borrower": {"gross_monthly_income": "3500.00"},
        "property": {"market_value": "160000.00"},
    }
    response = _client(specialist).post(URL, body, format="json")
    assert response.status_code == 200, response.json()
    mod = response.json()["options"]["modification"]
    assert (mod["monthly_pi"], mod["interest_bearing_balance"], mod["forbearance"], mod["partial_claim"]) == (
        "785.00", "130931.42", "19068.58", "22728.58",
    )  # fmt: skip
    assert response.json()["options"]["foreclosure"]["timeline_days"] == 330


def _approve_version_2(effective: date, posted_rate: str) -> ProgramRuleSet:
    v1 = ProgramRuleSet.objects.get(program="GSE_FLEX", version=1)
    return ProgramRuleSet.objects.create(
        program="GSE_FLEX",
        version=2,
        parameters={**v1.parameters, "mod_posted_rate": posted_rate},
        effective_date=effective,
        status=ProgramRuleSet.Status.APPROVED,
    )


def test_rule_version_follows_the_as_of_date(specialist):
    """Version 2 (posted 6.000%) takes effect 2026-12-01: a preview as of 2026-11-30 still uses
    version 1 (6.500%), one as of 2026-12-01 uses version 2."""
    _approve_version_2(date(2026, 12, 1), "6.000")
    client = _client(specialist)
    before = client.post(URL, _request(as_of="2026-11-30", parameters={}), format="json").json()
    after = client.post(URL, _request(as_of="2026-12-01", parameters={}), format="json").json()
    assert (before["rule_version"], before["options"]["modification"]["interest_rate"]) == (1, "6.500")
    assert (after["rule_version"], after["options"]["modification"]["interest_rate"]) == (2, "6.000")


def test_request_parameters_override_the_rule_set(specialist):
    body = _client(specialist).post(URL, _request(parameters={"mod_posted_rate": "5.750"}), format="json").json()
    assert body["rule_version"] == 1
    assert body["options"]["modification"]["interest_rate"] == "5.750"


def test_pending_versions_are_not_used(specialist):
    rule_set = _approve_version_2(date(2020, 1, 1), "6.000")
    rule_set.status = ProgramRuleSet.Status.PENDING
    rule_set.save()
    body = _client(specialist).post(URL, _request(parameters={}), format="json").json()
    assert body["rule_version"] == 1


def test_no_rule_set_effective_is_404(specialist):
    response = _client(specialist).post(URL, _request(as_of="1999-12-31"), format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "no_rule_set"


def test_preview_stores_nothing(specialist):
    counts = (ProgramRuleSet.objects.count(), AuditEvent.objects.count())
    _client(specialist).post(URL, CONTRACT_EXAMPLE, format="json")
    assert (ProgramRuleSet.objects.count(), AuditEvent.objects.count()) == counts


def test_schema_documents_request_and_response(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/evaluations/preview/"]["post"]
    request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    components = schema["components"]["schemas"]
    assert {"program", "as_of", "loan", "borrower", "property", "short_sale", "parameters"} <= set(
        components[request_ref]["properties"]
    )
    assert {"program", "rule_version", "as_of", "days_past_due", "options", "recommendation",
            "recommendation_reason"} <= set(components[response_ref]["properties"])  # fmt: skip
    assert {"400", "401", "403"} <= set(operation["responses"])
