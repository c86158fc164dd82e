"""Short sale, deed-in-lieu and foreclosure economics (domain.md section 4).

Modelling choices where domain.md is silent:
- Total debt (for the short-sale deficiency) = principal balance + capitalisable arrears
  (delinquent interest, escrow and advances) + fees.
- The commission is the offer's `commission_pct` capped at `short_sale_max_commission_pct`
  (the maximum when the offer names none); the subordinate-lien payoff is the liens' payoff
  capped at `short_sale_subordinate_cap`; relocation assistance is always paid.
- Percentages of market value (net proceeds, minimum) carry two places.
- Deed-in-lieu holding costs for `reo_marketing_months` are taxes and insurance (the loan's
  monthly escrow) plus `property_preservation_monthly`. Relocation assistance is paid on top
  and enters the option's NPV, not `expected_recovery` (domain.md's formula).
- Foreclosure: the sale date is the oldest unpaid due date + the state's timeline in days.
  The whole timeline for interest and tax-and-insurance advances runs from the oldest unpaid
  due date through the sale and `reo_marketing_months` of REO marketing, in months of
  365/12 days. Interest is simple monthly interest at the note rate on the principal balance
  (what the investor does not collect); the capitalisable arrears are not added again, since
  the whole timeline already covers the months they accrued in. Preservation runs during REO
  marketing. Expected loss = principal + unpaid interest + T&I advances + legal costs +
  preservation - REO net proceeds (market value less `reo_sale_discount_pct` and
  `selling_costs_pct`), never below zero (surplus belongs to the borrower).
"""

from datetime import date, timedelta
from decimal import Decimal

from workouts.domain.amortization import monthly_rate
from workouts.domain.money import ZERO, to_cents, working_context
from workouts.domain.parameters import Parameters
from workouts.domain.results import DeedInLieuResult, ForeclosureResult, Reason, ShortSaleResult
from workouts.domain.scenario import LoanSnapshot, PropertySnapshot, ShortSaleOffer

HUNDRED = Decimal(100)
DAYS_PER_YEAR = 365
MONTHS_PER_YEAR = 12


def total_debt(loan: LoanSnapshot) -> Decimal:
    return to_cents(loan.principal_balance + loan.arrears + loan.fees)


def reo_net_proceeds(market_value: Decimal, p: Parameters) -> Decimal:
    """What an REO sale nets: market value less the REO discount and selling costs."""
    with working_context():
        return to_cents(market_value * (1 - (p.reo_sale_discount_pct + p.selling_costs_pct) / HUNDRED))


def days_to_months(days: int) -> int:
    """Whole months (of 365/12 days) needed to cover `days`, rounded up; 0 for none."""
    return -(-max(days, 0) * MONTHS_PER_YEAR // DAYS_PER_YEAR)


def short_sale(
    *,
    offer: ShortSaleOffer | None,
    loan: LoanSnapshot,
    property: PropertySnapshot,
    parameters: Parameters,
) -> ShortSaleResult:
    p = parameters
    if offer is None:
        return ShortSaleResult(
            eligible=False, reasons=(Reason("no_offer", "No short-sale offer was given, so it is not applicable."),)
        )
    commission_pct = p.short_sale_max_commission_pct
    if offer.commission_pct is not None:
        commission_pct = min(offer.commission_pct, commission_pct)
    with working_context():
        commission = to_cents(offer.offer_price * commission_pct / HUNDRED)
    subordinate = min(to_cents(property.subordinate_liens), p.short_sale_subordinate_cap)
    relocation = p.relocation_assistance
    net = to_cents(offer.offer_price - commission - offer.closing_costs - subordinate - relocation)
    minimum = p.minimum_net_pct(offer.days_on_market)
    reasons: list[Reason] = []
    pct = None
    if property.market_value > 0:
        with working_context():
            pct = to_cents(net / property.market_value * HUNDRED)
        if pct < minimum:
            reasons.append(
                Reason(
                    "net_proceeds_below_minimum",
                    f"Net proceeds of {net:,.2f} are {pct}% of market value; after {offer.days_on_market} days on "
                    f"market the program needs at least {minimum}%.",
                )
            )
    else:
        reasons.append(Reason("no_market_value", "A market value is needed to judge a short sale."))
    if net <= 0:
        reasons.append(Reason("no_net_proceeds", "The offer nets nothing after costs."))
    return ShortSaleResult(
        eligible=not reasons,
        reasons=tuple(reasons),
        net_proceeds=net,
        net_proceeds_pct=pct,
        minimum_net_pct=minimum,
        deficiency=max(total_debt(loan) - net, ZERO),
        commission=commission,
        subordinate_payoff=subordinate,
        relocation_assistance=relocation,
    )


def dil_holding_costs(loan: LoanSnapshot, p: Parameters) -> Decimal:
    return to_cents(p.reo_marketing_months * (loan.monthly_escrow + p.property_preservation_monthly))


def deed_in_lieu(*, loan: LoanSnapshot, property: PropertySnapshot, parameters: Parameters) -> DeedInLieuResult:
    p = parameters
    reasons: list[Reason] = []
    if property.subordinate_liens > 0 and not property.subordinate_liens_released:
        reasons.append(
            Reason(
                "title_not_clear",
                f"Subordinate liens of {property.subordinate_liens:,.2f} must be released before a deed-in-lieu.",
            )
        )
    holding = dil_holding_costs(loan, p)
    recovery = reo_net_proceeds(property.market_value, p) - holding
    return DeedInLieuResult(
        eligible=not reasons,
        reasons=tuple(reasons),
        expected_recovery=recovery,
        relocation_assistance=p.relocation_assistance,
        holding_costs=holding,
    )


def foreclosure(
    *,
    loan: LoanSnapshot,
    property: PropertySnapshot,
    parameters: Parameters,
    as_of: date,
) -> ForeclosureResult:
    p = parameters
    timeline = p.timeline_days(loan.property_state)
    sale_date = loan.next_due_date + timedelta(days=timeline)
    months_to_sale = days_to_months((sale_date - as_of).days)
    with working_context():
        whole_months = Decimal(timeline * MONTHS_PER_YEAR) / DAYS_PER_YEAR + p.reo_marketing_months
        unpaid_interest = to_cents(loan.principal_balance * monthly_rate(loan.note_rate) * whole_months)
        advances = to_cents(loan.monthly_escrow * whole_months)
    legal = p.foreclosure_legal_costs
    preservation = to_cents(p.property_preservation_monthly * p.reo_marketing_months)
    proceeds = reo_net_proceeds(property.market_value, p)
    loss = to_cents(loan.principal_balance) + unpaid_interest + advances + legal + preservation - proceeds
    return ForeclosureResult(
        eligible=True,
        timeline_days=timeline,
        expected_loss=max(loss, ZERO),
        sale_date=sale_date,
        months_to_sale=months_to_sale,
        unpaid_interest=unpaid_interest,
        tax_insurance_advances=advances,
        legal_costs=legal,
        preservation_costs=preservation,
        reo_net_proceeds=proceeds,
    )
