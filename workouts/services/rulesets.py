"""The program rules in force for a loan on a date: the rules app's approved version, or the
built-in defaults of domain.md section 4 when no version is effective yet."""

from dataclasses import dataclass
from datetime import date

from lossmit.errors import NotFound
from workouts.domain.parameters import DEFAULTS, Parameters


@dataclass(frozen=True)
class ProgramRules:
    program: str
    version: int | None  # None: the built-in defaults (no stored rule set effective)
    parameters: Parameters


def program_rules(*, program: str, as_of: date, investor: str = "") -> ProgramRules:
    from rules.selectors import rule_set_effective, rule_set_parameters

    try:
        rule_set = rule_set_effective(program=program, as_of=as_of, investor=investor)
    except NotFound:
        return ProgramRules(program=program, version=None, parameters=DEFAULTS[program])
    return ProgramRules(program=program, version=rule_set.version, parameters=rule_set_parameters(rule_set))
