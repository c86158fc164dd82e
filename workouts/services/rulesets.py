"""The program rules in force for a loan on a date, from the rules app when it has a version."""

from dataclasses import dataclass
from datetime import date

from workouts.domain.parameters import DEFAULTS, Parameters, parse_parameters


@dataclass(frozen=True)
class ProgramRules:
    program: str
    version: int | None  # None: the built-in defaults (no stored rule set yet)
    parameters: Parameters


def program_rules(*, program: str, as_of: date) -> ProgramRules:
    """The rule set effective for `program` on `as_of` (rules.selectors.rule_set_effective),
    falling back to the built-in defaults of domain.md section 4 when none is stored."""
    rule_set = None
    try:
        from rules.selectors import rule_set_effective
    except ImportError:  # the rules app has no selector yet
        rule_set_effective = None
    if rule_set_effective is not None:
        rule_set = rule_set_effective(program=program, as_of=as_of)
    if rule_set is None:
        return ProgramRules(program=program, version=None, parameters=DEFAULTS[program])
    typed = getattr(rule_set, "typed_parameters", None)
    if callable(typed):
        parameters = typed()
    elif isinstance(typed, Parameters):
        parameters = typed
    else:
        parameters = parse_parameters(rule_set.parameters, base=DEFAULTS[program])
    return ProgramRules(program=program, version=getattr(rule_set, "version", None), parameters=parameters)
