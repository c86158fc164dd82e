"""Dev's morning in a real browser: the approval queue ordered by decision date, the review of
Maria's modification (every waterfall step, the NPV comparison), the approval; then Maria sees
it approved on her workouts page. Also the dashboard and the reassignment of a caseload."""

from datetime import date

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from borrowers.models import Loan
from delinquency.models import BucketEvent, CallTask
from tests.browser.conftest import login, logout, shot, submitted_modification
from tests.factories import LoanFactory, UserFactory
from workouts.models import Workout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_approves_a_modification_and_the_specialist_sees_it(page, live_server, specialist, manager, morning):
    later = submitted_modification(specialist, last_name="Later", complete_on=date(2026, 11, 20))  # due Dec 20
    urgent = submitted_modification(specialist, last_name="Urgent", complete_on=date(2026, 11, 2))  # due Dec 2
    loan = urgent.case.loan

    login(page, live_server, manager)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", name="Approval queue")).to_be_visible()
    rows = page.locator("#approval-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Grace Urgent")  # decision due Dec 2: first
    expect(rows.nth(0)).to_contain_text("2 days left")
    expect(rows.nth(1)).to_contain_text("Grace Later")
    shot(page, "manager", "approvals")

    page.get_by_role("link", name=f"Review modification on loan {loan.loan_number}").click()
    expect(page.get_by_role("heading", name="Modification for Grace Urgent")).to_be_visible()
    steps = urgent.evaluation.result["options"]["modification"]["steps"]
    expect(page.locator("#waterfall tbody tr")).to_have_count(len(steps))
    expect(page.locator("#option-comparison tbody tr")).to_have_count(5)
    expect(page.get_by_role("img", name="Net present value of each option")).to_be_visible()
    shot(page, "manager", "review")

    page.get_by_label("Note").fill("Meets the 20% target; hardship documented.")
    page.get_by_role("button", name="Approve modification").click()
    expect(page.get_by_text(f"Approved: modification on loan {loan.loan_number}")).to_be_visible()
    expect(page.locator(".decision-card").first).to_contain_text("By Dev")
    shot(page, "manager", "approved")
    urgent.refresh_from_db()
    assert (urgent.status, urgent.decided_by) == (Workout.Status.APPROVED, manager)
    assert AuditEvent.objects.filter(action="workout.approve", actor=manager, object_id=str(urgent.pk)).exists()

    page.goto(f"{live_server.url}/workouts/approvals/")
    expect(page.locator("#approval-queue tbody tr")).to_have_count(1)
    later.refresh_from_db()
    assert later.status == Workout.Status.SUBMITTED

    logout(page)
    login(page, live_server, specialist)
    page.goto(f"{live_server.url}/workouts/loans/{loan.pk}/evaluate/")
    expect(page.locator(".badge.status-approved").first).to_have_text("Approved")
    shot(page, "specialist", "sees-approval")


def test_manager_cannot_approve_own_submission(page, live_server, manager, morning):
    own = submitted_modification(manager, last_name="Own", complete_on=date(2026, 11, 10))
    login(page, live_server, manager)
    page.goto(f"{live_server.url}/workouts/approvals/{own.pk}/")
    expect(page.get_by_role("heading", name="You submitted this")).to_be_visible()
    expect(page.get_by_role("button", name="Approve modification")).to_have_count(0)
    own.refresh_from_db()
    assert own.status == Workout.Status.SUBMITTED


def test_dashboard_and_reassigning_a_caseload_in_one_action(page, live_server, specialist, manager, morning):
    # Dev's team: a manager reassigns only to people who report to him.
    sam = UserFactory(username="sam", first_name="Sam", last_name="Ortiz", role="Specialist", manager=manager)
    luis = UserFactory(username="luis", first_name="Luis", last_name="Vega", role="Specialist", manager=manager)
    loans = []
    for i in range(6):
        loan = LoanFactory(assigned_to=specialist, loan_number=f"40000000{i:02d}", next_due_date=date(2026, 10, 1))
        BucketEvent.objects.create(
            loan=loan, date=date(2026, 10, 2), from_bucket="current", to_bucket="1-29", kind="entered"
        )
        BucketEvent.objects.create(
            loan=loan, date=date(2026, 11, 1), from_bucket="1-29", to_bucket="30-59", kind="rolled_forward"
        )
        CallTask.objects.create(
            loan=loan, reason="regx_live_contact", due_by=date(2026, 12, 3), business_date=date(2026, 11, 29),
            assigned_to=specialist,
        )  # fmt: skip
        loans.append(loan)

    login(page, live_server, manager)
    page.goto(f"{live_server.url}/delinquency/dashboard/")
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()
    expect(page.get_by_role("img", name="Loans per delinquency bucket")).to_be_visible()
    expect(page.locator("#risk-table tbody tr")).to_have_count(6)
    shot(page, "manager", "dashboard")

    page.get_by_role("link", name="Reassign loans").click()
    page.get_by_label("Take loans from").select_option(label=f"{specialist.get_full_name()} — 6 loans")
    page.get_by_role("button", name="Show loans").click()
    page.get_by_label("Select all 6 loans").check()
    expect(page.locator("#selected-count")).to_have_text("6 of 6 selected")
    page.get_by_label("Sam Ortiz").check()
    page.get_by_label("Luis Vega").check()
    shot(page, "manager", "reassign")
    page.get_by_role("button", name="Move selected loans").click()
    expect(page.get_by_text("Moved 6 loans with their open tasks")).to_be_visible()
    owners = sorted(Loan.objects.filter(pk__in=[x.pk for x in loans]).values_list("assigned_to_id", flat=True))
    assert owners == sorted([sam.pk] * 3 + [luis.pk] * 3)
    assert not CallTask.objects.filter(assigned_to=specialist, status="open").exists()
    assert AuditEvent.objects.filter(action="loan.reassign").count() == 6
