"""The rules page (/rules/): rules in force, version history, proposing and approving changes;
and the nightly scan page (now /delinquency/scans/, tests/delinquency/test_pages_scan_runs.py)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from delinquency.models import ScanRun
from rules.models import ProgramRuleSet
from rules.services import rule_change_propose
from tests.factories import UserFactory
from workouts.domain.parameters import PARAMETER_NAMES

pytestmark = pytest.mark.django_db

RULES = reverse("rules")
PROPOSE = reverse("rule-propose")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)


def _state():
    return (
        list(ProgramRuleSet.objects.order_by("id").values_list("id", "status", "version", "approved_by_id")),
        AuditEvent.objects.count(),
    )


def _post_form(program="GSE_FLEX", **overrides) -> dict:
    """The propose form as the page renders it (every parameter prefilled), with `overrides`."""
    base = ProgramRuleSet.objects.filter(program=program, status="approved").order_by("-version").first().parameters
    from rules.views.admin_pages import value_text

    data = {name: value_text(name, base[name]) for name in PARAMETER_NAMES}
    data.update({"program": program, "effective_date": "2026-12-01", "note": ""})
    data.update(overrides)
    return data


def test_rules_page_requires_login(client):
    response = client.get(RULES)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist"])
def test_specialists_and_outsiders_get_403(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    before = _state()
    assert client.get(RULES).status_code == 403
    assert client.get(reverse("scan-runs")).status_code == 403
    assert client.post(PROPOSE, {"program": "GSE_FLEX", "mod_posted_rate": "6.125"}).status_code == 403
    assert _state() == before


def test_page_shows_the_version_in_force_with_every_parameter(client, manager):
    client.force_login(manager)
    response = client.get(RULES, {"program": "FHA_HAMP"})
    assert response.status_code == 200
    assert response.context["effective"].version == 1
    shown = [row["name"] for group in response.context["groups"] for row in group["rows"]]
    assert sorted(shown) == sorted(PARAMETER_NAMES)
    html = response.content.decode()
    assert "In force today: version 1" in html
    assert "partial_claim" in html  # FHA-HAMP's arrears treatment
    assert "CA=480, FL=810, GA=330, NJ=1530, NY=1740, TX=390, *=540" in html
    assert response.context["propose_form"] is None  # managers approve; only admins propose


def test_admin_proposes_a_posted_rate_change_with_an_effective_date(client, admin_user):
    client.force_login(admin_user)
    response = client.post(PROPOSE, _post_form(mod_posted_rate="6.125", note="Posted rate changed on the 1st"))
    assert response.status_code == 302
    assert response.url == f"{RULES}?program=GSE_FLEX#pending"
    proposed = ProgramRuleSet.objects.get(program="GSE_FLEX", status="pending")
    assert (proposed.version, proposed.effective_date, proposed.created_by) == (2, date(2026, 12, 1), admin_user)
    assert proposed.parameters["mod_posted_rate"] == "6.125"
    event = AuditEvent.objects.get(action="rule_change.propose")
    assert event.after["parameters"] == {"mod_posted_rate": "6.125"}
    page = client.get(response.url).content.decode()
    assert "Waiting for approval: version 2" in page
    assert "You proposed this change" in page
    assert "Approve version 2" not in page


def test_invalid_values_are_refused_on_their_fields(client, admin_user):
    client.force_login(admin_user)
    before = _state()
    response = client.post(PROPOSE, _post_form(mod_posted_rate="6.1255", repay_max_months="0"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Use at most 3 decimal places." in html
    assert "Must be at least 1." in html
    response = client.post(PROPOSE, _post_form(effective_date="2026-11-01", mod_posted_rate="6.000"))
    assert response.status_code == 400
    assert "Choose today or a later date." in response.content.decode()
    response = client.post(PROPOSE, _post_form())
    assert response.status_code == 400
    assert "The proposal changes no parameter." in response.content.decode()
    assert _state() == before


def test_mapping_parameters_are_typed_as_pairs(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        PROPOSE, _post_form(foreclosure_timeline_days="CA=480, FL=810, GA=360, NJ=1530, NY=1740, TX=390, *=540")
    )
    assert response.status_code == 302
    proposed = ProgramRuleSet.objects.get(status="pending")
    assert proposed.parameters["foreclosure_timeline_days"]["GA"] == "360"


def test_manager_cannot_propose(client, manager):
    client.force_login(manager)
    before = _state()
    response = client.post(PROPOSE, _post_form(mod_posted_rate="6.125"))
    assert response.status_code == 403
    assert "Only an Admin may propose a rule change." in response.content.decode()
    assert _state() == before


def test_proposer_cannot_approve_but_a_manager_can(client, admin_user, manager):
    pending = rule_change_propose(
        actor=admin_user, program="GSE_FLEX", changes={"mod_posted_rate": "6.125"}, effective_date=date(2026, 12, 1)
    )
    client.force_login(admin_user)
    before = _state()
    response = client.post(reverse("rule-approve", args=[pending.pk]), {"program": "GSE_FLEX"})
    assert response.status_code == 403
    assert "The proposer of a rule change cannot approve it" in response.content.decode()
    assert _state() == before
    client.force_login(manager)
    page = client.get(RULES).content.decode()
    assert "Approve version 2" in page
    assert '6.500</td><td class="diff-new">6.125' in page.replace("\n", "")
    response = client.post(reverse("rule-approve", args=[pending.pk]), {"program": "GSE_FLEX"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.approved_by) == ("approved", manager)
    follow = client.get(response.url)
    assert "Version 2 takes over on Dec 1, 2026." in follow.content.decode()
    assert follow.context["effective"].version == 1  # still version 1 until Dec 1
    history = [(row["rule_set"].version, row["changed"]) for row in follow.context["history"]]
    assert history == [(2, [{"name": "mod_posted_rate", "old": "6.500", "new": "6.125"}]), (1, [])]


def test_reject_needs_a_reason(client, admin_user, manager):
    pending = rule_change_propose(
        actor=admin_user, program="GSE_FLEX", changes={"mod_posted_rate": "6.125"}, effective_date=date(2026, 12, 1)
    )
    client.force_login(manager)
    before = _state()
    response = client.post(reverse("rule-reject", args=[pending.pk]), {"program": "GSE_FLEX", "reason": ""})
    assert response.status_code == 400
    assert _state() == before
    response = client.post(reverse("rule-reject", args=[pending.pk]), {"reason": "Investor bulletin says 6.25"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == ("rejected", "Investor bulletin says 6.25")


def test_rules_page_runs_the_same_queries_with_3_or_30_versions(client, manager, admin_user):
    other_admin = UserFactory(role="Admin")
    client.force_login(manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(RULES).status_code == 200
        return len(ctx.captured_queries)

    def add_versions(n):
        for i in range(n):
            pending = rule_change_propose(
                actor=admin_user, program="GSE_FLEX", changes={"mod_posted_rate": f"{6 + (i % 9) / 10:.3f}"},
                effective_date=date(2026, 12, 1) + timedelta(days=i),
            )  # fmt: skip
            from rules.services import rule_change_approve

            rule_change_approve(actor=other_admin, rule_set_id=pending.pk)

    add_versions(2)
    small = count()
    add_versions(27)
    assert count() == small


def test_scan_page_shows_schedule_and_runs(client, admin_user):
    start = timezone.make_aware(datetime(2026, 11, 27, 1, 30))
    ScanRun.objects.create(
        business_date=date(2026, 11, 26), status="done", started_at=start, finished_at=start + timedelta(seconds=42),
        loans_scanned=1_000_000, chunks_total=50, chunks_done=50,
        task_counts={"regx_live_contact": 1200, "broken_promise": 80}, tasks_assigned=1280,
    )  # fmt: skip
    client.force_login(admin_user)
    response = client.get(reverse("scan-runs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "01:30" in html
    assert "1,000,000" in html
    assert "42.0 s" in html
    assert "Reg X live contact: 1,200" in html
    assert "1,280 in all" in html
