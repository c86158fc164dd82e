"""Shared parts of the bad-input tests (issue 7, "Bad input"): what counts as a write, the
malformed values thrown at each kind of field, and the world of rows the pages and API act on.

A value is "bad" by construction for the field it goes to: the wrong type or format, a number
past the field's digits or range, a date that is no date or past year 9999, a string longer
than the field allows or carrying a NUL, an injection string where a number, date or choice is
expected, and any random unicode text that the field's own clean() rejects. Every answer must
be a clear 4xx (or a form error) and the row counts of every table of ours must not move.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework import serializers

# Modest and derandomized: the same cases every run (a red build is reproducible), each file
# well under a minute on the shared 2-core machine.
HYPOTHESIS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TODAY = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))
OUR_APPS = ("accounts", "audit", "borrowers", "delinquency", "rules", "workouts", "imports", "letters")
# Our tables, plus users and API tokens. Sessions and axes' login log are not business data.
COUNTED_EXTRA = ("auth.User", "authtoken.Token")

INJECTIONS = (
    "' OR '1'='1' --",
    "1; DROP TABLE borrowers_loan; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "${jndi:ldap://example.invalid/a}",
    "../../../../etc/passwd",
    "\u202e00.001",  # right-to-left override
    "%00",
)
LONG = 20_000  # longer than any text the product means to keep
BAD_DATES = (
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "0000-01-01",
    "10000-01-01",
    "27/11/2026x",
    "2026-11-27T25:61",
    "tomorrow",
    "",
)
BAD_NUMBERS = (
    "abc",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "0x10",
    "1,2",
    "--1",
    "1.2.3",
    "\u0661\u0660\u0660\u200f",
)  # last: Arabic-Indic 100 + RTL mark


def _counted_models() -> list:
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m._meta.proxy]
    return models + [apps.get_model(label) for label in COUNTED_EXTRA]


def row_counts() -> dict[str, int]:
    """Rows in every table of ours, in one query (it runs after every bad request)."""
    models = _counted_models()
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*) FROM {connection.ops.quote_name(m._meta.db_table)}" for i, m in enumerate(models)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(cursor.fetchall())
    return {m._meta.label: counts[i] for i, m in enumerate(models)}


def _random_text():
    return st.text(min_size=1, max_size=40)


def _rejected_by(clean):
    def rejects(value) -> bool:
        try:
            clean(value)
        except (ValidationError, serializers.ValidationError):
            return True
        except Exception:
            return True
        return False

    return rejects


# --- form fields (every value a string, as a browser posts it) --------------------------------


def form_field_bad_values(field: forms.Field, *, positive: bool = False) -> st.SearchStrategy:
    """Malformed strings for one form field, by its type and limits."""
    curated: list[str] = list(INJECTIONS)
    if isinstance(field, forms.BooleanField):
        return st.nothing()  # every string is a valid checkbox value
    if isinstance(field, forms.DecimalField):
        places = field.decimal_places or 2
        digits = field.max_digits or 14
        curated += [*BAD_NUMBERS, "1." + "0" * places + "1", "9" * (digits + 1), "-" + "9" * (digits + 1)]
        if positive or (field.min_value is not None and field.min_value >= 0):
            curated += ["-0.01", "-100.00"]
        if positive:
            curated += ["0", "0.00"]
    elif isinstance(field, forms.DateField):
        curated += list(BAD_DATES)
    elif isinstance(field, forms.TimeField):
        curated += ["25:00", "12:60", "noon", "-01:00"]
    elif isinstance(field, forms.IntegerField):
        curated += ["1.5", "abc", "9" * 30, "-" + "9" * 30, "1e3", "NaN"]
        if field.min_value is not None:
            curated.append(str(field.min_value - 1))
        if field.max_value is not None:
            curated.append(str(field.max_value + 1))
    elif isinstance(field, forms.ChoiceField):
        curated += ["not-a-choice", "9" * 30, "\x00"]
    elif isinstance(field, forms.CharField):
        # Free text: injection strings are valid text (stored verbatim, escaped on output).
        curated = ["x" * ((field.max_length or LONG) + 1), "note\x00with a NUL"]
    if field.required and not isinstance(field, forms.CharField | forms.ChoiceField):
        curated.append("")
    elif field.required:
        curated += ["", "   "]
    return st.one_of(st.sampled_from(curated), _random_text().filter(_rejected_by(field.clean)))


# --- serializer fields (JSON values) -----------------------------------------------------------

WRONG_TYPES = ([], {}, [1, 2], {"$gt": ""})


def serializer_field_bad_values(field: serializers.Field, *, positive: bool = False) -> st.SearchStrategy:
    """Malformed JSON values for one serializer field, by its type and limits."""
    curated: list = list(WRONG_TYPES)
    if not field.allow_null:
        curated.append(None)
    if isinstance(field, serializers.ListSerializer):
        curated += ["x", 5, {"a": 1}, [None], ["x"]]
        return st.sampled_from(curated)
    if isinstance(field, serializers.Serializer):
        curated += ["x", 5, True]
        return st.sampled_from([v for v in curated if not isinstance(v, dict) or v])
    if isinstance(field, serializers.BooleanField):
        curated += ["maybe", 2, -1, "\x00"]
    elif isinstance(field, serializers.DecimalField):
        places = field.decimal_places or 2
        digits = field.max_digits or 14
        curated += list(INJECTIONS) + list(BAD_NUMBERS) + [True, 10**30, -(10**30), 1e308]
        curated += ["1." + "0" * places + "1", "9" * (digits + 1)]
        if positive or (field.min_value is not None and field.min_value >= 0):
            curated += ["-0.01", -5]
        if positive:
            curated += ["0", 0, "0.00"]
    elif isinstance(field, serializers.DateField):
        curated += list(INJECTIONS) + list(BAD_DATES) + [20261127, True, 1.5]
    elif isinstance(field, serializers.IntegerField):
        curated += [*INJECTIONS, "1.5", 1.5, "abc", True, 10**30, -(10**30), "NaN"]
        if field.min_value is not None:
            curated.append(field.min_value - 1)
        if field.max_value is not None:
            curated.append(field.max_value + 1)
    elif isinstance(field, serializers.ChoiceField):
        curated += [*INJECTIONS, "not-a-choice", True, 10**30, "\x00"]
    elif isinstance(field, serializers.DictField):
        curated = ["x", 5, True, [1], [], None] if not field.allow_null else ["x", 5, True, [1], []]
    elif isinstance(field, serializers.CharField):
        curated = [v for v in curated if v is not None or not field.allow_null]
        curated += ["x" * ((field.max_length or LONG) + 1), "note\x00with a NUL", True]
        if not field.allow_blank and field.required:
            curated += ["", "   "]
    elif isinstance(field, serializers.RelatedField):
        curated += ["no-such-user", 10**30, True]
    return st.one_of(
        st.sampled_from(curated),
        _random_text().filter(_rejected_by(field.run_validation))
        if not isinstance(field, serializers.CharField)
        else st.nothing(),
    )


def serializer_valid_value(field: serializers.Field):
    """A value the field accepts, to fill the rest of a body around the one bad value."""
    if isinstance(field, serializers.ListSerializer):
        return [serializer_valid_body(field.child)]
    if isinstance(field, serializers.Serializer):
        return serializer_valid_body(field)
    if isinstance(field, serializers.BooleanField):
        return False
    if isinstance(field, serializers.DecimalField):
        value = max(Decimal(field.min_value if field.min_value is not None else "0.01"), Decimal("10.00"))
        if field.max_value is not None:
            value = min(value, Decimal(field.max_value))
        return str(value.quantize(Decimal(1) / 10 ** (field.decimal_places or 0)))
    if isinstance(field, serializers.DateField):
        return TODAY.date().isoformat()
    if isinstance(field, serializers.IntegerField):
        return field.min_value if field.min_value is not None else 1
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices))
    if isinstance(field, serializers.DictField):
        return {}
    if isinstance(field, serializers.CharField):
        return "a note"
    return None


def serializer_valid_body(serializer: serializers.Serializer) -> dict:
    return {
        name: serializer_valid_value(field)
        for name, field in serializer.fields.items()
        if field.required and not field.read_only
    }


def fuzzable_fields(serializer: serializers.Serializer, prefix: tuple = ()) -> list[tuple[tuple, serializers.Field]]:
    """(path, field) for every writable field, nested ones included (one level of list items)."""
    out = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        out.append(((*prefix, name), field))
        if isinstance(field, serializers.Serializer):
            out += fuzzable_fields(field, (*prefix, name))
    return out


def with_value(body, path: tuple, value):
    """A deep copy of `body` with the value at `path` set (intermediate dicts created)."""
    import copy

    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value
    return body


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


@dataclass(frozen=True)
class PageTarget:
    """A page form: where it posts, who posts it, a base submission that passes the form."""

    form: type
    url: str
    persona: str
    base: dict
    form_kwargs: dict
    method: str = "post"
    positive: frozenset = frozenset()  # money fields that must be above zero
    only: tuple = ()  # the fields the page posts, when the form has more (Django admin's read-only ones)


def dated(value: date) -> str:
    return value.isoformat()


MOD_TERMS = {"interest_rate": "6.500", "term_months": 480, "capitalized_balance": "195000.00", "monthly_pi": "1100.00"}


@dataclass
class World:
    """One of every row a form or operation acts on, on Maria's loan."""

    loan: object
    case: object
    workout: object
    task: object
    payment: object
    hold: object
    rule_set: object


def build_world(*, specialist, manager) -> World:
    from accounts.roles import Role
    from borrowers.services import payment_post
    from delinquency.models import CallTask
    from delinquency.services import hold_create
    from rules.services import rule_change_propose
    from tests.factories import LoanFactory, UserFactory
    from workouts import services as workout_services

    loan = LoanFactory(assigned_to=specialist, next_due_date=date(2026, 12, 1))
    payment = payment_post(actor=specialist, loan_id=loan.pk, amount=Decimal("100.00"))
    hold = hold_create(
        actor=specialist, loan_id=loan.pk, kind="disaster", start_date=TODAY.date(), reason="County declared"
    )
    task = CallTask.objects.create(
        loan=loan,
        reason=CallTask.Reason.REGX_LIVE_CONTACT,
        due_by=date(2027, 3, 20),
        business_date=TODAY.date(),
        assigned_to=specialist,
    )
    case = workout_services.case_open(
        actor=specialist,
        loan_id=loan.pk,
        application_received_on=date(2027, 3, 1),
        application_complete_on=date(2027, 3, 5),
    )
    workout_services.evaluation_store(
        actor=specialist,
        case_id=case.pk,
        as_of=TODAY.date(),
        gross_monthly_income=Decimal("5000.00"),
        market_value=Decimal("250000.00"),
    )
    case.refresh_from_db()
    workout = workout_services.workout_submit(actor=specialist, case_id=case.pk, option="modification", terms=MOD_TERMS)
    proposer = UserFactory(username="omar", role=Role.ADMIN, is_staff=True)
    rule_set = rule_change_propose(
        actor=proposer,
        program="GSE_FLEX",
        changes={"mod_posted_rate": "6.125"},
        effective_date=date(2027, 4, 1),
        note="Posted rate moved.",
    )
    return World(loan=loan, case=case, workout=workout, task=task, payment=payment, hold=hold, rule_set=rule_set)


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def write_operations() -> list[tuple[str, str, str, serializers.Serializer | None]]:
    """(operationId, method, path template, request serializer) for every write operation in
    the OpenAPI schema, as drf-spectacular resolves them (the serializer the docs promise)."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    out = []
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method not in WRITE_METHODS:
            continue
        operation = view.schema.get_operation(path, path_regex, "/api/v1/", method, generator.registry)
        if operation is None:  # format-suffix duplicates drf-spectacular skips itself
            continue
        serializer = view.schema.get_request_serializer()
        if isinstance(serializer, type):
            serializer = serializer()
        out.append((operation["operationId"], method, path, serializer))
    return out
