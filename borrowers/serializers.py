"""API shapes for borrowers, loans, the ledger and payments.

Input serializers check shape only (types, lengths, choices); every rule lives in the services
(borrowers/services.py), so the API and the pages can never disagree. Money is a decimal
string with two places, rates a percent with three places, dates ISO (api-contract.md).
"""

import re
from dataclasses import dataclass
from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from borrowers.models import (
    Borrower,
    Loan,
    Phone,
    Property,
)
from borrowers.states import US_STATES
from delinquency import status as dq
from delinquency.models import BUCKET_CHOICES, Hold
from delinquency.scan import convention as status_convention
from workouts.domain.results import money_str

MONEY_DIGITS = 14


def money(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, help_text=help_text, **kwargs)


def rate(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=3, help_text=help_text, **kwargs)


_ENUM_FIELD_CLASSES: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(component: str, choices, help_text: str, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum is one named schema component.

    drf-spectacular names enums after the field, so `state` and `mailing_state` (one choice set,
    two names) or three different `kind`s (one name, three sets) collide and warn. A named
    component per choice set keeps the schema unambiguous without a settings override.
    """
    choices = list(choices)
    values = [value for value, _label in choices]
    if kwargs.get("allow_blank"):
        values.append("")
    schema: dict = {"type": "string", "enum": values}
    if kwargs.get("allow_null"):
        schema["nullable"] = True
    field_class = _ENUM_FIELD_CLASSES.get(component)
    if field_class is None:
        # One class per component: drf-spectacular tells components apart by identity.
        field_class = type(f"{component}Field", (serializers.ChoiceField,), {})
        extend_schema_field(schema, component_name=component)(field_class)
        _ENUM_FIELD_CLASSES[component] = field_class
    return field_class(choices=choices, help_text=help_text, **kwargs)


def mask_phone(number: str) -> str:
    """A phone number for lists: only the last four digits show."""
    digits = re.sub(r"\D", "", number)
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"


def mask_email(address: str) -> str:
    """An email address for lists (issue 7: contact details masked in lists): the first letter
    of the name and of the domain, and the top-level domain; ana.lopez@example.com reads
    a***@e***.com. Empty stays empty."""
    if "@" not in address:
        return "***" if address else ""
    name, domain = address.rsplit("@", 1)
    host, dot, tld = domain.rpartition(".")
    return f"{name[:1]}***@{(host or tld)[:1]}***{dot}{tld if host else ''}"


class MaskedEmailField(serializers.CharField):
    """An email address masked by mask_email (a string in the schema)."""

    def to_representation(self, value) -> str:
        return mask_email(str(value or ""))


# --- Delinquency status shown on loans -------------------------------------------------------


@dataclass(frozen=True)
class DelinquencyStatus:
    days_past_due: int
    mba_status: int
    ots_status: int
    bucket: str
    status_as_of: date
    risk_score: int
    risk_reasons: list


def delinquency_status(loan: Loan, fallback_as_of: date) -> DelinquencyStatus:
    """The loan's status as of the latest scan (its LoanDelinquency row); a loan the scan has
    not reached yet is computed with the same pure functions as of `fallback_as_of` (the
    latest scan's business date, or today when no scan has run), api-contract.md."""
    try:
        row = loan.delinquency
    except Loan.delinquency.RelatedObjectDoesNotExist:
        row = None
    if row is not None:
        return DelinquencyStatus(
            days_past_due=row.days_past_due,
            mba_status=row.mba_status,
            ots_status=row.ots_status,
            bucket=row.bucket,
            status_as_of=row.business_date,
            risk_score=row.risk_score,
            risk_reasons=row.risk_reasons or [],
        )
    due_day, as_of = loan.first_payment_date.day, fallback_as_of
    dpd = dq.days_past_due(loan.next_due_date, as_of)
    mba = dq.mba_status(loan.next_due_date, due_day, as_of)
    ots = dq.ots_status(loan.next_due_date, due_day, as_of)
    days = dq.convention_days(convention=status_convention(), dpd=dpd, mba=mba, ots=ots)
    return DelinquencyStatus(
        days_past_due=dpd,
        mba_status=mba,
        ots_status=ots,
        bucket=dq.bucket_for_days(days),
        status_as_of=as_of,
        risk_score=0,
        risk_reasons=[],
    )


class RiskReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine code of the early-warning signal, e.g. `nsf`.")
    message = serializers.CharField(help_text="The signal in plain words.")


class DelinquencyFieldsMixin(serializers.Serializer):
    """Delinquency fields fixed by the contract, read from `instance.delinquency_status`."""

    days_past_due = serializers.IntegerField(
        source="delinquency_status.days_past_due",
        read_only=True,
        help_text="Days since the oldest unpaid installment's due date (Reg X 1024.31), as of `status_as_of`.",
    )
    mba_status = serializers.IntegerField(
        source="delinquency_status.mba_status",
        read_only=True,
        help_text="Delinquency under the MBA convention: 0, 30, 60, ... as of `status_as_of`.",
    )
    ots_status = serializers.IntegerField(
        source="delinquency_status.ots_status",
        read_only=True,
        help_text="Delinquency under the OTS convention: 0, 30, 60, ... as of `status_as_of`.",
    )
    bucket = enum_field(
        "DelinquencyBucket",
        BUCKET_CHOICES,
        source="delinquency_status.bucket",
        read_only=True,
        help_text="Delinquency bucket as of `status_as_of`.",
    )
    status_as_of = serializers.DateField(
        source="delinquency_status.status_as_of",
        read_only=True,
        help_text="Business date of the latest delinquency scan, or today when the loan has not been scanned.",
    )
    risk_score = serializers.IntegerField(
        source="delinquency_status.risk_score",
        read_only=True,
        help_text="Early-warning risk score from the latest scan (0 when none).",
    )
    risk_reasons = RiskReasonSerializer(
        source="delinquency_status.risk_reasons",
        many=True,
        read_only=True,
        help_text="Why the risk score is what it is.",
    )

    def to_representation(self, instance):
        as_of = self.context["status_as_of"]()
        instance.delinquency_status = delinquency_status(instance, as_of)
        return super().to_representation(instance)


# --- Borrowers --------------------------------------------------------------------------------


class MaskedPhoneSerializer(serializers.ModelSerializer):
    kind = enum_field("PhoneKind", Phone.Kind.choices, "Mobile, home or work.", read_only=True)
    number = serializers.SerializerMethodField(help_text="The number with all but the last four digits masked.")

    class Meta:
        model = Phone
        fields = ["id", "number", "kind", "is_primary", "consent_to_call"]
        extra_kwargs = {
            "id": {"help_text": "Phone id."},
            "is_primary": {"help_text": "The number to call first."},
            "consent_to_call": {"help_text": "TCPA prior consent to autodialled calls to this number."},
        }

    @extend_schema_field(serializers.CharField())
    def get_number(self, phone: Phone) -> str:
        return mask_phone(phone.number)


class PhoneSerializer(MaskedPhoneSerializer):
    number = serializers.CharField(read_only=True, help_text="The full number, as stored.")

    class Meta(MaskedPhoneSerializer.Meta):
        pass


BORROWER_HELP = {
    "id": "Borrower id.",
    "first_name": "First name.",
    "last_name": "Last name.",
    "email": "Email address (may be empty).",
    "ssn_last4": "Last four digits of the SSN; the full number is never stored.",
    "preferred_language": "Preferred language (ISO 639-1).",
    "mailing_address1": "Mailing address, first line.",
    "mailing_address2": "Mailing address, second line.",
    "mailing_city": "Mailing city.",
    "mailing_state": "Mailing state (USPS code).",
    "mailing_zip": "Mailing ZIP code.",
    "created_at": "When the borrower was recorded.",
}


class BorrowerListSerializer(serializers.ModelSerializer):
    mailing_state = enum_field(
        "USStateOrBlank", US_STATES, "Mailing state (USPS code), or empty.", allow_blank=True, read_only=True
    )
    full_name = serializers.CharField(read_only=True, help_text="First and last name.")
    phones = MaskedPhoneSerializer(many=True, read_only=True, help_text="Phones, primary first, masked.")
    email = MaskedEmailField(read_only=True, help_text="Email address, masked (a***@e***.com), or empty.")

    class Meta:
        model = Borrower
        fields = ["id", "first_name", "last_name", "full_name", "email", "ssn_last4", "mailing_state", "phones"]
        extra_kwargs = {name: {"help_text": text} for name, text in BORROWER_HELP.items()}


class BorrowerLoanRefSerializer(serializers.ModelSerializer):
    status = enum_field("LoanStatus", Loan.Status.choices, "Loan status.", read_only=True)

    class Meta:
        model = Loan
        fields = ["id", "loan_number", "status"]
        extra_kwargs = {
            "id": {"help_text": "Loan id."},
            "loan_number": {"help_text": "Servicer loan number."},
            "status": {"help_text": "Loan status."},
        }


class BorrowerDetailSerializer(BorrowerListSerializer):
    phones = PhoneSerializer(many=True, read_only=True, help_text="Phones, primary first.")
    email = serializers.EmailField(read_only=True, help_text=BORROWER_HELP["email"])
    loans = BorrowerLoanRefSerializer(many=True, read_only=True, help_text="Loans where this is the borrower.")
    co_borrowed_loans = BorrowerLoanRefSerializer(
        many=True, read_only=True, help_text="Loans where this is the co-borrower."
    )

    class Meta(BorrowerListSerializer.Meta):
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "ssn_last4",
            "preferred_language",
            "mailing_address1",
            "mailing_address2",
            "mailing_city",
            "mailing_state",
            "mailing_zip",
            "created_at",
            "phones",
            "loans",
            "co_borrowed_loans",
        ]


class BorrowerSummarySerializer(serializers.ModelSerializer):
    """The borrower as a loan shows them: enough to recognise and reach, phones masked."""

    full_name = serializers.CharField(read_only=True, help_text="First and last name.")
    phones = MaskedPhoneSerializer(many=True, read_only=True, help_text="Phones, primary first, masked.")

    class Meta:
        model = Borrower
        fields = ["id", "first_name", "last_name", "full_name", "email", "preferred_language", "phones"]
        extra_kwargs = {name: {"help_text": text} for name, text in BORROWER_HELP.items()}


# --- Loans ------------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="User id.")
    username = serializers.CharField(help_text="Login name.")
    name = serializers.CharField(source="get_full_name", help_text="Full name (may be empty).")


class PropertySummarySerializer(serializers.ModelSerializer):
    state = enum_field("USState", US_STATES, "State (USPS code).", read_only=True)
    market_value = serializers.SerializerMethodField(help_text="Latest valuation, or null when none is on file.")
    valued_on = serializers.SerializerMethodField(help_text="Date of the latest valuation, or null.")

    class Meta:
        model = Property
        fields = ["id", "address1", "address2", "city", "state", "zip_code", "occupancy", "market_value", "valued_on"]
        extra_kwargs = {
            "id": {"help_text": "Property id."},
            "address1": {"help_text": "Street address."},
            "address2": {"help_text": "Unit, suite."},
            "city": {"help_text": "City."},
            "state": {"help_text": "State (USPS code)."},
            "zip_code": {"help_text": "ZIP code."},
            "occupancy": {"help_text": "Owner-occupied, second home or investment."},
        }

    def _latest(self, prop: Property):
        # valuations are prefetched newest first by the view
        valuations = list(prop.valuations.all())
        return valuations[0] if valuations else None

    @extend_schema_field(serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, allow_null=True))
    def get_market_value(self, prop: Property) -> str | None:
        latest = self._latest(prop)
        return None if latest is None else f"{latest.value:.2f}"

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_valued_on(self, prop: Property) -> str | None:
        latest = self._latest(prop)
        return None if latest is None else latest.valued_on.isoformat()


class HoldSerializer(serializers.ModelSerializer):
    kind = enum_field("HoldKind", Hold.Kind.choices, "Why collection activity is held.", read_only=True)

    class Meta:
        model = Hold
        fields = ["id", "kind", "start_date", "end_date", "reason"]
        extra_kwargs = {
            "id": {"help_text": "Hold id."},
            "start_date": {"help_text": "First day covered."},
            "end_date": {"help_text": "Last day covered; null while open-ended."},
            "reason": {"help_text": "Free-text reason."},
        }


LOAN_HELP = {
    "id": "Loan id.",
    "loan_number": "Servicer loan number (unique).",
    "status": "Active, paid off, liquidated or charged off.",
    "investor": "Investor or guarantor.",
    "program": "Workout program whose rules apply.",
    "lien_position": "1 for a first lien.",
    "origination_date": "Note date.",
    "original_balance": "Original principal.",
    "note_rate": "Annual note rate in percent, three places.",
    "original_term_months": "Original amortisation term in months.",
    "remaining_term_months": "Months left to maturity.",
    "first_payment_date": "First installment due date; its day is the due day.",
    "maturity_date": "Last installment due date.",
    "monthly_pi": "Monthly principal and interest.",
    "monthly_escrow": "Monthly escrow (taxes and insurance).",
    "principal_balance": "Unpaid interest-bearing principal.",
    "escrow_balance": "Escrow account balance (negative when advanced).",
    "suspense_balance": "Funds received but not yet applied (less than a whole installment).",
    "late_charges_outstanding": "Late charges assessed and unpaid.",
    "fees_outstanding": "Fees assessed and unpaid.",
    "deferred_principal": "Non-interest-bearing principal forborne by a modification.",
    "next_due_date": "Due date of the oldest unpaid installment.",
    "grace_days": "Days after the due date before a late charge.",
    "late_charge_pct": "Late charge as a percent of P&I, three places.",
    "foreclosure_type": "Judicial or non-judicial foreclosure state process.",
    "created_at": "When the loan was boarded.",
    "updated_at": "Last change to the loan row.",
}


class LoanListSerializer(DelinquencyFieldsMixin, serializers.ModelSerializer):
    status = enum_field("LoanStatus", Loan.Status.choices, LOAN_HELP["status"], read_only=True)
    borrower_id = serializers.IntegerField(read_only=True, help_text="Borrower id.")
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True, help_text="Borrower's name.")
    property_state = enum_field(
        "USState", US_STATES, "Property state (USPS code).", source="property.state", read_only=True
    )
    assigned_to = UserRefSerializer(read_only=True, allow_null=True, help_text="Assigned specialist, or null.")

    class Meta:
        model = Loan
        fields = [
            "id",
            "loan_number",
            "status",
            "investor",
            "program",
            "borrower_id",
            "borrower_name",
            "property_state",
            "assigned_to",
            "principal_balance",
            "monthly_pi",
            "monthly_escrow",
            "next_due_date",
            "days_past_due",
            "mba_status",
            "ots_status",
            "bucket",
            "status_as_of",
            "risk_score",
            "risk_reasons",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": text} for name, text in LOAN_HELP.items()}

    def to_representation(self, loan: Loan) -> dict:
        """The list row built directly from the loan (50 to 200 a page): what the declared
        fields above produce, without DRF walking them field by field (get_attribute chains,
        a to_representation per field, the nested serializers), which was most of the list's
        Python time per request. The declared fields still describe the schema and serve
        LoanDetailSerializer. tests/api/test_loan_list_representation.py holds the two equal;
        a field added to Meta.fields must be added here too."""
        status = delinquency_status(loan, self.context["status_as_of"]())
        user = loan.assigned_to
        return {
            "id": loan.id,
            "loan_number": str(loan.loan_number),
            "status": str(loan.status),
            "investor": str(loan.investor),
            "program": str(loan.program),
            "borrower_id": loan.borrower_id,
            "borrower_name": str(loan.borrower.full_name),
            "property_state": str(loan.property.state),
            "assigned_to": None
            if user is None
            else {"id": user.id, "username": str(user.username), "name": str(user.get_full_name())},
            "principal_balance": money_str(loan.principal_balance),
            "monthly_pi": money_str(loan.monthly_pi),
            "monthly_escrow": money_str(loan.monthly_escrow),
            "next_due_date": loan.next_due_date.isoformat(),
            "days_past_due": status.days_past_due,
            "mba_status": status.mba_status,
            "ots_status": status.ots_status,
            "bucket": str(status.bucket),
            "status_as_of": status.status_as_of.isoformat(),
            "risk_score": status.risk_score,
            "risk_reasons": [
                {"code": _text(reason["code"]), "message": _text(reason["message"])} for reason in status.risk_reasons
            ],
        }


def _text(value) -> str | None:
    # A CharField's output: None stays null, anything else becomes its string.
    return None if value is None else str(value)


class LoanDetailSerializer(LoanListSerializer):
    monthly_payment = money("Contractual installment: P&I plus escrow.", read_only=True)
    borrower = BorrowerSummarySerializer(read_only=True, help_text="The borrower.")
    co_borrower = BorrowerSummarySerializer(read_only=True, allow_null=True, help_text="The co-borrower, or null.")
    property = PropertySummarySerializer(read_only=True, help_text="The mortgaged property.")
    holds = serializers.SerializerMethodField(help_text="Holds on collection activity active on `status_as_of`.")

    class Meta(LoanListSerializer.Meta):
        fields = [
            "id",
            "loan_number",
            "status",
            "investor",
            "program",
            "lien_position",
            "origination_date",
            "original_balance",
            "note_rate",
            "original_term_months",
            "remaining_term_months",
            "first_payment_date",
            "maturity_date",
            "monthly_pi",
            "monthly_escrow",
            "monthly_payment",
            "principal_balance",
            "escrow_balance",
            "suspense_balance",
            "late_charges_outstanding",
            "fees_outstanding",
            "deferred_principal",
            "next_due_date",
            "grace_days",
            "late_charge_pct",
            "foreclosure_type",
            "borrower",
            "co_borrower",
            "property",
            "assigned_to",
            "days_past_due",
            "mba_status",
            "ots_status",
            "bucket",
            "status_as_of",
            "risk_score",
            "risk_reasons",
            "holds",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, loan: Loan) -> dict:
        # One loan a request: DRF's field-by-field walk, not the list's hand-built row.
        return super(LoanListSerializer, self).to_representation(loan)

    @extend_schema_field(HoldSerializer(many=True))
    def get_holds(self, loan: Loan) -> list:
        day = loan.delinquency_status.status_as_of
        return HoldSerializer([h for h in loan.holds.all() if h.is_active_on(day)], many=True).data


class LoanBalancesSerializer(serializers.ModelSerializer):
    """A loan's balances right after a payment or return."""

    status = enum_field("LoanStatus", Loan.Status.choices, LOAN_HELP["status"], read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id",
            "loan_number",
            "status",
            "principal_balance",
            "escrow_balance",
            "suspense_balance",
            "late_charges_outstanding",
            "fees_outstanding",
            "deferred_principal",
            "next_due_date",
            "remaining_term_months",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"help_text": LOAN_HELP[name]} for name in fields}
