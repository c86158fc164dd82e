"""The manager's team dashboard (/delinquency/dashboard/) and its CSV exports."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from delinquency.models import BucketEvent, CallAttempt, CallTask, Promise
from delinquency.selectors_dashboard import periods
from tests.factories import LoanFactory, PropertyFactory
from workouts import services

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
NEW_YORK = ZoneInfo("America/New_York")
NOV = "Nov 1-27, 2026 (to date)"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 12, 0, tzinfo=NEW_YORK), tick=False)


def _events(loan, *moves):
    """moves: (date, from, to, kind)."""
    for day, b0, b1, kind in moves:
        BucketEvent.objects.create(loan=loan, date=day, from_bucket=b0, to_bucket=b1, kind=kind)


@pytest.fixture
def history(specialist):
    """Six loans with a known bucket history (see the module docstring of the selectors).

    Oct 31: L1, L2, L3 in 30-59; L4 in 1-29; L5 in 60-89. Nov 27: L1 60-89 (rolled), L2 cured,
    L3 still 30-59, L4 cured, L5 90-119 (rolled). L6 never late.
    """
    ga = {"property": PropertyFactory(state="GA")}
    loans = {
        "L1": LoanFactory(assigned_to=specialist, **ga),
        "L2": LoanFactory(assigned_to=specialist, property=PropertyFactory(state="GA")),
        "L3": LoanFactory(assigned_to=specialist, property=PropertyFactory(state="TX")),
        "L4": LoanFactory(assigned_to=specialist, property=PropertyFactory(state="TX")),
        "L5": LoanFactory(assigned_to=specialist, property=PropertyFactory(state="TX")),
        "L6": LoanFactory(assigned_to=specialist, property=PropertyFactory(state="GA")),
    }
    d = date
    _events(
        loans["L1"],
        (d(2026, 9, 5), "current", "1-29", "entered"),
        (d(2026, 10, 5), "1-29", "30-59", "rolled_forward"),
        (d(2026, 11, 5), "30-59", "60-89", "rolled_forward"),
    )
    _events(
        loans["L2"],
        (d(2026, 10, 3), "current", "1-29", "entered"),
        (d(2026, 10, 20), "1-29", "30-59", "rolled_forward"),
        (d(2026, 11, 10), "30-59", "current", "cured"),
    )
    _events(
        loans["L3"],
        (d(2026, 10, 2), "current", "1-29", "entered"),
        (d(2026, 10, 16), "1-29", "30-59", "rolled_forward"),
    )
    _events(loans["L4"], (d(2026, 10, 10), "current", "1-29", "entered"), (d(2026, 11, 2), "1-29", "current", "cured"))
    _events(
        loans["L5"],
        (d(2026, 9, 1), "current", "1-29", "entered"),
        (d(2026, 10, 1), "1-29", "30-59", "rolled_forward"),
        (d(2026, 10, 31), "30-59", "60-89", "rolled_forward"),
        (d(2026, 11, 20), "60-89", "90-119", "rolled_forward"),
    )
    return loans


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_dashboard_requires_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist"])
def test_specialists_and_outsiders_get_403(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("dashboard-export", args=["buckets"])).status_code == 403
    assert not AuditEvent.objects.filter(action="dashboard.export").exists()


def test_admin_sees_the_dashboard_but_only_managers_export(client, admin_user):
    client.force_login(admin_user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "CSV" not in response.content.decode()
    assert client.get(reverse("dashboard-export", args=["pipeline"])).status_code == 403


def test_periods_are_month_ends_then_the_month_to_date():
    got = [(p.start, p.end, p.label) for p in periods(date(2026, 11, 27), 3)]
    assert got == [
        (date(2026, 8, 31), date(2026, 9, 30), "Sep 2026"),
        (date(2026, 9, 30), date(2026, 10, 31), "Oct 2026"),
        (date(2026, 10, 31), date(2026, 11, 27), NOV),
    ]


def test_bucket_history_and_rates_are_computed_exactly_from_the_events(client, manager, history):
    client.force_login(manager)
    response = client.get(DASHBOARD, {"months": 3})
    assert response.status_code == 200
    ctx = response.context
    assert ctx["history"] == [
        ("Sep 2026", {"1-29": 2}),
        ("Oct 2026", {"30-59": 3, "1-29": 1, "60-89": 1}),
        (NOV, {"60-89": 1, "30-59": 1, "90-119": 1}),
    ]
    october, november = ctx["rates"][1], ctx["rates"][2]
    # Oct: of the two loans in 1-29 on Sep 30, L1 went to 30-59 and L5 skipped to 60-89.
    assert (october.rolls["1-29"].numerator, october.rolls["1-29"].denominator) == (1, 2)
    assert october.rolls["1-29"].rate == Decimal("50.0")
    # Nov: 30-59 on Oct 31 = L1, L2, L3; L1 rolled, L2 cured.
    assert (november.rolls["30-59"].numerator, november.rolls["30-59"].denominator) == (1, 3)
    assert november.rolls["30-59"].rate == Decimal("33.3")
    assert november.cures["30-59"].rate == Decimal("33.3")
    assert november.cures["1-29"].rate == Decimal("100.0")
    assert november.rolls["60-89"].rate == Decimal("100.0")
    assert november.rolls["90-119"].rate is None
    states = {r.label: r for r in ctx["state_rates"]}
    assert [r.label for r in ctx["state_rates"]] == ["GA", "TX"]  # worst 30-59 roll first
    assert (states["GA"].rolls["30-59"].rate, states["GA"].cures["30-59"].rate) == (Decimal("50.0"), Decimal("50.0"))
    assert (states["TX"].rolls["30-59"].rate, states["TX"].cures["1-29"].rate) == (Decimal("0.0"), Decimal("100.0"))
    html = response.content.decode()
    assert "33.3%" in html
    assert "<svg" in html


def test_rates_csv_rows_are_exact_and_the_export_is_audited(client, manager, history):
    client.force_login(manager)
    response = client.get(reverse("dashboard-export", args=["rates"]), {"months": 3})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="lossmit-rates-2026-11-27.csv"'
    rows = _csv(response)
    assert rows[0][:4] == ["period", "roll 1-29 to 30-59 loans", "1-29 at start", "roll 1-29 %"]
    assert rows[3] == [
        NOV,
        *("0", "1", "0.0"),  # 1-29: L4 did not roll
        *("1", "3", "33.3"),  # 30-59: L1 of L1, L2, L3
        *("1", "1", "100.0"),  # 60-89: L5
        *("0", "0", ""),  # 90-119: nobody there on Oct 31
        *("1", "100.0"),  # cured from 1-29: L4
        *("1", "33.3"),  # cured from 30-59: L2
        *("0", "0.0"),
        *("0", ""),
        *("0", ""),
    ]
    event = AuditEvent.objects.get(action="dashboard.export")
    assert event.actor == manager
    assert event.after == {"table": "rates", "rows": 3, "months": 3, "days": 7, "activity": 30}


def test_buckets_csv(client, manager, history):
    client.force_login(manager)
    rows = _csv(client.get(reverse("dashboard-export", args=["buckets"]), {"months": 3}))
    assert rows == [
        ["period", "as of", "1-29", "30-59", "60-89", "90-119", "120+", "foreclosure", "bankruptcy", "reo"],
        ["Sep 2026", "2026-09-30", "2", "0", "0", "0", "0", "0", "0", "0"],
        ["Oct 2026", "2026-10-31", "1", "3", "1", "0", "0", "0", "0", "0"],
        [NOV, "2026-11-27", "0", "1", "1", "1", "0", "0", "0", "0"],
    ]


def test_unknown_export_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("dashboard-export", args=["everything"])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_pipeline_deadlines_and_specialist_activity(client, manager, specialist, history):
    loans = history
    # A complete application 28 days ago: its decision is due in 2 days.
    case = services.case_open(
        actor=specialist,
        loan_id=loans["L1"].pk,
        application_received_on=date(2026, 10, 30),
        application_complete_on=date(2026, 10, 30),
    )
    services.workout_submit(
        actor=specialist,
        case_id=case.pk,
        option="modification",
        terms={"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "190000.00", "monthly_pi": "1000"},
    )
    task = CallTask.objects.create(
        loan=loans["L3"], reason="regx_live_contact", due_by=date(2026, 11, 30), business_date=date(2026, 11, 26),
        assigned_to=specialist,
    )  # fmt: skip
    at = datetime(2026, 11, 20, 10, tzinfo=NEW_YORK)
    for outcome in ("no_answer", "voicemail", "right_party_contact"):
        CallAttempt.objects.create(loan=loans["L3"], task=task, at=at, outcome=outcome, made_by=specialist)
    # The borrower on L2 called in: counted apart, not in the outbound contact rate.
    CallAttempt.objects.create(
        loan=loans["L2"], at=at, outcome="right_party_contact", made_by=specialist, direction="inbound"
    )
    Promise.objects.create(
        loan=loans["L3"], amount=Decimal("600.00"), promised_date=date(2026, 11, 15), created_on=date(2026, 11, 2),
        created_by=specialist, status="kept", resolved_on=date(2026, 11, 14),
    )  # fmt: skip
    Promise.objects.create(
        loan=loans["L2"], amount=Decimal("500.00"), promised_date=date(2026, 11, 5), created_on=date(2026, 11, 1),
        created_by=specialist, status="broken", resolved_on=date(2026, 11, 9),
    )  # fmt: skip
    client.force_login(manager)
    ctx = client.get(DASHBOARD).context
    assert [(s.stage, s.cases) for s in ctx["stages"]] == [
        ("open", 0),
        ("evaluating", 0),
        ("decision", 1),
        ("offer", 0),
        ("trial", 0),
    ]
    assert [(w.status, w.option, w.count, w.amount) for w in ctx["workouts"]] == [
        ("submitted", "modification", 1, Decimal("190000.00"))
    ]
    risks = [(r.due, r.days_left, r.what, r.loan_number) for r in ctx["risks"]]
    assert risks == [
        # Received Oct 30 and never acknowledged: 5 business days later (Nov 6) is missed.
        (date(2026, 11, 6), -21, "Acknowledgment letter", loans["L1"].loan_number),
        (date(2026, 11, 29), 2, "Evaluation decision", loans["L1"].loan_number),
        (date(2026, 11, 30), 3, "Reg X live contact", loans["L3"].loan_number),
    ]
    (row,) = ctx["specialists"]
    got = (row.name, row.loans, row.open_tasks, row.calls, row.contacts, row.inbound, row.promises_made)
    assert got == ("Maria " + specialist.last_name, 6, 1, 3, 1, 1, 2)
    assert row.promises_kept == 1
    assert (row.promises_broken, row.kept_rate, row.contact_rate) == (1, Decimal("50.0"), Decimal("33.3"))
    rows = _csv(client.get(reverse("dashboard-export", args=["deadlines"])))
    assert rows[2:] == [
        ["2026-11-29", "2", "Evaluation decision", "1024.41(c)(1)", loans["L1"].loan_number,
         loans["L1"].borrower.full_name, specialist.get_full_name()],
        ["2026-11-30", "3", "Reg X live contact", "1024.39(a)", loans["L3"].loan_number,
         loans["L3"].borrower.full_name, specialist.get_full_name()],
    ]  # fmt: skip
    team = _csv(client.get(reverse("dashboard-export", args=["specialists"])))
    assert team == [
        ["specialist", "capacity", "active loans", "open tasks", "overdue tasks", "outbound calls", "contacts",
         "contact %", "inbound calls", "promises made", "promises kept", "promises broken", "kept %"],
        ["Maria " + specialist.last_name, str(row.capacity), "6", "1", "0", "3", "1", "33.3", "1", "2", "1", "1",
         "50.0"],
    ]  # fmt: skip


def _queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(DASHBOARD).status_code == 200
    return len(ctx.captured_queries)


def _late_loans(n: int, specialist):
    for _ in range(n):
        loan = LoanFactory(assigned_to=specialist)
        _events(
            loan,
            (date(2026, 10, 3), "current", "1-29", "entered"),
            (date(2026, 11, 3), "1-29", "30-59", "rolled_forward"),
        )
        CallTask.objects.create(
            loan=loan, reason="regx_live_contact", due_by=date(2026, 11, 28), business_date=date(2026, 11, 26),
            assigned_to=specialist,
        )  # fmt: skip


def test_dashboard_runs_the_same_queries_for_3_or_30_loans(client, manager, specialist):
    _late_loans(3, specialist)
    small = _queries(client, manager)
    _late_loans(27, specialist)
    assert _queries(client, manager) == small


@pytest.fixture
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _finished_scan(day: date, at: datetime):
    from delinquency.models import ScanRun

    return ScanRun.objects.create(business_date=day, status=ScanRun.Status.DONE, started_at=at, finished_at=at)


def test_bucket_figures_are_read_once_per_finished_scan(client, manager, history, empty_cache):
    """After a scan, the bucket history and rates (two reads per period) come from the cache
    until another scan finishes; then they are recomputed and show the new events."""
    _finished_scan(date(2026, 11, 27), datetime(2026, 11, 27, 2, 0, tzinfo=NEW_YORK))
    first = _queries(client, manager)
    again = _queries(client, manager)
    assert first - again == 6 * 2 + 1  # bucket counts and transitions per period, rates by state
    assert client.get(DASHBOARD).context["history"][-1] == (NOV, {"60-89": 1, "30-59": 1, "90-119": 1})

    _events(history["L3"], (date(2026, 11, 27), "30-59", "60-89", "rolled_forward"))
    _finished_scan(date(2026, 11, 28), datetime(2026, 11, 28, 2, 0, tzinfo=NEW_YORK))

    response = client.get(DASHBOARD)
    assert response.context["as_of"] == date(2026, 11, 28)
    assert response.context["history"][-1] == ("Nov 1-28, 2026 (to date)", {"60-89": 2, "90-119": 1})
