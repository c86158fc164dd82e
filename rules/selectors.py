"""Reads of program rule sets."""

from datetime import date

from django.db.models import Case, IntegerField, QuerySet, Value, When

from lossmit.errors import NotFound
from rules.models import Holiday, ProgramRuleSet
from workouts.domain.parameters import Parameters, parse_parameters


def rule_set_list(*, program: str | None = None) -> QuerySet[ProgramRuleSet]:
    qs = ProgramRuleSet.objects.select_related("created_by", "approved_by", "rejected_by")
    if program:
        qs = qs.filter(program=program)
    return qs.order_by("program", "-version")


def rule_set_latest_approved(*, program: str) -> ProgramRuleSet | None:
    """The newest approved version whatever its effective date: the base a proposal edits."""
    return (
        ProgramRuleSet.objects.filter(program=program, status=ProgramRuleSet.Status.APPROVED)
        .order_by("-version")
        .first()
    )


def rule_set_effective(*, program: str, as_of: date, investor: str = "") -> ProgramRuleSet:
    """The rule set an evaluation as of `as_of` uses: the latest approved version (highest
    version number) with effective_date <= as_of. An investor's own rule set wins over the
    program's general one. Evaluations dated before a change keep the version they had.

    Raises NotFound when the program has no approved version effective on that date.
    """
    qs = ProgramRuleSet.objects.filter(
        program=program, status=ProgramRuleSet.Status.APPROVED, effective_date__lte=as_of
    )
    if investor:
        qs = qs.filter(investor__in=[investor, ""]).annotate(
            own=Case(When(investor=investor, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        qs = qs.order_by("own", "-version")
    else:
        qs = qs.filter(investor="").order_by("-version")
    rule_set = qs.first()
    if rule_set is None:
        raise NotFound("no_rule_set", f"No approved {program} rules are effective on {as_of.isoformat()}.")
    return rule_set


def rule_set_parameters(rule_set: ProgramRuleSet) -> Parameters:
    """The rule set's typed parameters (stored rule sets always hold every name)."""
    return parse_parameters(rule_set.parameters)


def holidays_declared() -> frozenset[date]:
    """The legal public holidays admins added to the federal calendar (one small query):
    pass them to the business-day maths (workouts.domain.dates, regx)."""
    return frozenset(Holiday.objects.values_list("date", flat=True))


def holiday_calendar(*, years: tuple[int, ...]) -> list[dict]:
    """Every non-business weekday of `years` for the calendar page: the federal holidays and the
    added ones, in date order, each with its name and where it comes from."""
    import holidays

    rows = [
        {"date": day, "name": name, "source": "federal", "holiday": None}
        for year in years
        for day, name in holidays.US(years=[year], observed=True).items()
    ]
    rows += [
        {"date": h.date, "name": h.name, "source": "added", "holiday": h}
        for h in Holiday.objects.filter(date__year__in=years).select_related("created_by")
    ]
    return sorted(rows, key=lambda r: r["date"])
