"""Serializers of `POST /api/v1/evaluations/preview/` (api-contract.md fixes the field names).

Input serializers check shape only: money is a decimal string with two places, rates a
decimal string with three, dates ISO. Business rules live in the engine (workouts/domain).
Output serializers document the response for the schema; the view answers with the engine's
own `to_dict()`, which already has the contract's shape.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from borrowers.models import Program, Property
from borrowers.serializers import enum_field
from borrowers.states import US_STATES

MONEY_DIGITS = 14
ZERO = Decimal("0.00")


class StringDecimalField(serializers.DecimalField):
    """A DecimalField that takes only strings: a JSON number would pass through a binary float
    and could lose a cent before we see it."""

    default_error_messages = {"not_string": 'Send the number as a string, e.g. "250000.00".'}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_string")
        return super().to_internal_value(data)


def money(help_text: str, **kwargs) -> StringDecimalField:
    kwargs.setdefault("min_value", ZERO)
    return StringDecimalField(max_digits=MONEY_DIGITS, decimal_places=2, help_text=help_text, **kwargs)


def rate(help_text: str, **kwargs) -> StringDecimalField:
    kwargs.setdefault("min_value", Decimal("0.000"))
    kwargs.setdefault("max_value", Decimal("99.999"))
    return StringDecimalField(max_digits=6, decimal_places=3, help_text=help_text, **kwargs)


class PreviewLoanSerializer(serializers.Serializer):
    principal_balance = money("Unpaid principal balance.")
    note_rate = rate('Annual note rate in percent, e.g. "7.000".')
    remaining_term_months = serializers.IntegerField(min_value=1, max_value=600)
    monthly_pi = money("Contractual P&I; computed from balance, rate and remaining term when absent.", required=False)
    monthly_escrow = money("Monthly escrow (taxes and insurance).", required=False, default=ZERO)
    next_due_date = serializers.DateField(help_text="Due date of the oldest unpaid installment.")
    past_due_amount = money(
        "What it takes to be current; when absent, the installments due from next_due_date through as_of "
        "times (monthly_pi + monthly_escrow), plus fees.",
        required=False,
    )
    arrears = money(
        "Capitalisable arrears: delinquent interest, escrow and servicing advances.", required=False, default=ZERO
    )
    fees = money("Late charges and fees (never capitalised).", required=False, default=ZERO)
    origination_date = serializers.DateField()
    lien_position = serializers.IntegerField(min_value=1, max_value=9, required=False, default=1)
    occupancy = serializers.ChoiceField(choices=Property.Occupancy.choices, required=False, default="owner")
    property_state = enum_field("USState", US_STATES, "Property state (USPS code).")
    prior_modifications = serializers.IntegerField(min_value=0, max_value=99, required=False, default=0)


class PreviewBorrowerSerializer(serializers.Serializer):
    gross_monthly_income = money("Gross monthly income of all borrowers.")
    monthly_debts = money("Other monthly debt payments.", required=False, default=ZERO)


class PreviewPropertySerializer(serializers.Serializer):
    market_value = money("Current market value.", min_value=Decimal("0.01"))
    subordinate_liens = money("Payoff of junior liens.", required=False, default=ZERO)
    subordinate_liens_released = serializers.BooleanField(
        required=False, default=False, help_text="Junior lien holders have agreed to release (deed-in-lieu)."
    )


class PreviewShortSaleSerializer(serializers.Serializer):
    offer_price = money("Offer price.", min_value=Decimal("0.01"))
    closing_costs = money("Seller's closing costs.", required=False, default=ZERO)
    days_on_market = serializers.IntegerField(min_value=0, max_value=3650)
    commission_pct = StringDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=ZERO,
        max_value=Decimal("100.00"),
        required=False,
        help_text="Commission asked, percent; capped at the program's maximum (the maximum when absent).",
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Program parameter overrides for this preview only (names in domain.md section 4); "
        'values are strings ("6.500", "12", "true") or, for foreclosure_timeline_days and '
        "short_sale_min_net_pct, objects of strings. Unknown names are a 400.",
        "example": {"mod_posted_rate": "6.500"},
    }
)
class ParameterOverridesField(serializers.DictField):
    pass


class PreviewRequestSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    as_of = serializers.DateField(required=False, help_text="Evaluation date; today when absent.")
    loan = PreviewLoanSerializer()
    borrower = PreviewBorrowerSerializer()
    property = PreviewPropertySerializer()
    short_sale = PreviewShortSaleSerializer(required=False, allow_null=True)
    parameters = ParameterOverridesField(required=False, default=dict)


# --- response (schema documentation) ----------------------------------------------------------


def _money_out(help_text: str) -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text=f"{help_text} Decimal string, two places.")


class EvaluationReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class OptionBaseSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reasons = EvaluationReasonSerializer(many=True, help_text="Every failed rule, named.")
    npv = _money_out("Net present value to the investor.")


class PlanInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = _money_out("Plan payment this month.")
    contractual_payment = _money_out("Contractual P&I plus escrow.")
    toward_past_due = _money_out("Share of the past-due amount.")


class RepaymentPlanOutSerializer(OptionBaseSerializer):
    months = serializers.IntegerField(allow_null=True)
    plan_payment = _money_out("Monthly plan payment.")
    contractual_payment = _money_out("Contractual P&I plus escrow.")
    past_due_amount = _money_out("Amount the plan repays.")
    schedule = PlanInstallmentSerializer(many=True)


class ModificationStepSerializer(serializers.Serializer):
    """One step taken; only the step's own figure is present besides `step` and `monthly_pi`."""

    step = serializers.ChoiceField(choices=["capitalize", "rate", "term", "forbearance"])
    capitalized_balance = serializers.CharField(
        required=False, help_text="capitalize step: balance after capitalisation, two places."
    )
    interest_rate = serializers.CharField(required=False, help_text="rate step: the new rate, three places.")
    term_months = serializers.IntegerField(required=False, help_text="term step: the new term.")
    forbearance = serializers.CharField(required=False, help_text="forbearance step: forborne principal.")
    monthly_pi = serializers.CharField(help_text="P&I after this step, two places.")


class ModificationOutSerializer(OptionBaseSerializer):
    interest_rate = serializers.CharField(allow_null=True, help_text="New rate, percent, three places.")
    term_months = serializers.IntegerField(allow_null=True)
    capitalized_balance = _money_out("Balance after capitalising arrears.")
    interest_bearing_balance = _money_out("Balance that bears interest.")
    forbearance = _money_out("Non-interest-bearing principal (FHA: the principal deferment).")
    partial_claim = _money_out("FHA partial claim: deferment plus arrears; 0.00 otherwise.")
    monthly_pi = _money_out("New P&I.")
    monthly_payment = _money_out("New P&I plus escrow.")
    pi_reduction_pct = serializers.CharField(allow_null=True, help_text="(pre-mod P&I - new P&I) / pre-mod x 100.")
    target_met = serializers.BooleanField()
    steps = ModificationStepSerializer(many=True, help_text="Only the steps taken, in order.")
    pre_mod_pi = _money_out("P&I before the modification.")
    target_pi = _money_out("Highest P&I meeting the program's target.")
    mtmltv_pct = serializers.CharField(allow_null=True, help_text="Capitalised balance / market value, percent.")
    eligibility_basis = serializers.CharField(allow_null=True, help_text="delinquency or imminent_default.")


class ShortSaleOutSerializer(OptionBaseSerializer):
    net_proceeds = _money_out("Offer less commission, closing costs, junior-lien payoff and relocation.")
    net_proceeds_pct = serializers.CharField(allow_null=True, help_text="Net proceeds / market value, percent.")
    minimum_net_pct = serializers.CharField(allow_null=True, help_text="Program minimum for the days on market.")
    deficiency = _money_out("Total debt less net proceeds.")
    commission = _money_out("Commission allowed.")
    subordinate_payoff = _money_out("Junior-lien payoff allowed.")
    relocation_assistance = _money_out("Relocation assistance.")


class DeedInLieuOutSerializer(OptionBaseSerializer):
    expected_recovery = _money_out("REO net proceeds less holding costs.")
    relocation_assistance = _money_out("Relocation assistance.")
    holding_costs = _money_out("Taxes, insurance and preservation during REO marketing.")


class ForeclosureOutSerializer(OptionBaseSerializer):
    timeline_days = serializers.IntegerField(allow_null=True, help_text="State time frame from the oldest due date.")
    expected_loss = _money_out("Principal + unpaid interest + advances + costs - REO net proceeds.")
    sale_date = serializers.DateField(allow_null=True)
    months_to_sale = serializers.IntegerField(allow_null=True)
    unpaid_interest = _money_out("Interest not collected over the whole timeline.")
    tax_insurance_advances = _money_out("Taxes and insurance advanced over the whole timeline.")
    legal_costs = _money_out("Foreclosure legal costs.")
    preservation_costs = _money_out("Property preservation during REO marketing.")
    reo_net_proceeds = _money_out("Market value less REO discount and selling costs.")


class OptionsOutSerializer(serializers.Serializer):
    repayment_plan = RepaymentPlanOutSerializer()
    modification = ModificationOutSerializer()
    short_sale = ShortSaleOutSerializer()
    deed_in_lieu = DeedInLieuOutSerializer()
    foreclosure = ForeclosureOutSerializer()


class PreviewResponseSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    rule_version = serializers.IntegerField(help_text="Version of the program's rule set used.")
    rule_effective_date = serializers.DateField(help_text="Effective date of that rule set version.")
    as_of = serializers.DateField()
    days_past_due = serializers.IntegerField()
    past_due_amount = _money_out("What it takes to be current.")
    contractual_pi = _money_out("The loan's P&I before any workout.")
    options = OptionsOutSerializer()
    recommendation = serializers.CharField(allow_null=True)
    recommendation_reason = serializers.CharField()
