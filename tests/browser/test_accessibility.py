"""Issue 5: the workspace is accessible (labels, focus order, contrast, keyboard use) and usable
at laptop and tablet widths. Every main page of each role is audited in Chromium by the small
script below (WCAG 2 checks we can make without a downloaded library), at 1280x800 and
768x1024; the worklist and the call page are then worked with the keyboard alone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from delinquency.models import CallAttempt, ScanRun
from tests.browser.conftest import login, submitted_modification
from workouts import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}

# One audit, run inside the page: returns readable failures, [] when the page passes.
AUDIT_JS = """() => {
  const failures = [];
  const shown = (el) => el.checkVisibility({ checkOpacity: true, visibilityProperty: true })
    && el.getClientRects().length > 0;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      const classes = typeof e.className === "string" ? e.className.trim().split(/\\s+/).filter(Boolean) : [];
      parts.unshift(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + classes.map((c) => "." + c).join(""));
    }
    return parts.join(" > ");
  };
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, " ").trim() : "");
  const labelledBy = (el) => (el.getAttribute("aria-labelledby") || "").split(/\\s+/)
    .map((id) => text(document.getElementById(id))).join(" ").trim();
  const ariaName = (el) => (el.getAttribute("aria-label") || "").trim() || labelledBy(el);

  if (!document.documentElement.lang) failures.push("html has no lang");
  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) failures.push(`${h1s} h1 elements, want exactly 1`);
  const ids = {};
  document.querySelectorAll("[id]").forEach((el) => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.entries(ids).filter(([, n]) => n > 1).forEach(([id, n]) => failures.push(`id "${id}" used ${n} times`));
  document.querySelectorAll("[tabindex]").forEach((el) => {
    if (parseInt(el.getAttribute("tabindex"), 10) > 0) failures.push(`positive tabindex: ${path(el)}`);
  });
  document.querySelectorAll("img:not([alt])").forEach((el) => failures.push(`img without alt: ${path(el)}`));

  const buttonTypes = ["submit", "button", "reset", "image"];
  document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((el) => {
    if (!shown(el) || buttonTypes.includes(el.type)) return;
    const labelled = [...(el.labels || [])].some((l) => text(l)) || ariaName(el);
    if (!labelled) failures.push(`unlabelled ${el.tagName.toLowerCase()}: ${path(el)}`);
  });
  document.querySelectorAll("a[href], button, [role=button], input[type=submit], input[type=button]").forEach((el) => {
    if (!shown(el)) return;
    const imgAlt = [...el.querySelectorAll("img[alt]")].map((i) => i.alt.trim()).join("");
    if (!(ariaName(el) || text(el) || (el.title || "").trim() || imgAlt || (el.value || "").trim())) {
      failures.push(`${el.tagName.toLowerCase()} without a name: ${path(el)}`);
    }
  });

  // WCAG 2 contrast of each element's own text against the first opaque background behind it.
  const rgba = (c) => {
    const m = c.match(/[\\d.]+/g) || [0, 0, 0, 0];
    return [+m[0], +m[1], +m[2], m[3] === undefined ? 1 : +m[3]];
  };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const luminance = (c) => {
    const linear = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = c.slice(0, 3).map((v) => linear(v / 255));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    return layers.reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  document.querySelectorAll("body *").forEach((el) => {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!own || !shown(el) || ["SCRIPT", "STYLE", "TITLE", "DESC", "OPTION"].includes(el.tagName.toUpperCase())) return;
    const style = getComputedStyle(el);
    const bg = background(el);
    const fg = over(rgba(el instanceof SVGElement ? style.fill : style.color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`contrast ${ratio.toFixed(2)} < ${large ? 3 : 4.5}: ${path(el)} "${own.slice(0, 40)}"`);
    }
  });
  return failures;
}"""

# Horizontal page overflow, and what sticks out (a scrolling .table-wrap is allowed to).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const out = [...document.querySelectorAll("body *")].filter((el) =>
    el.getBoundingClientRect().right > width + 1 && !el.closest(".table-wrap"));
  return [`page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`]
    .concat(out.slice(0, 5).map((el) => `${el.tagName} ${el.className} ends at ${el.getBoundingClientRect().right}px`));
}"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  return { name: (el.getAttribute("aria-label") || el.textContent).replace(/\\s+/g, " ").trim(),
           tag: el.tagName.toLowerCase(), value: el.value || "", visible: el.matches(":focus-visible") && ring };
}"""


@pytest.fixture
def workspace(caseload, specialist, manager, admin_user):
    """Each role's main pages, as (name, path, selector of what loads last), with data to show:
    Maria's caseload, Ben's evaluated application, Grace's modification waiting for Dev, and
    last night's scan."""
    first, hud = caseload["first"].loan, caseload["second"].loan
    services.evaluation_store(
        actor=specialist,
        case_id=hud.lossmit_cases.get().pk,
        as_of=date(2026, 11, 30),
        gross_monthly_income=Decimal("3500.00"),
    )
    workout = submitted_modification(specialist, last_name="Urgent", complete_on=date(2026, 11, 2))
    start = timezone.now() - timedelta(hours=8)
    ScanRun.objects.create(
        business_date=date(2026, 11, 29), status="done", started_at=start, finished_at=start + timedelta(seconds=38),
        loans_scanned=1_000_000, chunks_total=50, chunks_done=50, task_counts={"broken_promise": 212},
        tasks_assigned=212,
    )  # fmt: skip
    return {
        "anonymous": (None, [("login", "/accounts/login/", "h1")]),
        "specialist": (specialist, [
            ("worklist", "/delinquency/worklist/", "table.wl-table"),
            ("call", f"/delinquency/tasks/{caseload['first'].pk}/call/", "form.call-form"),
            ("loan", f"/loans/{first.pk}/", "#history-title"),
            ("workouts", f"/workouts/loans/{hud.pk}/evaluate/", "#waterfall"),
        ]),
        "manager": (manager, [
            ("approvals", "/workouts/approvals/", "#approval-queue"),
            ("review", f"/workouts/approvals/{workout.pk}/", "#waterfall"),
            ("dashboard", "/delinquency/dashboard/", "#risk-table"),
            ("reassign", f"/delinquency/reassign/?from={specialist.pk}", "#reassign-loans"),
            ("audit", f"/audit/loans/{workout.case.loan_id}/", "h1"),
        ]),
        "admin": (admin_user, [
            ("rules", "/rules/", "h1"),
            ("holidays", "/rules/holidays/", "h1"),
            ("team", "/team/", "#people"),
            ("scans", "/delinquency/scans/", "#scan-runs"),
        ]),
    }  # fmt: skip


def _audit(page, live_server, path: str, ready: str) -> list[str]:
    page.goto(live_server.url + path)
    expect(page.locator(ready).first).to_be_attached()
    if path.startswith("/loans/"):  # the loan page's htmx sections load after the page
        expect(page.locator("#case-workouts-title")).to_be_attached()
    return page.evaluate(AUDIT_JS) + page.evaluate(OVERFLOW_JS)


@pytest.mark.parametrize("role", ["anonymous", "specialist", "manager", "admin"])
def test_main_pages_pass_the_audit_at_laptop_and_tablet_widths(page, live_server, workspace, role):
    user, pages = workspace[role]
    if user:
        login(page, live_server, user)
    failures = {}
    for viewport in (LAPTOP, TABLET):
        page.set_viewport_size(viewport)
        for name, path, ready in pages:
            found = _audit(page, live_server, path, ready)
            if found:
                failures[f"{name} at {viewport['width']}px"] = found
    assert failures == {}, "\n".join(f"{where}: {problem}" for where, found in failures.items() for problem in found)


@pytest.mark.parametrize("viewport", [LAPTOP, TABLET], ids=["laptop", "tablet"])
def test_worklist_action_in_view_without_scrolling_the_table(page, live_server, specialist, caseload, viewport):
    login(page, live_server, specialist)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/delinquency/worklist/")
    wrap = page.locator("#worklist-table .table-wrap").evaluate("w => w.scrollWidth - w.clientWidth")
    assert wrap <= 1, f"the worklist scrolls sideways by {wrap}px"
    action = page.get_by_role("link", name="Work this task").first.bounding_box()
    assert action["x"] >= 0, action
    assert action["x"] + action["width"] <= viewport["width"], action
    assert action["y"] + action["height"] <= viewport["height"], action  # the first task's button, unscrolled


def test_worklist_and_call_page_work_with_the_keyboard_alone(page, live_server, specialist, caseload):
    login(page, live_server, specialist)
    page.goto(f"{live_server.url}/delinquency/worklist/")
    visited = []
    for _ in range(4):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        assert focused["visible"], focused
        visited.append(focused["name"])
    # The skip link first, then the top bar's brand and the main nav in document order.
    assert visited == ["Skip to content", "Lossmit", "Worklist", "Loans"]

    for _ in range(40):  # the first "Work this task", reached by Tab
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused["name"].startswith("Work this task"):
            break
    assert focused == {"name": "Work this task: Ana Lopez", "tag": "a", "value": "", "visible": True}
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/delinquency/tasks/{caseload['first'].pk}/call/")

    # The outcome radios: Tab into the group, arrows choose, Tab on to the button, Enter saves.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_JS)["value"] == "promise_to_pay":
            break
    assert page.evaluate(FOCUSED_JS)["visible"] is True
    for _ in range(5):  # promise to pay, hardship, ... and over to the next group: "No answer"
        page.keyboard.press("ArrowDown")
    chosen = page.evaluate(FOCUSED_JS)
    assert chosen == {"name": "", "tag": "input", "value": "no_answer", "visible": True}
    expect(page.get_by_label("No answer")).to_be_checked()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_JS)["name"] == "Save and open next task":
            break
    assert page.evaluate(FOCUSED_JS)["visible"] is True
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/delinquency/tasks/{caseload['second'].pk}/call/")  # Ben's, next
    expect(page.locator("#messages")).to_contain_text("No answer")
    attempt = CallAttempt.objects.get()
    assert (attempt.loan_id, attempt.outcome) == (caseload["first"].loan_id, CallAttempt.Outcome.NO_ANSWER)
