"""The business-day calendar: admins add legal public holidays the `holidays` package does not
know, and every Reg X business-day clock counts them (rules/services.py, rules/views/holidays.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused
from rules.models import Holiday
from rules.selectors import holidays_declared
from rules.services import holiday_add, holiday_remove
from tests.factories import LoanFactory
from workouts import selectors, services
from workouts.domain.dates import add_business_days, is_business_day
from workouts.domain.regx import acknowledgment_due

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
PAGE = reverse("holidays")
ADD = reverse("holiday-add")
MOURNING = date(2026, 12, 1)  # a Tuesday


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=NEW_YORK), tick=False)


def _state():
    return list(Holiday.objects.values_list("date", "name")), AuditEvent.objects.count()


def test_declared_days_are_skipped_like_federal_holidays():
    # Received Wed Nov 25, 2026: Thanksgiving and the weekend are skipped, so day 5 is Thu Dec 3;
    # with Tue Dec 1 declared it is Fri Dec 4.
    assert acknowledgment_due(date(2026, 11, 25)) == date(2026, 12, 3)
    assert acknowledgment_due(date(2026, 11, 25), None, frozenset({MOURNING})) == date(2026, 12, 4)
    assert is_business_day(MOURNING) is True
    assert is_business_day(MOURNING, frozenset({MOURNING})) is False
    assert add_business_days(date(2026, 11, 30), 1, frozenset({MOURNING})) == date(2026, 12, 2)


def test_admin_adds_a_holiday_and_case_deadlines_move(admin_user, specialist):
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 24))
    assert selectors.case_deadlines(case).acknowledgment_due == date(2026, 12, 2)

    holiday = holiday_add(actor=admin_user, on=MOURNING, name="  National Day of Mourning ")

    assert (holiday.date, holiday.name, holiday.created_by) == (MOURNING, "National Day of Mourning", admin_user)
    assert holidays_declared() == frozenset({MOURNING})
    assert selectors.case_deadlines(case).acknowledgment_due == date(2026, 12, 3)
    event = AuditEvent.objects.get(action="holiday.add")
    assert (event.actor, event.object_id, event.after) == (
        admin_user,
        str(holiday.pk),
        {"date": "2026-12-01", "name": "National Day of Mourning"},
    )


def test_the_case_api_shows_the_moved_deadline(admin_user, specialist):
    from rest_framework.test import APIClient

    holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    loan = LoanFactory(next_due_date=date(2026, 9, 1), assigned_to=specialist)
    case = services.case_open(actor=specialist, loan_id=loan.pk, application_received_on=date(2026, 11, 24))
    api = APIClient()
    api.force_authenticate(specialist)
    body = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["deadlines"]["acknowledgment_due"] == "2026-12-03"


@pytest.mark.parametrize(
    ("on", "name", "code"),
    [
        (date(2026, 11, 23), "Yesterday", "date_in_past"),
        (date(2026, 11, 28), "A Saturday", "weekend"),
        (date(2026, 11, 26), "Thanksgiving again", "federal_holiday"),
        (MOURNING, "", "bad_name"),
        (MOURNING, "x" * 101, "bad_name"),
    ],
)
def test_refusals_change_nothing(admin_user, on, name, code):
    before = _state()
    with pytest.raises(BadInput) as refused:
        holiday_add(actor=admin_user, on=on, name=name)
    assert refused.value.code == code
    assert _state() == before


def test_a_day_is_added_once(admin_user):
    holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    before = _state()
    with pytest.raises(BadInput) as refused:
        holiday_add(actor=admin_user, on=MOURNING, name="Again")
    assert refused.value.code == "duplicate"
    assert _state() == before


@pytest.mark.parametrize("persona", ["specialist", "manager", "outsider"])
def test_only_admins_change_the_calendar(request, admin_user, persona):
    actor = request.getfixturevalue(persona)
    holiday = holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    before = _state()
    with pytest.raises(PermissionRefused):
        holiday_add(actor=actor, on=date(2026, 12, 2), name="Another")
    with pytest.raises(PermissionRefused):
        holiday_remove(actor=actor, holiday_id=holiday.pk)
    assert _state() == before


def test_remove_takes_a_future_day_off_and_keeps_the_audit(admin_user):
    holiday = holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    holiday_remove(actor=admin_user, holiday_id=holiday.pk)
    assert holidays_declared() == frozenset()
    event = AuditEvent.objects.get(action="holiday.remove")
    assert event.before == {"date": "2026-12-01", "name": "National Day of Mourning"}
    with pytest.raises(NotFound):
        holiday_remove(actor=admin_user, holiday_id=holiday.pk)


def test_a_past_holiday_stays(admin_user, time_machine):
    holiday = holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=NEW_YORK), tick=False)
    before = _state()
    with pytest.raises(DomainError) as refused:
        holiday_remove(actor=admin_user, holiday_id=holiday.pk)
    assert refused.value.code == "holiday_past"
    assert _state() == before


def test_page_lists_federal_and_added_days_with_fixed_queries(client, admin_user, manager, django_assert_num_queries):
    holiday_add(actor=admin_user, on=MOURNING, name="National Day of Mourning")
    client.force_login(manager)
    with django_assert_num_queries(4):  # session, user, roles, added days with their authors
        client.get(PAGE)
    holiday_add(actor=admin_user, on=date(2026, 12, 2), name="Second day")
    holiday_add(actor=admin_user, on=date(2027, 3, 2), name="Third day")
    with django_assert_num_queries(4):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Thanksgiving Day" in html
    assert "Tue Dec 1, 2026" in html
    assert "National Day of Mourning" in html
    assert "Add to the calendar" not in html  # managers read


def test_admin_adds_through_the_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(ADD, {"date": "2026-12-01", "name": "National Day of Mourning"})
    assert response.status_code == 302
    assert list(Holiday.objects.values_list("date", flat=True)) == [MOURNING]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-13-01", "name": "Bad"}, "Enter a date as YYYY-MM-DD."),
        ({"date": "2026-11-28", "name": "Saturday"}, "Saturday is never a business day"),
        ({"date": "2026-12-01", "name": ""}, "Name the holiday."),
    ],
)
def test_bad_input_on_the_page_is_shown_and_writes_nothing(client, admin_user, data, message):
    client.force_login(admin_user)
    before = _state()
    response = client.post(ADD, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == before
