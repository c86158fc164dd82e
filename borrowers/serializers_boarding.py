"""API shape for boarding a loan (shape only; borrowers.services.loan_board checks the rules)."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.roles import STAFF_ROLES
from borrowers.models import (
    Investor,
    Language,
    Phone,
    Program,
    Property,
    Valuation,
)
from borrowers.serializers import enum_field, money, rate
from borrowers.states import US_STATES

# --- Boarding (shape only; borrowers.services.loan_board checks the rules) --------------------


class BoardPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20, help_text="Phone number, e.g. 404-555-0101.")
    kind = enum_field("PhoneKind", Phone.Kind.choices, "Mobile, home or work (default mobile).", required=False)
    consent_to_call = serializers.BooleanField(
        required=False, default=False, help_text="TCPA prior consent to autodialled calls; never assumed."
    )


class BoardBorrowerSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, help_text="First name.")
    last_name = serializers.CharField(max_length=100, help_text="Last name.")
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Primary phone (a mobile without call consent)."
    )
    phones = BoardPhoneSerializer(many=True, required=False, help_text="More phones, after `phone`.")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, help_text="Email address.")
    ssn_last4 = serializers.CharField(
        max_length=4, required=False, allow_blank=True, help_text="Last four SSN digits (never the full number)."
    )
    preferred_language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="Preferred language (default en)."
    )
    mailing_address1 = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Street.")
    mailing_address2 = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Unit.")
    mailing_city = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="City.")
    mailing_state = enum_field(
        "USStateOrBlank", US_STATES, "Mailing state (USPS code).", required=False, allow_blank=True
    )
    mailing_zip = serializers.CharField(max_length=10, required=False, allow_blank=True, help_text="ZIP code.")


class BoardPropertySerializer(serializers.Serializer):
    state = enum_field("USState", US_STATES, "Property state (USPS code); sets the foreclosure type.")
    occupancy = serializers.ChoiceField(
        choices=Property.Occupancy.choices, required=False, help_text="Occupancy (default owner)."
    )
    address1 = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Street address.")
    address2 = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Unit, suite.")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="City.")
    zip_code = serializers.CharField(max_length=10, required=False, allow_blank=True, help_text="ZIP code.")
    market_value = money("Current market value; recorded as a valuation.", required=False)
    valued_on = serializers.DateField(required=False, help_text="Date of the market value (default today).")
    valuation_kind = serializers.ChoiceField(
        choices=Valuation.Kind.choices, required=False, help_text="How the value was obtained (default bpo)."
    )
    valuation_source = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Vendor or appraiser."
    )


class LoanBoardSerializer(serializers.Serializer):
    """A loan as an onboarding feed sends it (api-contract.md). Shape only: the service checks
    the rules (due day, maturity, duplicates) and computes what is absent."""

    loan_number = serializers.CharField(max_length=20, help_text="Servicer loan number (unique).")
    borrower = BoardBorrowerSerializer(help_text="The borrower.")
    co_borrower = BoardBorrowerSerializer(required=False, help_text="The co-borrower, if any.")
    property = BoardPropertySerializer(help_text="The mortgaged property.")
    investor = serializers.ChoiceField(choices=Investor.choices, help_text="Investor or guarantor.")
    program = serializers.ChoiceField(
        choices=Program.choices, required=False, help_text="Workout program; defaults by investor."
    )
    original_balance = money("Original principal.")
    principal_balance = money("Current unpaid principal (default: the original balance).", required=False)
    note_rate = rate("Annual note rate in percent, e.g. 6.500.")
    original_term_months = serializers.IntegerField(help_text="Original amortisation term in months.")
    remaining_term_months = serializers.IntegerField(
        required=False, help_text="Months left (default: installments from next due date through maturity)."
    )
    first_payment_date = serializers.DateField(help_text="First installment due date; its day is the due day.")
    next_due_date = serializers.DateField(help_text="Oldest unpaid installment's due date.")
    monthly_escrow = money("Monthly escrow (taxes and insurance).")
    monthly_pi = money(
        "Monthly P&I; computed from original balance, rate and term (the note's level payment) when absent.",
        required=False,
    )
    origination_date = serializers.DateField(
        required=False, help_text="Note date (default: a month before the first payment)."
    )
    lien_position = serializers.IntegerField(required=False, help_text="1 for a first lien (default 1).")
    escrow_balance = money("Opening escrow balance; negative when advanced (default 0.00).", required=False)
    grace_days = serializers.IntegerField(required=False, help_text="Late charge grace days (default 15).")
    late_charge_pct = rate("Late charge as a percent of P&I (default 4.000).", required=False)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(groups__name__in=STAFF_ROLES).distinct(),
        required=False,
        allow_null=True,
        help_text="Username of the specialist to assign.",
    )
