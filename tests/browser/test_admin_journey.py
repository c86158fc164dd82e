"""Priya's change of the posted modification rate in a real browser: she proposes it with an
effective date, cannot approve it herself, Dev approves it, and the next evaluation uses the
new rate and records the new version while earlier evaluations keep theirs. Then her team page:
a new Spanish-speaking specialist with capacity 150, and last night's scan run."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from delinquency.models import ScanRun
from rules.models import ProgramRuleSet
from tests.browser.conftest import login, logout, shot
from tests.factories import LoanFactory, PropertyFactory, ValuationFactory
from workouts import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 12, 1)


@pytest.fixture
def first_of_the_month(time_machine):
    """Tuesday Dec 1, 2026, 9:00 Eastern: the investor's new posted rate applies from today."""
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK), tick=True)


@pytest.fixture
def open_case(specialist, first_of_the_month):
    """A complete application on a GSE loan whose MTMLTV is over 80%: the posted rate applies."""
    loan = LoanFactory(assigned_to=specialist, next_due_date=date(2026, 8, 1), property=PropertyFactory(state="GA"))
    ValuationFactory(property=loan.property, value=Decimal("200000.00"), valued_on=date(2026, 10, 1))
    return services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2026, 11, 20),
        application_complete_on=date(2026, 11, 20),
    )


def _evaluate(specialist, case):
    evaluation = services.evaluation_store(
        actor=specialist, case_id=case.pk, as_of=TODAY, gross_monthly_income=Decimal("4200.00")
    )
    return evaluation.rule_version, evaluation.result["options"]["modification"]["interest_rate"]


def test_admin_changes_the_posted_rate_and_a_manager_approves_it(
    page, live_server, admin_user, manager, specialist, open_case
):
    assert _evaluate(specialist, open_case) == (1, "6.500")

    login(page, live_server, admin_user)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Rules", exact=True).click()
    expect(page.get_by_role("heading", name="In force today: version 1")).to_be_visible()
    page.get_by_label("mod_posted_rate").fill("6.125")
    page.get_by_label("Effective from").fill(TODAY.isoformat())
    page.get_by_label("Why").fill("Fannie Mae posted rate from Dec 1")
    shot(page, "admin", "rule-edit")
    page.get_by_role("button", name="Propose version 2").click()
    expect(page.get_by_role("heading", name="Waiting for approval: version 2")).to_be_visible()
    expect(page.locator("#pending-changes")).to_contain_text("6.500")
    expect(page.locator("#pending-changes")).to_contain_text("6.125")
    expect(page.get_by_text("You proposed this change")).to_be_visible()
    expect(page.get_by_role("button", name="Approve version 2")).to_have_count(0)
    shot(page, "admin", "rule-proposed")
    # Until it is approved, evaluations keep using version 1.
    assert _evaluate(specialist, open_case) == (1, "6.500")

    logout(page)
    login(page, live_server, manager)
    page.goto(f"{live_server.url}/rules/?program=GSE_FLEX")
    page.get_by_role("button", name="Approve version 2").click()
    expect(page.get_by_text("GSE_FLEX version 2 approved")).to_be_visible()
    expect(page.get_by_role("heading", name="In force today: version 2")).to_be_visible()
    expect(page.locator("#versions tbody tr").first).to_contain_text("mod_posted_rate 6.500 → 6.125")
    shot(page, "manager", "rule-approved")
    rule_set = ProgramRuleSet.objects.get(program="GSE_FLEX", version=2)
    assert (rule_set.status, rule_set.created_by, rule_set.approved_by) == ("approved", admin_user, manager)

    # The next evaluation uses the new rate and records version 2; the earlier ones keep version 1.
    assert _evaluate(specialist, open_case) == (2, "6.125")
    versions = list(open_case.evaluations.order_by("id").values_list("rule_version", flat=True))
    assert versions == [1, 1, 2]


def test_admin_adds_a_specialist_and_checks_last_nights_scan(page, live_server, admin_user, first_of_the_month):
    start = timezone.make_aware(datetime(2026, 12, 1, 1, 30))
    ScanRun.objects.create(
        business_date=TODAY - timedelta(days=1), status="done", started_at=start,
        finished_at=start + timedelta(seconds=38), loans_scanned=1_000_000, chunks_total=50, chunks_done=50,
        task_counts={"regx_live_contact": 1840, "broken_promise": 212, "early_warning": 96}, tasks_assigned=2148,
    )  # fmt: skip

    login(page, live_server, admin_user)
    page.goto(f"{live_server.url}/team/")
    form = page.locator("#new-person")
    form.get_by_label("Username").fill("ana")
    form.get_by_label("First name").fill("Ana")
    form.get_by_label("Last name").fill("Lopez")
    form.get_by_label("Role").select_option("Specialist")
    form.get_by_label("Capacity (loans)").fill("150")
    form.get_by_label("Languages").fill("en,es")
    form.get_by_label("First password").fill("a-long-first-password")
    form.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Added Ana Lopez (specialist).")).to_be_visible()
    expect(page.locator("#people")).to_contain_text("en,es")
    shot(page, "admin", "team")
    ana = User.objects.get(username="ana")
    assert (ana.profile.capacity, ana.profile.languages) == (150, "en,es")

    page.get_by_role("link", name="Edit Ana Lopez").click()
    page.get_by_role("button", name="Issue token").click()
    expect(page.locator("#new-token")).to_have_text(ana.auth_token.key)

    page.get_by_role("link", name="Nightly scan").click()
    runs = page.locator("#scan-runs tbody tr")
    expect(runs).to_have_count(1)
    expect(runs.first).to_contain_text("1,000,000")
    expect(runs.first).to_contain_text("2,148 in all")
    expect(runs.first).to_contain_text("38.0 s")
    shot(page, "admin", "scans")
