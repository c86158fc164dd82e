"""/api/v1/rule-sets/: read by every role, propose by Admin, approve/reject by a second person."""

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from rules.models import ProgramRuleSet
from workouts.domain.parameters import SPECS

URL = "/api/v1/rule-sets/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), tick=False):
        yield


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _propose(admin, **overrides):
    body = {"program": "GSE_FLEX", "changes": {"mod_posted_rate": "6.125"}, "effective_date": "2027-01-01"}
    body.update(overrides)
    return _client(admin).post(URL, body, format="json")


def test_specialist_lists_versions_of_a_program(specialist):
    response = _client(specialist).get(URL, {"program": "FHA_HAMP"})
    assert response.status_code == 200
    rows = response.json()
    assert [(r["program"], r["version"], r["status"]) for r in rows] == [("FHA_HAMP", 1, "approved")]
    assert rows[0]["parameters"]["mod_arrears_treatment"] == "partial_claim"


def test_admin_proposes_and_manager_approves(admin_user, manager):
    proposed = _propose(admin_user)
    assert proposed.status_code == 201, proposed.json()
    body = proposed.json()
    assert (body["version"], body["status"], body["created_by"]) == (2, "pending", "priya")
    approved = _client(manager).post(f"{URL}{body['id']}/approve/", {"note": "Matches the posted rate."}, format="json")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("approved", "dev")
    effective = _client(manager).get(f"{URL}effective/", {"program": "GSE_FLEX", "as_of": "2027-01-01"}).json()
    assert (effective["version"], effective["parameters"]["mod_posted_rate"]) == (2, "6.125")
    earlier = _client(manager).get(f"{URL}effective/", {"program": "GSE_FLEX", "as_of": "2026-12-31"}).json()
    assert earlier["version"] == 1


def test_proposer_cannot_approve_own_change_403(admin_user):
    rule_set_id = _propose(admin_user).json()["id"]
    response = _client(admin_user).post(f"{URL}{rule_set_id}/approve/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"
    assert ProgramRuleSet.objects.get(pk=rule_set_id).status == "pending"


def test_specialist_cannot_propose_403(specialist):
    response = _propose(specialist)
    assert response.status_code == 403
    assert response.json()["code"] == "not_admin"
    assert ProgramRuleSet.objects.count() == 4


def test_unknown_parameter_is_400_naming_it(admin_user):
    response = _propose(admin_user, changes={"mod_posted_rat": "6.125"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"mod_posted_rat": ["Unknown parameter."]}
    assert ProgramRuleSet.objects.count() == 4


def test_second_pending_proposal_is_409(admin_user):
    _propose(admin_user)
    response = _propose(admin_user, changes={"repay_max_months": "6"})
    assert response.status_code == 409
    assert response.json()["code"] == "proposal_pending"


def test_manager_rejects_with_reason(admin_user, manager):
    rule_set_id = _propose(admin_user).json()["id"]
    missing = _client(manager).post(f"{URL}{rule_set_id}/reject/", {}, format="json")
    assert missing.status_code == 400
    response = _client(manager).post(f"{URL}{rule_set_id}/reject/", {"reason": "Stale rate."}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == ("rejected", "Stale rate.")


def test_unknown_rule_set_is_404(manager):
    assert _client(manager).get(f"{URL}999999/").status_code == 404
    assert _client(manager).post(f"{URL}999999/approve/", {}, format="json").status_code == 404


def test_parameter_catalogue_lists_every_name(specialist):
    rows = _client(specialist).get(f"{URL}parameters/").json()
    assert {r["name"] for r in rows} == set(SPECS)


def test_outsider_403_and_anonymous_401(outsider):
    assert _client(outsider).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401
