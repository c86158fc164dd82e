"""My worklist (/delinquency/worklist/): today's call tasks most urgent first, with reason,
due-by, days past due, bucket, risk reasons and the call window in the specialist's time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from delinquency.models import CallAttempt, CallTask, Hold, LoanDelinquency
from tests.factories import LoanFactory

NEW_YORK = ZoneInfo("America/New_York")
WORKLIST = reverse("worklist")


@pytest.fixture(autouse=True)
def monday_0830(time_machine):
    """Monday Nov 30, 2026, 13:30 UTC: 8:30 in New York, 5:30 in Los Angeles."""
    time_machine.move_to(datetime(2026, 11, 30, 13, 30, tzinfo=ZoneInfo("UTC")), tick=False)


def task(loan, reason=CallTask.Reason.REGX_LIVE_CONTACT, due_by=date(2026, 12, 7)):
    return CallTask.objects.create(
        loan=loan, reason=reason, due_by=due_by, business_date=date(2026, 11, 30), assigned_to=loan.assigned_to
    )


def delinquent(specialist, *, state="GA", next_due=date(2026, 10, 14), bucket="30-59", risks=()):
    loan = LoanFactory(assigned_to=specialist, property__state=state, next_due_date=next_due)
    LoanDelinquency.objects.create(
        loan=loan,
        business_date=date(2026, 11, 29),
        next_due_date=next_due,
        days_past_due=46,
        mba_status=30,
        bucket=bucket,
        risk_reasons=[{"code": code, "message": message} for code, message in risks],
    )
    return loan


def rows(response):
    return [row.task.pk for row in response.context["rows"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get(WORKLIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_without_a_role_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get(WORKLIST).status_code == 403


def test_admin_has_no_worklist(client, admin_user):
    client.force_login(admin_user)
    assert client.get(WORKLIST).status_code == 403


def test_tasks_in_priority_order_with_california_below_until_its_window_opens(client, specialist, other_specialist):
    """Reg X expiring today first, then broken promise, missed trial, early warning; the
    California borrower (5:30 there) sorts below every open task and opens 11:00 AM Eastern."""
    early = task(delinquent(specialist), CallTask.Reason.EARLY_WARNING, date(2026, 12, 4))
    trial = task(delinquent(specialist), CallTask.Reason.MISSED_TRIAL_PAYMENT, date(2026, 11, 30))
    broken = task(delinquent(specialist), CallTask.Reason.BROKEN_PROMISE, date(2026, 12, 1))
    regx_today = task(delinquent(specialist), CallTask.Reason.REGX_LIVE_CONTACT, date(2026, 11, 30))
    california = task(delinquent(specialist, state="CA"), CallTask.Reason.REGX_LIVE_CONTACT, date(2026, 11, 30))
    task(delinquent(other_specialist))  # not mine
    client.force_login(specialist)

    response = client.get(WORKLIST)

    assert response.status_code == 200
    assert rows(response) == [regx_today.pk, broken.pk, trial.pk, early.pk, california.pk]
    by_pk = {row.task.pk: row for row in response.context["rows"]}
    assert (by_pk[regx_today.pk].window, by_pk[regx_today.pk].due_today) == ("Open now", True)
    assert by_pk[california.pk].window == "Opens 11:00 AM"
    assert by_pk[california.pk].blocked == ["outside 8am-9pm local time (it is 05:30 AM there)"]
    html = response.content.decode()
    assert "Opens 11:00 AM" in html
    assert "Expires today" in html
    assert (response.context["total"], response.context["regulatory_today"]) == (5, 2)


def test_row_shows_days_past_due_bucket_and_risk_reasons(client, specialist):
    loan = delinquent(
        specialist,
        next_due=date(2026, 10, 14),
        risks=[("nsf", "NSF 12 days ago"), ("drift", "Paying later each month")],
    )
    task(loan)
    client.force_login(specialist)

    response = client.get(WORKLIST)

    row = response.context["rows"][0]
    assert (row.dpd, row.bucket) == (47, "30-59")
    html = response.content.decode()
    assert "NSF 12 days ago" in html
    assert "Paying later each month" in html
    assert f'href="{reverse("loan-detail", args=[loan.pk])}"' in html
    assert f'href="{reverse("task-call", args=[row.task.pk])}"' in html
    assert "Work this task" in html


def test_blocked_tasks_say_why(client, specialist):
    held = delinquent(specialist)
    Hold.objects.create(loan=held, kind=Hold.Kind.BANKRUPTCY, start_date=date(2026, 11, 1), reason="Ch. 7")
    spoke = delinquent(specialist)
    CallAttempt.objects.create(
        loan=spoke, at=datetime(2026, 11, 27, 16, 45, tzinfo=NEW_YORK), outcome=CallAttempt.Outcome.RIGHT_PARTY_CONTACT
    )
    held_task, spoke_task = task(held), task(spoke)
    client.force_login(specialist)

    response = client.get(WORKLIST)

    by_pk = {row.task.pk: row for row in response.context["rows"]}
    assert (by_pk[held_task.pk].window, by_pk[held_task.pk].blocked) == (
        "No calls",
        ["No calls: bankruptcy (automatic stay) hold since Nov 01, 2026."],
    )
    assert (by_pk[spoke_task.pk].window, by_pk[spoke_task.pk].blocked) == (
        "Opens Fri Dec 4, 4:45 PM",
        ["spoke with the borrower on Nov 27"],
    )
    assert rows(response) == [spoke_task.pk, held_task.pk]


def test_filters_by_reason_and_bucket(client, specialist):
    promise = task(delinquent(specialist, bucket="60-89"), CallTask.Reason.BROKEN_PROMISE)
    regx_30 = task(delinquent(specialist, bucket="30-59"))
    regx_60 = task(delinquent(specialist, bucket="60-89"))
    client.force_login(specialist)

    assert rows(client.get(WORKLIST, {"reason": "broken_promise"})) == [promise.pk]
    assert rows(client.get(WORKLIST, {"bucket": "60-89"})) == [regx_60.pk, promise.pk]
    assert rows(client.get(WORKLIST, {"reason": "regx_live_contact", "bucket": "30-59"})) == [regx_30.pk]
    assert len(rows(client.get(WORKLIST, {"bucket": "nonsense"}))) == 3  # a bad filter shows everything


def test_htmx_filter_swaps_only_the_table(client, specialist):
    task(delinquent(specialist), CallTask.Reason.BROKEN_PROMISE)
    client.force_login(specialist)

    response = client.get(WORKLIST, {"reason": "broken_promise"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="worklist-table"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def many_tasks(specialist, count):
    """`count` tasks: every third in California (not callable at 5:30 there), every fifth held."""
    made = []
    for n in range(count):
        loan = delinquent(specialist, state="CA" if n % 3 == 0 else "GA", risks=[("nsf", "NSF 3 days ago")])
        made.append(task(loan, due_by=date(2026, 12, 1 + n % 7)))
        if n % 5 == 0:
            Hold.objects.create(loan=loan, kind=Hold.Kind.ATTORNEY, start_date=date(2026, 11, 1), reason="Counsel")
    return made


@pytest.mark.parametrize(("count", "shown"), [(3, 3), (30, 30), (120, 50)])
def test_worklist_runs_a_fixed_number_of_queries(client, specialist, django_assert_max_num_queries, count, shown):
    many_tasks(specialist, count)
    client.force_login(specialist)
    # session + user + roles, the counts, one read per tier (callable, later, held), then the
    # page's loans, attempts and holds
    with django_assert_max_num_queries(10):
        response = client.get(WORKLIST)
    assert len(response.context["rows"]) == shown
    assert response.context["total"] == count
    with django_assert_max_num_queries(11):  # a filter adds its count
        response = client.get(WORKLIST, {"bucket": "30-59", "reason": "regx_live_contact"})
    assert len(response.context["rows"]) == shown


def test_pages_follow_each_other_in_priority_order(client, specialist):
    """Page by page, the worklist lists every task once, callable ones first, then the ones
    that open later, then the held ones, each by reason priority, due date and id; the next
    page's link keeps the filters and the htmx swap."""
    made = many_tasks(specialist, 120)
    held = {t.pk for n, t in enumerate(made) if n % 5 == 0}
    later = {t.pk for n, t in enumerate(made) if n % 3 == 0} - held
    client.force_login(specialist)

    seen, url, pages = [], WORKLIST + "?reason=regx_live_contact", 0
    while url:
        response = client.get(url)
        seen += rows(response)
        url, pages = response.context["next_url"], pages + 1
        if url:
            assert "reason=regx_live_contact" in url
            assert f'hx-get="{url.replace("&", "&amp;")}"' in response.content.decode()

    def key(pk):
        t = next(t for t in made if t.pk == pk)
        return (2 if pk in held else 1 if pk in later else 0, t.due_by, pk)

    assert pages == 3
    assert seen == sorted((t.pk for t in made), key=key)
    assert len(set(seen)) == 120


def test_a_malformed_page_cursor_shows_the_first_page(client, specialist):
    made = many_tasks(specialist, 3)
    client.force_login(specialist)
    response = client.get(WORKLIST, {"after": "9.x.2026-13-01.1"})
    assert response.status_code == 200
    assert len(rows(response)) == 3
    assert {t.pk for t in made} == set(rows(response))


def test_row_markup_escapes_what_borrowers_and_scans_wrote(client, specialist):
    """The rows are built in Python (WorklistRow.html), not by the template engine: names and
    risk messages are escaped all the same, and the row reads as the template's did."""
    loan = delinquent(specialist, risks=[("nsf", "<script>alert(1)</script> NSF")])
    loan.borrower.first_name, loan.borrower.last_name = "Ana", "O'Neil <b>"
    loan.borrower.save()
    t = task(loan, due_by=date(2026, 11, 30))
    client.force_login(specialist)

    html = client.get(WORKLIST).content.decode()

    assert "<script>alert(1)" not in html
    assert "<b>" not in html
    assert (
        f'<tr id="task-{t.pk}" class="wl-row">'
        f'<td class="wl-who"><a class="wl-borrower" href="{reverse("loan-detail", args=[loan.pk])}">'
        "Ana O&#x27;Neil &lt;b&gt;</a>"
        f' <span class="txn-meta mono">{loan.loan_number} · GA</span></td>'
        '<td data-label="Reason"><span class="badge reason-regx_live_contact">Reg X live contact</span></td>'
        '<td class="nowrap" data-label="Due by"><span class="badge badge-due">Expires today</span> </td>'
        '<td class="num" data-label="Days past due">47</td>'
        '<td data-label="Bucket"><span class="badge bucket-30-59">30-59</span></td>'
        '<td class="wl-risk" data-label="Risk"><span class="risk">&lt;script&gt;alert(1)&lt;/script&gt; NSF</span></td>'
        '<td class="wl-window" data-label="Call window"><span class="badge badge-ok">Open now</span></td>'
        f'<td class="actions"><a class="btn btn-primary btn-small" href="{reverse("task-call", args=[t.pk])}">'
        'Work this task<span class="visually-hidden">: Ana O&#x27;Neil &lt;b&gt;</span></a></td></tr>'
    ) in html
