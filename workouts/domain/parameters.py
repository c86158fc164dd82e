"""Program parameters: the rules as data (domain.md section 4).

Every name here is the contract the API, the rules pages and the stored rule sets use. Values
are typed in `Parameters`; stored rule sets and API overrides carry them as JSON strings
("6.500", "30.00", "12", "true") and mappings of strings, which `parse_parameters` validates.

Names and defaults that domain.md fixes are cited there. Where it is silent we chose, and say so
next to the spec:
- `short_sale_min_net_pct` is a mapping of "days on market up to N" -> percent, with "*" for
  every day after the last bound (FHA pre-foreclosure sale tiers 88/86/84).
- `foreclosure_timeline_days` maps a state code to days from the oldest unpaid due date to the
  foreclosure sale, with "*" for states not listed (540 days: between Fannie Mae's typical
  non-judicial and judicial allowable time frames). Admins add states as they need them.
- `liquidation_closing_months`, `property_preservation_monthly`, `manager_approval_limit`,
  `auto_approve_repayment_max_months` are Lossmit's own names for quantities domain.md names
  only in words (closing time of a short sale or deed transfer, property preservation,
  approval limits).
- Mapping overrides merge key by key: overriding {"CA": "500"} changes California only.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

DEFAULT_KEY = "*"


class Kind(StrEnum):
    INT = "int"
    BOOL = "bool"
    MONEY = "money"  # two places
    PCT = "pct"  # percent of a whole, two places
    RATE = "rate"  # annual interest rate in percent, three places
    RATIO = "ratio"  # a multiple, two places
    CHOICE = "choice"
    STATE_DAYS = "state_days"  # {"GA": "330", "*": "540"}
    TIERS = "tiers"  # {"30": "88.00", "60": "86.00", "*": "84.00"}


PLACES = {Kind.MONEY: 2, Kind.PCT: 2, Kind.RATE: 3, Kind.RATIO: 2}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()
    minimum: Decimal | int | None = 0
    maximum: Decimal | int | None = None


_P = ParamSpec
SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        # Eligibility
        _P(
            "min_days_delinquent",
            Kind.INT,
            "Days past due a modification needs (unless imminent default).",
            maximum=3650,
        ),
        _P("imminent_default_allowed", Kind.BOOL, "Owner-occupied loans in imminent default may be modified."),
        _P("min_loan_age_months", Kind.INT, "Whole months since origination a modification needs.", maximum=600),
        _P(
            "max_prior_modifications",
            Kind.INT,
            "A loan with this many or more prior modifications is ineligible.",
            maximum=99,
        ),
        # Repayment plan (Fannie Mae D2-3.2-02)
        _P("repay_max_months", Kind.INT, "Longest repayment plan in months.", minimum=1, maximum=120),
        _P(
            "repay_max_payment_ratio",
            Kind.RATIO,
            "Plan payment may be at most this multiple of the contractual payment.",
            minimum=Decimal("1.00"),
            maximum=Decimal("10.00"),
        ),
        # Modification waterfall
        _P(
            "mod_arrears_treatment",
            Kind.CHOICE,
            "capitalize the arrears, or put them in an FHA partial claim.",
            choices=("capitalize", "partial_claim"),
        ),
        _P(
            "mod_rate_rule",
            Kind.CHOICE,
            "posted rate, step down to a floor, or keep the note rate.",
            choices=("posted", "step_down", "keep"),
        ),
        _P(
            "mod_rate_min_mtmltv",
            Kind.PCT,
            "Posted rate applies when MTMLTV is at least this percent.",
            maximum=Decimal("1000.00"),
        ),
        _P("mod_posted_rate", Kind.RATE, "The posted modification rate.", maximum=Decimal("30.000")),
        _P(
            "mod_rate_step",
            Kind.RATE,
            "Step of the step-down rule.",
            minimum=Decimal("0.001"),
            maximum=Decimal("5.000"),
        ),
        _P("mod_rate_floor", Kind.RATE, "Lowest rate the step-down rule reaches.", maximum=Decimal("30.000")),
        _P("mod_max_term_months", Kind.INT, "Longest amortisation term after modification.", minimum=1, maximum=600),
        _P(
            "mod_forbearance_cap_pct",
            Kind.PCT,
            "Forbearance at most this percent of the capitalised balance.",
            maximum=Decimal("100.00"),
        ),
        _P(
            "mod_forbearance_min_mtmltv_pct",
            Kind.PCT,
            "Forbearance never brings the interest-bearing balance below this percent of market value.",
            maximum=Decimal("1000.00"),
        ),
        _P(
            "mod_partial_claim_cap_pct",
            Kind.PCT,
            "Partial claim (deferment + arrears) at most this percent of UPB.",
            maximum=Decimal("100.00"),
        ),
        _P(
            "mod_target",
            Kind.CHOICE,
            "Payment target: P&I reduction or front-end DTI.",
            choices=("pi_reduction", "front_end_dti"),
        ),
        _P("mod_target_pi_reduction_pct", Kind.PCT, "Required P&I reduction in percent.", maximum=Decimal("100.00")),
        _P(
            "mod_target_dti_pct",
            Kind.PCT,
            "Target (P&I + escrow) / gross monthly income in percent.",
            maximum=Decimal("100.00"),
        ),
        _P("mod_offer_if_no_increase", Kind.BOOL, "Offer a modification that misses the target if P&I does not rise."),
        # Short sale, deed-in-lieu
        _P(
            "short_sale_max_commission_pct",
            Kind.PCT,
            "Largest real-estate commission allowed.",
            maximum=Decimal("100.00"),
        ),
        _P("short_sale_subordinate_cap", Kind.MONEY, "Most the investor pays subordinate liens to release."),
        _P(
            "relocation_assistance",
            Kind.MONEY,
            "Relocation assistance paid to the borrower (short sale, deed-in-lieu).",
        ),
        _P("short_sale_min_net_pct", Kind.TIERS, "Minimum net proceeds / market value by days on market."),
        _P(
            "liquidation_closing_months",
            Kind.INT,
            "Months until a short sale closes or a deed is recorded.",
            maximum=60,
        ),
        # Foreclosure and REO
        _P("reo_sale_discount_pct", Kind.PCT, "REO sale discount to market value.", maximum=Decimal("100.00")),
        _P("selling_costs_pct", Kind.PCT, "REO selling costs as a percent of market value.", maximum=Decimal("100.00")),
        _P("reo_marketing_months", Kind.INT, "Months to market and sell an REO.", maximum=120),
        _P("foreclosure_legal_costs", Kind.MONEY, "Legal costs of a foreclosure."),
        _P("property_preservation_monthly", Kind.MONEY, "Property preservation per month of REO holding."),
        _P(
            "foreclosure_timeline_days",
            Kind.STATE_DAYS,
            "Days from the oldest unpaid due date to the sale, by state (Fannie Mae allowable time frames).",
        ),
        # NPV
        _P("npv_discount_rate_pct", Kind.RATE, "Annual discount rate for NPV.", maximum=Decimal("50.000")),
        _P(
            "redefault_rate_pct",
            Kind.PCT,
            "Share of retention outcomes that redefault to foreclosure.",
            maximum=Decimal("100.00"),
        ),
        # Approval limits (used by the workflow)
        _P(
            "manager_approval_limit",
            Kind.MONEY,
            "Largest capitalised balance a Manager may approve; above it an Admin approves.",
        ),
        _P(
            "auto_approve_repayment_max_months",
            Kind.INT,
            "Repayment plans of at most this many months approve automatically (0: never).",
            maximum=120,
        ),
    )
}


@dataclass(frozen=True)
class Parameters:
    """One program's parameters, typed. Build with `parse_parameters` or `DEFAULTS[code]`."""

    min_days_delinquent: int
    imminent_default_allowed: bool
    min_loan_age_months: int
    max_prior_modifications: int
    repay_max_months: int
    repay_max_payment_ratio: Decimal
    mod_arrears_treatment: str
    mod_rate_rule: str
    mod_rate_min_mtmltv: Decimal
    mod_posted_rate: Decimal
    mod_rate_step: Decimal
    mod_rate_floor: Decimal
    mod_max_term_months: int
    mod_forbearance_cap_pct: Decimal
    mod_forbearance_min_mtmltv_pct: Decimal
    mod_partial_claim_cap_pct: Decimal
    mod_target: str
    mod_target_pi_reduction_pct: Decimal
    mod_target_dti_pct: Decimal
    mod_offer_if_no_increase: bool
    short_sale_max_commission_pct: Decimal
    short_sale_subordinate_cap: Decimal
    relocation_assistance: Decimal
    short_sale_min_net_pct: tuple[tuple[int | None, Decimal], ...]
    liquidation_closing_months: int
    reo_sale_discount_pct: Decimal
    selling_costs_pct: Decimal
    reo_marketing_months: int
    foreclosure_legal_costs: Decimal
    property_preservation_monthly: Decimal
    foreclosure_timeline_days: tuple[tuple[str, int], ...]
    npv_discount_rate_pct: Decimal
    redefault_rate_pct: Decimal
    manager_approval_limit: Decimal
    auto_approve_repayment_max_months: int

    def timeline_days(self, state: str) -> int:
        """Foreclosure time frame for `state`, or the "*" default."""
        table = dict(self.foreclosure_timeline_days)
        return table.get(state.upper(), table[DEFAULT_KEY])

    def minimum_net_pct(self, days_on_market: int) -> Decimal:
        """The short-sale tier for `days_on_market`: the first bound it does not exceed."""
        for bound, pct in self.short_sale_min_net_pct:
            if bound is None or days_on_market <= bound:
                return pct
        raise AssertionError("tiers always end with the '*' default")  # pragma: no cover

    def to_json(self) -> dict[str, Any]:
        """JSON form with every value a string (mappings of strings), as rule sets store it."""
        return {f.name: _to_json(SPECS[f.name], getattr(self, f.name)) for f in fields(self)}

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Parameters":
        """A copy with `overrides` applied (validated); mapping values merge key by key."""
        return parse_parameters(overrides, base=self)


PARAMETER_NAMES = tuple(f.name for f in fields(Parameters))
assert set(PARAMETER_NAMES) == set(SPECS), "every parameter needs a spec"


class ParameterError(ValueError):
    """Unknown names or bad values; `errors` maps each name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _to_json(spec: ParamSpec, value: Any) -> Any:
    if spec.kind == Kind.BOOL:
        return "true" if value else "false"
    if spec.kind == Kind.STATE_DAYS:
        return {state: str(days) for state, days in value}
    if spec.kind == Kind.TIERS:
        return {(DEFAULT_KEY if bound is None else str(bound)): str(pct) for bound, pct in value}
    return str(value)


def _parse_decimal(spec: ParamSpec, raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise ValueError('Enter a decimal number as a string, e.g. "6.500".')
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("Enter a decimal number.") from None
    if not value.is_finite():
        raise ValueError("Enter a decimal number.")
    places = PLACES[spec.kind]
    if value.as_tuple().exponent < -places:  # type: ignore[operator]
        raise ValueError(f"Use at most {places} decimal places.")
    value = value.quantize(Decimal(1).scaleb(-places))
    _check_range(spec, value)
    return value


def _parse_int(spec: ParamSpec, raw: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(raw, bool):
        raise ValueError("Enter a whole number.")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        value = int(raw.strip())
    else:
        raise ValueError("Enter a whole number.")
    lo = spec.minimum if minimum is None else minimum
    hi = spec.maximum if maximum is None else maximum
    if lo is not None and value < lo:
        raise ValueError(f"Must be at least {lo}.")
    if hi is not None and value > hi:
        raise ValueError(f"Must be at most {hi}.")
    return value


def _check_range(spec: ParamSpec, value: Decimal) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise ValueError(f"Must be at least {spec.minimum}.")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"Must be at most {spec.maximum}.")


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ValueError('Enter "true" or "false".')


def _parse_state_days(raw: Any, base: tuple[tuple[str, int], ...] | None) -> tuple[tuple[str, int], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError('Enter a mapping of state codes to days, e.g. {"GA": "330", "*": "540"}.')
    table = dict(base or ())
    day_spec = ParamSpec("days", Kind.INT, "", minimum=1, maximum=3650)
    for key, days in raw.items():
        state = str(key).strip().upper()
        if state != DEFAULT_KEY and not (len(state) == 2 and state.isalpha()):
            raise ValueError(f"{key!r} is not a two-letter state code or '*'.")
        try:
            table[state] = _parse_int(day_spec, days)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    if DEFAULT_KEY not in table:
        raise ValueError("Include a '*' entry for states not listed.")
    ordered = sorted(((k, v) for k, v in table.items() if k != DEFAULT_KEY))
    return (*ordered, (DEFAULT_KEY, table[DEFAULT_KEY]))


def _parse_tiers(
    raw: Any, base: tuple[tuple[int | None, Decimal], ...] | None
) -> tuple[tuple[int | None, Decimal], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError('Enter a mapping of "days on market up to" to percent, e.g. {"30": "88.00", "*": "84.00"}.')
    table: dict[int | None, Decimal] = dict(base or ())
    pct_spec = ParamSpec("pct", Kind.PCT, "", maximum=Decimal("100.00"))
    for key, pct in raw.items():
        if str(key).strip() == DEFAULT_KEY:
            bound = None
        else:
            try:
                bound = _parse_int(ParamSpec("bound", Kind.INT, "", minimum=1, maximum=3650), str(key))
            except ValueError:
                raise ValueError(f"{key!r} is not a number of days or '*'.") from None
        try:
            table[bound] = _parse_decimal(pct_spec, pct)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    if None not in table:
        raise ValueError("Include a '*' tier for every day after the last bound.")
    bounded = sorted((b, p) for b, p in table.items() if b is not None)
    return (*bounded, (None, table[None]))


def parse_value(name: str, raw: Any, base: Any = None) -> Any:
    """One parameter's typed value from its JSON form; ValueError with a sentence if bad."""
    spec = SPECS[name]
    if spec.kind == Kind.INT:
        return _parse_int(spec, raw)
    if spec.kind == Kind.BOOL:
        return _parse_bool(raw)
    if spec.kind == Kind.CHOICE:
        if raw not in spec.choices:
            raise ValueError(f"Choose one of: {', '.join(spec.choices)}.")
        return raw
    if spec.kind == Kind.STATE_DAYS:
        return _parse_state_days(raw, base)
    if spec.kind == Kind.TIERS:
        return _parse_tiers(raw, base)
    return _parse_decimal(spec, raw)


def validate_names(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(SPECS))
    if unknown:
        raise ParameterError({name: ["Unknown parameter."] for name in unknown})


def parse_parameters(values: Mapping[str, Any], *, base: Parameters | None = None) -> Parameters:
    """Typed parameters from JSON values. With `base`, `values` are overrides on it (and may be
    partial); without, every name is required. Raises ParameterError naming each bad entry."""
    if not isinstance(values, Mapping):
        raise ParameterError({"parameters": ["Enter an object of parameter names to values."]})
    errors: dict[str, list[str]] = {}
    for name in sorted(set(values) - set(SPECS)):
        errors[name] = ["Unknown parameter."]
    if base is None:
        for name in PARAMETER_NAMES:
            if name not in values:
                errors[name] = ["This parameter is required."]
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in SPECS:
            continue
        try:
            parsed[name] = parse_value(name, raw, getattr(base, name) if base is not None else None)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ParameterError(errors)
    result = replace(base, **parsed) if base is not None else Parameters(**parsed)
    _check_consistency(result)
    return result


def _check_consistency(p: Parameters) -> None:
    if p.reo_sale_discount_pct + p.selling_costs_pct > 100:
        raise ParameterError({"selling_costs_pct": ["REO discount plus selling costs cannot exceed 100 percent."]})


# Fannie Mae allowable foreclosure time frames (days), domain.md section 4; "*" is ours.
FANNIE_MAE_TIMELINES = {
    "CA": "480",
    "FL": "810",
    "GA": "330",
    "NJ": "1530",
    "NY": "1740",
    "TX": "390",
    DEFAULT_KEY: "540",
}
# FHA pre-foreclosure sale minimum net proceeds by days on market (domain.md section 4).
FHA_PFS_TIERS = {"30": "88.00", "60": "86.00", DEFAULT_KEY: "84.00"}

_GSE_FLEX_JSON: dict[str, Any] = {
    "min_days_delinquent": "60",
    "imminent_default_allowed": "true",
    "min_loan_age_months": "12",
    "max_prior_modifications": "3",
    "repay_max_months": "12",
    "repay_max_payment_ratio": "1.50",  # Fannie Mae D2-3.2-02
    "mod_arrears_treatment": "capitalize",
    "mod_rate_rule": "posted",
    "mod_rate_min_mtmltv": "80.00",
    "mod_posted_rate": "6.500",  # Lossmit's placeholder; admins set the current posted rate
    "mod_rate_step": "0.125",
    "mod_rate_floor": "2.000",
    "mod_max_term_months": "480",
    "mod_forbearance_cap_pct": "30.00",
    "mod_forbearance_min_mtmltv_pct": "50.00",
    "mod_partial_claim_cap_pct": "30.00",
    "mod_target": "pi_reduction",
    "mod_target_pi_reduction_pct": "20.00",
    "mod_target_dti_pct": "31.00",
    "mod_offer_if_no_increase": "true",
    "short_sale_max_commission_pct": "6.00",
    "short_sale_subordinate_cap": "6000.00",
    "relocation_assistance": "3000.00",
    "short_sale_min_net_pct": FHA_PFS_TIERS,
    "liquidation_closing_months": "3",
    "reo_sale_discount_pct": "10.00",
    "selling_costs_pct": "8.00",
    "reo_marketing_months": "6",
    "foreclosure_legal_costs": "5000.00",
    "property_preservation_monthly": "150.00",
    "foreclosure_timeline_days": FANNIE_MAE_TIMELINES,
    "npv_discount_rate_pct": "6.000",
    "redefault_rate_pct": "25.00",
    "manager_approval_limit": "500000.00",
    "auto_approve_repayment_max_months": "3",
}

DEFAULTS_JSON: dict[str, dict[str, Any]] = {
    "GSE_FLEX": _GSE_FLEX_JSON,
    # FHA-HAMP: arrears and deferment to an interest-free partial claim, posted rate whatever
    # the MTMLTV, 360 months, 31% front-end DTI (HUD ML 2009-23).
    "FHA_HAMP": {
        **_GSE_FLEX_JSON,
        "mod_arrears_treatment": "partial_claim",
        "mod_rate_min_mtmltv": "0.00",
        "mod_max_term_months": "360",
        "mod_target": "front_end_dti",
    },
    # Classic HAMP waterfall: 31% DTI, rate steps of 0.125 to a 2% floor, 480 months, 30% forbearance.
    "HAMP_31": {**_GSE_FLEX_JSON, "mod_rate_rule": "step_down", "mod_target": "front_end_dti"},
    "PORTFOLIO": dict(_GSE_FLEX_JSON),
}

DEFAULTS: dict[str, Parameters] = {code: parse_parameters(values) for code, values in DEFAULTS_JSON.items()}
