"""Bulk reassignment: the service (delinquency/services_reassign.py) and the page (/delinquency/reassign/)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Profile
from accounts.roles import Role
from audit.models import AuditEvent
from borrowers.models import Loan
from delinquency.models import CallTask
from delinquency.services_reassign import loans_reassign
from lossmit.errors import DomainError
from tests.factories import LoanFactory, UserFactory
from workouts import services
from workouts.models import LossMitCase

pytestmark = pytest.mark.django_db

REASSIGN = reverse("reassign")


@pytest.fixture
def luis(db, manager):
    """On Dev's team with Maria and Sam: a manager reassigns within the team."""
    return UserFactory(username="luis", first_name="Luis", role=Role.SPECIALIST, manager=manager)


@pytest.fixture
def caseload(specialist):
    """Maria's five loans, each with an open call task; the first has an open case."""
    loans = [LoanFactory(assigned_to=specialist, loan_number=f"30000000{i:02d}") for i in range(5)]
    for loan in loans:
        CallTask.objects.create(
            loan=loan, reason="regx_live_contact", due_by=date(2026, 12, 5), business_date=date(2026, 11, 26),
            assigned_to=specialist,
        )  # fmt: skip
    services.case_open(actor=specialist, loan_id=loans[0].pk, application_received_on=date(2026, 11, 2))
    return loans


def _owners(loans):
    ids = [loan.pk for loan in loans]
    return (
        list(Loan.objects.filter(pk__in=ids).order_by("loan_number").values_list("assigned_to_id", flat=True)),
        sorted(CallTask.objects.filter(loan__in=loans).values_list("loan_id", "assigned_to_id")),
        list(LossMitCase.objects.filter(loan__in=loans).values_list("assigned_to_id", flat=True)),
        AuditEvent.objects.filter(action="loan.reassign").count(),
    )  # fmt: skip


def test_split_evenly_in_turn_with_tasks_and_cases(manager, specialist, other_specialist, luis, caseload):
    plan = loans_reassign(
        actor=manager,
        loan_ids=[loan.pk for loan in caseload],
        to_user_ids=[other_specialist.pk, luis.pk],
        from_user_id=specialist.pk,
    )
    ids = [loan.pk for loan in caseload]
    assert plan == {other_specialist.pk: [ids[0], ids[2], ids[4]], luis.pk: [ids[1], ids[3]]}
    owners = dict(Loan.objects.filter(pk__in=ids).values_list("pk", "assigned_to_id"))
    assert owners == {ids[0]: other_specialist.pk, ids[1]: luis.pk, ids[2]: other_specialist.pk, ids[3]: luis.pk,
                      ids[4]: other_specialist.pk}  # fmt: skip
    assert dict(CallTask.objects.filter(loan_id__in=ids).values_list("loan_id", "assigned_to_id")) == owners
    assert LossMitCase.objects.get(loan_id=ids[0]).assigned_to == other_specialist
    events = AuditEvent.objects.filter(action="loan.reassign").order_by("loan_id")
    assert [(e.loan_id, e.actor, e.before, e.after["assigned_to"]) for e in events] == [
        (pk, manager, {"assigned_to": specialist.pk}, owners[pk]) for pk in ids
    ]
    assert len(events[0].after["call_tasks"]) == 1
    assert len(events[0].after["cases"]) == 1


def test_one_target_takes_them_all(manager, specialist, luis, caseload):
    plan = loans_reassign(actor=manager, loan_ids=[caseload[1].pk, caseload[3].pk], to_user_ids=[luis.pk])
    assert plan == {luis.pk: [caseload[1].pk, caseload[3].pk]}
    assert Loan.objects.filter(assigned_to=specialist).count() == 3


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("specialist_actor", "forbidden"),
        ("no_loans", "loans_required"),
        ("no_targets", "targets_required"),
        ("manager_target", "invalid_target"),
        ("inactive_target", "invalid_target"),
        ("same_person", "same_person"),
        ("stale", "stale_assignment"),
    ],
)
def test_refusals_change_nothing(case, code, manager, specialist, other_specialist, luis, caseload):
    loan_ids = [loan.pk for loan in caseload]
    kwargs = {"actor": manager, "loan_ids": loan_ids, "to_user_ids": [luis.pk], "from_user_id": specialist.pk}
    if case == "specialist_actor":
        kwargs["actor"] = other_specialist
    elif case == "no_loans":
        kwargs["loan_ids"] = []
    elif case == "no_targets":
        kwargs["to_user_ids"] = []
    elif case == "manager_target":
        kwargs["to_user_ids"] = [luis.pk, manager.pk]
    elif case == "inactive_target":
        luis.is_active = False
        luis.save()
    elif case == "same_person":
        kwargs["to_user_ids"] = [specialist.pk]
    elif case == "stale":
        Loan.objects.filter(pk=loan_ids[2]).update(assigned_to=other_specialist)
    before = _owners(caseload)
    with pytest.raises(DomainError) as err:
        loans_reassign(**kwargs)
    assert err.value.code == code
    assert _owners(caseload) == before


def test_page_requires_login(client):
    response = client.get(REASSIGN)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "specialist", "admin_user"])
def test_only_managers_open_the_page(client, request, persona, luis, caseload):
    client.force_login(request.getfixturevalue(persona))
    before = _owners(caseload)
    assert client.get(REASSIGN).status_code == 403
    post = {"from_user": caseload[0].assigned_to_id, "loans": [caseload[0].pk], "to_users": [luis.pk]}
    assert client.post(REASSIGN, post).status_code == 403
    assert _owners(caseload) == before


def test_page_lists_the_source_caseload_and_moves_the_selection(
    client, manager, specialist, luis, other_specialist, caseload
):
    Profile.objects.filter(user=specialist).update(is_active_for_assignment=False)
    client.force_login(manager)
    page = client.get(REASSIGN, {"from": specialist.pk})
    assert page.status_code == 200
    assert [loan.loan_number for loan in page.context["loans"]] == [f"30000000{i:02d}" for i in range(5)]
    assert [p.pk for p in page.context["targets"]] == [luis.pk, other_specialist.pk]
    html = page.content.decode()
    assert "(away)" in html
    assert 'data-select-all="loans"' in html
    all_checked = client.get(REASSIGN, {"from": specialist.pk, "all": "1"}).content.decode()
    assert all_checked.count(" checked") == 5
    response = client.post(
        REASSIGN,
        {
            "from_user": specialist.pk,
            "loans": [loan.pk for loan in caseload],
            "to_users": [luis.pk, other_specialist.pk],
        },
    )
    assert response.status_code == 302
    assert response.url == f"{REASSIGN}?from={specialist.pk}"
    assert Loan.objects.filter(assigned_to=luis).count() == 3
    assert Loan.objects.filter(assigned_to=other_specialist).count() == 2
    follow = client.get(response.url).content.decode()
    assert "Moved 5 loans with their open tasks: 3 to Luis" in follow


def test_page_shows_refusals_and_changes_nothing(client, manager, specialist, luis, caseload):
    client.force_login(manager)
    before = _owners(caseload)
    response = client.post(REASSIGN, {"from_user": specialist.pk, "loans": [caseload[0].pk]})
    assert response.status_code == 400
    assert "Choose at least one." in response.content.decode()
    response = client.post(REASSIGN, {"from_user": specialist.pk, "to_users": [luis.pk]})
    assert response.status_code == 400
    assert "Select at least one loan." in response.content.decode()
    assert _owners(caseload) == before


def _page_queries(client, manager, source) -> int:
    client.force_login(manager)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(REASSIGN, {"from": source.pk}).status_code == 200
    return len(ctx.captured_queries)


def test_page_runs_the_same_queries_for_3_or_30_loans(client, manager, specialist, luis):
    for _ in range(3):
        LoanFactory(assigned_to=specialist)
    small = _page_queries(client, manager, specialist)
    for _ in range(27):
        loan = LoanFactory(assigned_to=specialist)
        CallTask.objects.create(
            loan=loan, reason="early_warning", due_by=date(2026, 12, 1), business_date=date(2026, 11, 26)
        )
    assert _page_queries(client, manager, specialist) == small
