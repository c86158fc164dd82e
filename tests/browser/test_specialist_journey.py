"""Maria's morning in a real browser: the worklist, a call that ends in a promise to pay, the
next task opening by itself, then the workouts page where she evaluates a complete application
and submits the modification for approval."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from delinquency.models import CallAttempt, CallTask, Promise
from tests.browser.conftest import login, shot
from workouts.models import Workout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_specialist_works_a_task_logs_a_promise_and_submits_a_modification(page, live_server, specialist, caseload):
    login(page, live_server, specialist)

    # 1. The worklist: most urgent first; California waits for its window.
    page.goto(f"{live_server.url}/delinquency/worklist/")
    rows = page.locator("table.wl-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Ana Lopez")
    expect(rows.nth(0)).to_contain_text("Expires today")
    expect(rows.nth(0)).to_contain_text("NSF 12 days ago")
    expect(rows.nth(1)).to_contain_text("Ben Carter")
    expect(rows.nth(2)).to_contain_text("Opens 11:00 AM")
    shot(page, "specialist", "worklist")

    # The reason filter swaps the table in place (htmx) and keeps the URL shareable.
    page.get_by_label("Reason").select_option("broken_promise")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Ben Carter")
    assert "reason=broken_promise" in page.url
    page.get_by_label("Reason").select_option("")
    expect(rows).to_have_count(3)

    # 2. Work the first task: right-party contact with a promise of 600.00 on the 15th.
    rows.nth(0).get_by_role("link", name="Work this task").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Lopez")
    expect(page.locator(".flags")).to_contain_text("Paying later each month")
    page.get_by_label("Promise to pay").check()
    expect(page.get_by_label("Hardship reason")).to_be_hidden()
    page.get_by_label("Promised amount").fill("600.00")
    page.get_by_label("Promised by").fill("2026-12-15")
    page.get_by_label("Notes").fill("Lost overtime; pays on the 15th.")
    shot(page, "specialist", "call")
    page.get_by_role("button", name="Save and open next task").click()

    # 3. The next task opens by itself, with what was saved confirmed.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ben Carter")
    expect(page.locator("#messages")).to_contain_text("Promise to pay $600.00 by Dec 15 recorded")
    promise = Promise.objects.get()
    assert (promise.loan_id, promise.amount, promise.promised_date) == (
        caseload["first"].loan_id,
        Decimal("600.00"),
        date(2026, 12, 15),
    )
    assert CallAttempt.objects.get().outcome == CallAttempt.Outcome.RIGHT_PARTY_CONTACT
    assert CallTask.objects.get(pk=caseload["first"].pk).status == CallTask.Status.DONE

    # Ana's loan page keeps what the call left: the conversation, the promise, the ledger.
    page.goto(f"{live_server.url}/loans/{caseload['first'].loan_id}/")
    expect(page.locator("#loan-header")).to_contain_text("Ana Lopez")
    expect(page.locator("#loan-header")).to_contain_text("30-59")
    expect(page.locator("#contacts")).to_contain_text("Right-party contact")
    expect(page.locator("#promises")).to_contain_text("$600.00 by Dec 15, 2026")
    shot(page, "specialist", "loan")
    # The borrower rings back the same morning: an inbound call, logged on the loan page.
    page.get_by_text("Log an inbound call").click()
    inbound = page.locator("details.inbound-call")
    promise_box = inbound.locator("fieldset[data-show-for='promise_to_pay']")
    expect(promise_box).to_be_hidden()
    inbound.get_by_label("Promise to pay").check()
    expect(promise_box).to_be_visible()
    inbound.get_by_label("Spoke with the borrower").check()
    expect(promise_box).to_be_hidden()
    inbound.get_by_label("Notes").fill("Called back to confirm the 15th.")
    inbound.get_by_role("button", name="Log inbound call").click()
    expect(page.locator("#contacts li").first).to_contain_text("Inbound")
    assert CallAttempt.objects.filter(direction=CallAttempt.Direction.INBOUND).count() == 1
    page.goto(f"{live_server.url}/delinquency/tasks/{caseload['second'].pk}/call/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ben Carter")

    # 4. Ben's loan: the workouts page, the evaluation, every option side by side.
    page.get_by_role("link", name="Workouts").first.click()
    expect(page.locator("#deadlines")).to_contain_text("Evaluation decision")
    expect(page.locator("#deadlines")).to_contain_text("Dec 16, 2026")
    page.get_by_label("Gross monthly income").fill("3,500.00")
    page.get_by_role("button", name="Run evaluation").click()
    modification = page.locator("article.option", has=page.get_by_role("heading", name="Modification"))
    expect(modification).to_contain_text("Eligible")
    expect(modification).to_contain_text("$1,085.00")
    expect(modification).to_contain_text("P&I $785.00")
    expect(page.locator("#waterfall")).to_contain_text("Forbearance")
    expect(page.locator("#waterfall")).to_contain_text("$19,068.58")
    shot(page, "specialist", "evaluation")

    # What if the borrower could carry a 480-month term? Live recalculation, nothing stored.
    page.get_by_label("Longest term (months)").fill("480")
    expect(page.locator(".whatif-result")).to_contain_text("longest term (months) changed")
    shot(page, "specialist", "what-if")

    # 5. Submit the modification for approval.
    modification.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#messages")).to_contain_text("Modification submitted for approval")
    expect(page.locator("#workouts")).to_contain_text("Submitted for approval")
    workout = Workout.objects.get()
    assert (workout.option, workout.status, workout.submitted_by_id, workout.terms["monthly_pi"]) == (
        "modification",
        Workout.Status.SUBMITTED,
        specialist.pk,
        "785.00",
    )
    shot(page, "specialist", "submitted")
