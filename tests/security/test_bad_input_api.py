"""Bad input at every write operation of the API (issue 7): each field of each request
serializer, nested ones included, gets malformed JSON values (wrong types, huge and negative
numbers, too many decimal places, NaN, bad dates, over-long strings, NULs, injection strings),
and the whole body is sometimes not an object or not JSON at all. Sent through APIClient as a
role that may call the operation; the answer is a 4xx with {"code", "message"} and no table of
ours gains or loses a row (the audit table included, so no update slipped through either).

The operations are read from the OpenAPI schema, so a new write operation fails
test_every_write_operation_has_a_target until it is added to TARGETS.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient

from tests.security.bad_input import (
    HYPOTHESIS,
    TODAY,
    build_world,
    changed,
    fuzzable_fields,
    row_counts,
    serializer_field_bad_values,
    serializer_valid_body,
    with_value,
    write_operations,
)

pytestmark = pytest.mark.django_db

DAY = TODAY.date().isoformat()
SPECIALIST, MANAGER, ADMIN = "specialist", "manager", "admin"

# operationId -> (who calls it, fields to set in the base body beyond the generated ones,
# money fields that must be above zero). Roles as in tests/security/test_permission_matrix.py.
TARGETS: dict[str, tuple[str, dict, frozenset]] = {
    "cases_open": (SPECIALIST, {"loan": "LOAN"}, frozenset()),
    "cases_update": (SPECIALIST, {}, frozenset()),
    "cases_close": (SPECIALIST, {}, frozenset()),
    "cases_documents_receive": (SPECIALIST, {}, frozenset()),
    "cases_evaluations_run": (SPECIALIST, {}, frozenset()),
    "cases_withdraw": (SPECIALIST, {}, frozenset()),
    "cases_workouts_submit": (SPECIALIST, {}, frozenset({"amount"})),
    "evaluations_preview": (SPECIALIST, {}, frozenset()),
    "holds_release": (MANAGER, {}, frozenset()),
    "loans_board": (MANAGER, {"loan_number": "L-NEW-1"}, frozenset({"original_balance", "note_rate"})),
    "loans_board_bulk": (MANAGER, {"loan_number": "L-NEW-2"}, frozenset({"original_balance", "note_rate"})),
    "loans_foreclosure_refer": (MANAGER, {}, frozenset()),
    "holds_create": (SPECIALIST, {"reason": "County declared"}, frozenset()),
    "payments_post": (SPECIALIST, {}, frozenset({"amount"})),
    "promises_create": (SPECIALIST, {}, frozenset({"amount"})),
    "payments_return_nsf": (SPECIALIST, {}, frozenset()),
    "rule_sets_propose": (ADMIN, {"changes": {"mod_posted_rate": "6.000"}}, frozenset()),
    "rule_sets_approve": (MANAGER, {}, frozenset()),
    "rule_sets_reject": (MANAGER, {}, frozenset()),
    "call_attempts_create": (SPECIALIST, {}, frozenset()),
    "inbound_calls_create": (SPECIALIST, {}, frozenset()),
    "call_tasks_complete": (SPECIALIST, {}, frozenset()),
    "tokens_issue": (ADMIN, {"username": "maria"}, frozenset()),
    "workouts_accept": (SPECIALIST, {}, frozenset()),
    "workouts_appeal_file": (SPECIALIST, {}, frozenset()),
    "workouts_appeal_decide": (MANAGER, {}, frozenset()),
    "workouts_approve": (MANAGER, {}, frozenset()),
    "workouts_book": (SPECIALIST, {}, frozenset()),
    "workouts_deny": (MANAGER, {}, frozenset()),
    "workouts_offer": (SPECIALIST, {}, frozenset()),
    "workouts_reject": (SPECIALIST, {}, frozenset()),
    "workouts_trial_fail": (SPECIALIST, {}, frozenset()),
    "workouts_trial_review": (SPECIALIST, {}, frozenset()),
    "workouts_withdraw": (SPECIALIST, {}, frozenset()),
}
# Write operations without a request body: nothing to fuzz.
NO_BODY = {"tokens_revoke": "DELETE /api/v1/tokens/{username}/ takes no body"}

WHOLE_BODIES = (b"{", b"[]", b'"x"', b"5", b"null", b"\xff\xfe\x00", b"[" * 60 + b"]" * 60)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def world(frozen, specialist, other_specialist, manager, admin_user):
    return build_world(specialist=specialist, manager=manager)


def _path(template: str, world) -> str:
    for prefix, obj in (
        ("/api/v1/loans/", world.loan),
        ("/api/v1/cases/", world.case),
        ("/api/v1/workouts/", world.workout),
        ("/api/v1/tasks/", world.task),
        ("/api/v1/holds/", world.hold),
        ("/api/v1/payments/", world.payment),
    ):
        if template.startswith(prefix):
            template = template.replace("{id}", str(obj.pk))
    return template.replace("{rule_set_id}", str(world.rule_set.pk))


def _ops():
    return {op: (method, path, ser) for op, method, path, ser in write_operations()}


def test_bad_values_are_refused_and_write_nothing(world, specialist, manager, admin_user):
    """Every operation in TARGETS, one after the other on one world (built once: it is the slow
    part); a failing operation is reported by name with its falsifying example."""
    operations = _ops()
    users = {SPECIALIST: specialist, MANAGER: manager, ADMIN: admin_user}
    failures = {}
    for operation in sorted(TARGETS):
        try:
            _fuzz_operation(world, users, operation, *operations[operation])
        except Exception as exc:  # collected and reported below, per operation
            failures[operation] = f"{type(exc).__name__}: {exc}"[:3000]
    assert failures == {}


def _fuzz_operation(world, users, operation, method, template, request_serializer) -> None:
    persona, overrides, positive = TARGETS[operation]
    many = isinstance(request_serializer, serializers.ListSerializer)
    serializer = request_serializer.child if many else request_serializer
    overrides = {k: (world.loan.pk if v == "LOAN" else v) for k, v in overrides.items()}
    base = {**serializer_valid_body(serializer), **overrides}
    checked = type(serializer)(data=base)
    assert checked.is_valid(), checked.errors  # the base passes, so each refusal is the bad value's
    strategies = {
        path: serializer_field_bad_values(f, positive=path[-1] in positive) for path, f in fuzzable_fields(serializer)
    }
    paths = sorted(strategies)
    client = APIClient()
    client.force_authenticate(users[persona])
    url = _path(template, world)
    before = row_counts()

    field_case = st.sampled_from(paths).flatmap(lambda p: st.tuples(st.just(p), strategies[p]))
    whole_case = st.tuples(st.just(None), st.sampled_from(WHOLE_BODIES))

    @HYPOTHESIS
    @given(st.one_of(field_case, field_case, field_case, whole_case))
    def attempt(case):
        path, value = case
        if path is None:
            raw = value
        else:
            body = with_value(base, path, value)
            raw = json.dumps([body] if many else body).encode()
        response = client.generic(method, url, data=raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (path, value, response.status_code, response.content[:300])
        assert response.status_code not in (401, 405), (path, value, response.status_code)
        error = response.json()
        assert isinstance(error, dict), (path, value, error)
        assert {"code", "message"} <= set(error), (path, value, error)
        assert changed(before, row_counts()) == {}, (path, value)

    attempt()


def test_every_write_operation_has_a_target():
    operations = _ops()
    with_body = {op for op, (_, _, ser) in operations.items() if ser is not None}
    assert sorted(with_body - set(TARGETS)) == [], "add these write operations to TARGETS"
    assert sorted(set(operations) - with_body - set(NO_BODY)) == [], "a write operation without a body"
    assert sorted(set(TARGETS) - with_body) == [], "these targets no longer exist"
