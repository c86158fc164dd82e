"""Program rule sets: versions, four-eyes approval, effective dates, refusals change nothing."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from accounts.roles import Role
from audit.models import AuditEvent
from lossmit.errors import BadInput, DomainError, NotFound, PermissionRefused
from rules.models import ProgramRuleSet
from rules.selectors import rule_set_effective, rule_set_parameters
from rules.services import rule_change_approve, rule_change_propose, rule_change_reject
from tests.factories import UserFactory
from workouts.domain.parameters import DEFAULTS, DEFAULTS_JSON

TODAY = date(2026, 11, 27)
NEXT_MONTH = date(2027, 1, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def second_admin(db):
    return UserFactory(username="omar", role=Role.ADMIN, is_staff=True)


def _snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    rows = tuple(
        ProgramRuleSet.objects.order_by("id").values_list("id", "program", "version", "status", "parameters",
                                                          "approved_by", "rejected_by")
    )  # fmt: skip
    return rows, AuditEvent.objects.count()


def _propose(admin, **kwargs) -> ProgramRuleSet:
    values = {"program": "GSE_FLEX", "changes": {"mod_posted_rate": "6.125"}, "effective_date": NEXT_MONTH}
    values.update(kwargs)
    return rule_change_propose(actor=admin, note="Posted rate moved.", **values)


def test_version_1_of_each_program_ships_approved_with_the_defaults(db):
    rows = ProgramRuleSet.objects.filter(version=1).order_by("program")
    assert [r.program for r in rows] == ["FHA_HAMP", "GSE_FLEX", "HAMP_31", "PORTFOLIO"]
    for row in rows:
        assert row.status == ProgramRuleSet.Status.APPROVED
        assert row.effective_date == date(2000, 1, 1)
        assert row.parameters == DEFAULTS_JSON[row.program]
        assert rule_set_parameters(row) == DEFAULTS[row.program]


def test_admin_proposes_a_pending_new_version(admin_user):
    rule_set = _propose(admin_user)
    rule_set.refresh_from_db()
    assert (rule_set.version, rule_set.status, rule_set.created_by) == (2, "pending", admin_user)
    assert rule_set.parameters == {**DEFAULTS_JSON["GSE_FLEX"], "mod_posted_rate": "6.125"}
    assert rule_set.effective_date == NEXT_MONTH
    event = AuditEvent.objects.get(action="rule_change.propose")
    assert event.actor == admin_user
    assert event.object_id == str(rule_set.pk)
    assert event.before == {"version": 1, "parameters": {"mod_posted_rate": "6.500"}}
    assert event.after == {"version": 2, "parameters": {"mod_posted_rate": "6.125"}, "effective_date": "2027-01-01"}
    # Not yet in force: evaluations still get version 1.
    assert rule_set_effective(program="GSE_FLEX", as_of=date(2027, 6, 1)).version == 1


@pytest.mark.parametrize("who", ["specialist", "manager"])
def test_only_an_admin_may_propose(db, request, who):
    before = _snapshot()
    with pytest.raises(PermissionRefused) as excinfo:
        _propose(request.getfixturevalue(who))
    assert excinfo.value.code == "not_admin"
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("_case", "kwargs", "error", "code"),
    [
        ("unknown parameter", {"changes": {"mod_posted_rat": "6.000"}}, BadInput, "invalid_parameters"),
        ("bad value", {"changes": {"mod_max_term_months": "forty"}}, BadInput, "invalid_parameters"),
        ("no change", {"changes": {"mod_posted_rate": "6.500"}}, BadInput, "no_changes"),
        ("effective yesterday", {"effective_date": date(2026, 11, 26)}, BadInput, "effective_date_in_past"),
        ("unknown program", {"program": "VA_VRM"}, BadInput, "unknown_program"),
    ],
)
def test_bad_proposals_are_refused_and_change_nothing(admin_user, _case, kwargs, error, code):
    before = _snapshot()
    with pytest.raises(error) as excinfo:
        _propose(admin_user, **kwargs)
    assert excinfo.value.code == code
    assert _snapshot() == before


def test_invalid_parameters_name_each_field(admin_user):
    with pytest.raises(BadInput) as excinfo:
        _propose(admin_user, changes={"mod_posted_rat": "6.000", "repay_max_months": "0"})
    assert set(excinfo.value.fields) == {"mod_posted_rat", "repay_max_months"}


def test_effective_today_is_allowed(admin_user):
    assert _propose(admin_user, effective_date=TODAY).effective_date == TODAY


def test_one_pending_proposal_per_program(admin_user, second_admin):
    _propose(admin_user)
    before = _snapshot()
    with pytest.raises(DomainError) as excinfo:
        _propose(second_admin, changes={"repay_max_months": "6"})
    assert excinfo.value.code == "proposal_pending"
    assert _snapshot() == before
    # Another program is independent.
    assert _propose(second_admin, program="HAMP_31").version == 2


def test_proposer_cannot_approve_own_change(admin_user):
    rule_set = _propose(admin_user)
    before = _snapshot()
    with pytest.raises(PermissionRefused) as excinfo:
        rule_change_approve(actor=admin_user, rule_set_id=rule_set.pk)
    assert excinfo.value.code == "four_eyes"
    assert _snapshot() == before


def test_specialist_cannot_approve(admin_user, specialist):
    rule_set = _propose(admin_user)
    before = _snapshot()
    with pytest.raises(PermissionRefused):
        rule_change_approve(actor=specialist, rule_set_id=rule_set.pk)
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["manager", "second_admin"])
def test_manager_or_second_admin_approves(request, admin_user, who):
    approver = request.getfixturevalue(who)
    rule_set = rule_change_approve(actor=approver, rule_set_id=_propose(admin_user).pk, note="Checked.")
    rule_set.refresh_from_db()
    assert (rule_set.status, rule_set.approved_by) == ("approved", approver)
    assert rule_set.approved_at == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    event = AuditEvent.objects.get(action="rule_change.approve")
    assert (event.actor, event.after, event.note) == (approver, {"status": "approved", "version": 2}, "Checked.")


def test_effective_date_decides_which_version_an_evaluation_uses(admin_user, manager):
    rule_change_approve(actor=manager, rule_set_id=_propose(admin_user).pk)
    assert rule_set_effective(program="GSE_FLEX", as_of=date(2026, 12, 31)).version == 1
    assert rule_set_effective(program="GSE_FLEX", as_of=NEXT_MONTH).version == 2
    assert rule_set_parameters(rule_set_effective(program="GSE_FLEX", as_of=NEXT_MONTH)).mod_posted_rate == (
        DEFAULTS["GSE_FLEX"].with_overrides({"mod_posted_rate": "6.125"}).mod_posted_rate
    )
    # Other programs are untouched.
    assert rule_set_effective(program="FHA_HAMP", as_of=NEXT_MONTH).version == 1


def test_a_new_version_builds_on_the_latest_approved_one(admin_user, manager):
    rule_change_approve(actor=manager, rule_set_id=_propose(admin_user).pk)
    v3 = _propose(admin_user, changes={"repay_max_months": "6"}, effective_date=date(2027, 2, 1))
    assert v3.version == 3
    assert v3.parameters["mod_posted_rate"] == "6.125"
    assert v3.parameters["repay_max_months"] == "6"


def test_reject_with_reason(admin_user, manager):
    rule_set = rule_change_reject(actor=manager, rule_set_id=_propose(admin_user).pk, reason="Rate is stale.")
    rule_set.refresh_from_db()
    assert (rule_set.status, rule_set.rejected_by, rule_set.rejection_reason) == ("rejected", manager, "Rate is stale.")
    assert AuditEvent.objects.filter(action="rule_change.reject", actor=manager).count() == 1
    assert rule_set_effective(program="GSE_FLEX", as_of=NEXT_MONTH).version == 1
    # Version numbers are never reused: the next proposal is version 3.
    assert _propose(admin_user).version == 3


def test_reject_needs_a_reason_and_a_second_person(admin_user, manager):
    rule_set = _propose(admin_user)
    before = _snapshot()
    with pytest.raises(BadInput):
        rule_change_reject(actor=manager, rule_set_id=rule_set.pk, reason="  ")
    with pytest.raises(PermissionRefused):
        rule_change_reject(actor=admin_user, rule_set_id=rule_set.pk, reason="Changed my mind.")
    assert _snapshot() == before


def test_decided_versions_cannot_be_decided_again(admin_user, manager, second_admin):
    rule_set = rule_change_approve(actor=manager, rule_set_id=_propose(admin_user).pk)
    before = _snapshot()
    for action in (
        lambda: rule_change_approve(actor=second_admin, rule_set_id=rule_set.pk),
        lambda: rule_change_reject(actor=second_admin, rule_set_id=rule_set.pk, reason="Too late."),
    ):
        with pytest.raises(DomainError) as excinfo:
            action()
        assert excinfo.value.code == "not_pending"
    assert _snapshot() == before


def test_latest_version_wins_among_those_in_force(db):
    """Version 3 effective earlier than version 2 (a correction): from its date on it wins."""
    base = DEFAULTS_JSON["GSE_FLEX"]
    for version, effective in ((2, date(2026, 6, 1)), (3, date(2026, 3, 1))):
        ProgramRuleSet.objects.create(
            program="GSE_FLEX", version=version, parameters=base, effective_date=effective, status="approved"
        )
    assert rule_set_effective(program="GSE_FLEX", as_of=date(2026, 2, 28)).version == 1
    assert rule_set_effective(program="GSE_FLEX", as_of=date(2026, 3, 1)).version == 3
    assert rule_set_effective(program="GSE_FLEX", as_of=date(2026, 7, 1)).version == 3


def test_investor_rule_set_wins_over_the_program_default(db):
    ProgramRuleSet.objects.create(
        program="GSE_FLEX", investor="FHLMC", version=2, parameters=DEFAULTS_JSON["GSE_FLEX"],
        effective_date=date(2026, 1, 1), status="approved",
    )  # fmt: skip
    assert rule_set_effective(program="GSE_FLEX", as_of=TODAY, investor="FHLMC").version == 2
    assert rule_set_effective(program="GSE_FLEX", as_of=TODAY, investor="FNMA").version == 1
    assert rule_set_effective(program="GSE_FLEX", as_of=TODAY).version == 1


def test_no_version_in_force_is_not_found(db):
    with pytest.raises(NotFound):
        rule_set_effective(program="GSE_FLEX", as_of=date(1999, 12, 31))
