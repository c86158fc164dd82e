"""Borrower accounts: borrowers, properties, loans and the loan's immutable money ledger."""

import builtins
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from borrowers.states import US_STATES


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def rate_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=6, decimal_places=3, **kwargs)


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    CHINESE = "zh", "Chinese"
    VIETNAMESE = "vi", "Vietnamese"
    KOREAN = "ko", "Korean"
    TAGALOG = "tl", "Tagalog"


class Borrower(models.Model):
    """A borrower or co-borrower. We keep the last four SSN digits only, never the full number."""

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, db_index=True)
    email = models.EmailField(blank=True)
    ssn_last4 = models.CharField(
        max_length=4, blank=True, validators=[RegexValidator(r"^\d{4}$", "Enter exactly four digits.")]
    )
    preferred_language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    mailing_address1 = models.CharField(max_length=200, blank=True)
    mailing_address2 = models.CharField(max_length=200, blank=True)
    mailing_city = models.CharField(max_length=100, blank=True)
    mailing_state = models.CharField(max_length=2, choices=US_STATES, blank=True)
    mailing_zip = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Phone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        HOME = "home", "Home"
        WORK = "work", "Work"

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, db_index=True, validators=[RegexValidator(r"^\+?[0-9 ()\-.]{7,20}$")])
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    # TCPA: autodialled or prerecorded calls to a mobile need the borrower's prior consent.
    consent_to_call = models.BooleanField(default=False)
    is_primary = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.number} ({self.kind})"


class Property(models.Model):
    class Occupancy(models.TextChoices):
        OWNER = "owner", "Owner-occupied"
        SECOND_HOME = "second_home", "Second home"
        INVESTMENT = "investment", "Investment"

    address1 = models.CharField(max_length=200)
    address2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=US_STATES, db_index=True)
    zip_code = models.CharField(max_length=10)
    occupancy = models.CharField(max_length=20, choices=Occupancy.choices, default=Occupancy.OWNER)

    class Meta:
        verbose_name_plural = "properties"
        indexes = [models.Index(fields=["address1"])]

    def __str__(self) -> str:
        return f"{self.address1}, {self.city}, {self.state} {self.zip_code}"


class Valuation(models.Model):
    class Kind(models.TextChoices):
        BPO = "bpo", "Broker price opinion"
        AVM = "avm", "Automated valuation model"
        APPRAISAL = "appraisal", "Appraisal"
        ORIGINATION = "origination", "Value at origination"

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="valuations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = money_field(validators=[MinValueValidator(Decimal("0.01"))])
    valued_on = models.DateField()
    source = models.CharField(max_length=100, blank=True, help_text="Vendor or appraiser.")

    class Meta:
        ordering = ["-valued_on", "-id"]
        indexes = [models.Index(fields=["property", "-valued_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} on {self.valued_on}"


class Investor(models.TextChoices):
    FANNIE_MAE = "FNMA", "Fannie Mae"
    FREDDIE_MAC = "FHLMC", "Freddie Mac"
    FHA = "FHA", "FHA"
    VA = "VA", "VA"
    PORTFOLIO = "PORTFOLIO", "Portfolio"


class Program(models.TextChoices):
    """Workout program codes (domain.md section 4); the loan's program picks its rule set."""

    GSE_FLEX = "GSE_FLEX", "GSE Flex Modification"
    FHA_HAMP = "FHA_HAMP", "FHA-HAMP"
    HAMP_31 = "HAMP_31", "31% DTI (HAMP waterfall)"
    PORTFOLIO = "PORTFOLIO", "Portfolio"


# The program a loan gets when boarded without one, by investor.
DEFAULT_PROGRAM_BY_INVESTOR = {
    Investor.FANNIE_MAE: Program.GSE_FLEX,
    Investor.FREDDIE_MAC: Program.GSE_FLEX,
    Investor.FHA: Program.FHA_HAMP,
    Investor.VA: Program.HAMP_31,
    Investor.PORTFOLIO: Program.PORTFOLIO,
}


class Loan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAID_OFF = "paid_off", "Paid off"
        LIQUIDATED = "liquidated", "Liquidated"
        CHARGED_OFF = "charged_off", "Charged off"

    class ForeclosureType(models.TextChoices):
        JUDICIAL = "judicial", "Judicial"
        NON_JUDICIAL = "non_judicial", "Non-judicial"

    loan_number = models.CharField(max_length=20, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    co_borrower = models.ForeignKey(
        Borrower, null=True, blank=True, on_delete=models.PROTECT, related_name="co_borrowed_loans"
    )
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="loans")
    investor = models.CharField(max_length=10, choices=Investor.choices, db_index=True)
    program = models.CharField(max_length=20, choices=Program.choices)
    lien_position = models.PositiveSmallIntegerField(default=1)
    origination_date = models.DateField()
    original_balance = money_field()
    note_rate = rate_field(help_text="Annual percent, e.g. 6.500.")
    original_term_months = models.PositiveIntegerField()
    remaining_term_months = models.PositiveIntegerField()
    first_payment_date = models.DateField()
    maturity_date = models.DateField()
    monthly_pi = money_field()
    monthly_escrow = money_field()

    # Balances. Each one always equals the sum of its column in the loan's ledger.
    principal_balance = money_field()
    escrow_balance = money_field()
    suspense_balance = money_field()
    late_charges_outstanding = money_field()
    fees_outstanding = money_field()
    # Non-interest-bearing principal forborne by a modification, due at maturity or payoff.
    deferred_principal = money_field()
    # The due date of the oldest unpaid installment (Reg X 1024.31 delinquency starts here).
    next_due_date = models.DateField(db_index=True)

    # Indexed by (status, loan_number) below: its leading column serves every status filter.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    foreclosure_type = models.CharField(max_length=20, choices=ForeclosureType.choices)
    grace_days = models.PositiveSmallIntegerField(default=settings.LATE_CHARGE_GRACE_DAYS)
    late_charge_pct = rate_field(default=Decimal(settings.LATE_CHARGE_PCT))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="loans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(principal_balance__gte=0), name="loan_principal_nonnegative"),
            models.CheckConstraint(condition=Q(suspense_balance__gte=0), name="loan_suspense_nonnegative"),
            models.CheckConstraint(condition=Q(late_charges_outstanding__gte=0), name="loan_late_charges_nonnegative"),
            models.CheckConstraint(condition=Q(fees_outstanding__gte=0), name="loan_fees_nonnegative"),
            models.CheckConstraint(condition=Q(deferred_principal__gte=0), name="loan_deferred_nonnegative"),
            models.CheckConstraint(condition=Q(lien_position__gte=1), name="loan_lien_position_positive"),
        ]
        indexes = [
            # Status filters (worklists, the scan, the API) and the loans landing page, which
            # walks active loans in loan-number order (borrowers/selectors.py).
            models.Index(fields=["status", "loan_number"], name="borrowers_loan_status_number"),
        ]

    def __str__(self) -> str:
        return self.loan_number

    @builtins.property  # the field named `property` shadows the builtin here
    def monthly_payment(self) -> Decimal:
        """The contractual installment: P&I plus escrow."""
        return self.monthly_pi + self.monthly_escrow

    @builtins.property  # the field named `property` shadows the builtin here
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class LedgerTransaction(models.Model):
    """One money movement on a loan. Immutable: corrections are new rows (reversals).

    Columns hold signed changes to each balance; the `*_after` columns record the loan's
    balances after this row, so a statement can be printed without re-summing. A payment lands
    in suspense first; each installment it completes moves out of suspense into interest,
    principal and escrow.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", "Opening balances (boarding)"
        PAYMENT = "payment", "Payment received"
        INSTALLMENT = "installment", "Installment applied"
        LATE_CHARGE = "late_charge", "Late charge assessed"
        FEE = "fee", "Fee assessed"
        CHARGES_PAID = "charges_paid", "Late charges and fees paid"
        CURTAILMENT = "curtailment", "Principal curtailment"
        ESCROW_DISBURSEMENT = "escrow_disbursement", "Escrow disbursement"
        NSF_REVERSAL = "nsf_reversal", "Returned payment (NSF) reversal"
        REVERSAL = "reversal", "Reversal"
        ADJUSTMENT = "adjustment", "Adjustment"
        MODIFICATION = "modification", "Loan modification booked"

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="ledger")
    seq = models.PositiveIntegerField(help_text="Order of posting within the loan.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    effective_date = models.DateField()
    posted_at = models.DateTimeField(auto_now_add=True)
    amount = money_field(help_text="Size of the movement, always positive except for adjustments.")

    principal = money_field(help_text="Change to the principal balance.")
    interest = money_field(help_text="Interest paid by this row (interest is not a balance).")
    escrow = money_field(help_text="Change to the escrow balance.")
    suspense = money_field(help_text="Change to the suspense balance.")
    late_charges = money_field(help_text="Change to late charges outstanding.")
    fees = money_field(help_text="Change to fees outstanding.")
    deferred = money_field(help_text="Change to deferred (forborne, non-interest-bearing) principal.")

    principal_after = money_field()
    escrow_after = money_field()
    suspense_after = money_field()
    late_charges_after = money_field()
    fees_after = money_field()
    deferred_after = money_field()
    next_due_date_after = models.DateField()

    installment_due_date = models.DateField(null=True, blank=True, help_text="The installment this row concerns.")
    payment = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text="For rows that apply a payment: the payment row they came from.",
    )
    reversal_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    original_payment = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reapplications",
        help_text="For a payment reposted after an earlier returned payment: the first posting of it.",
    )
    reference = models.CharField(max_length=64, blank=True, help_text="Check number, trace id, reason.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["loan_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "seq"], name="ledger_seq_unique_per_loan"),
            # A late charge is assessed once per installment, never pyramided (domain.md s.1).
            models.UniqueConstraint(
                fields=["loan", "installment_due_date"],
                condition=Q(kind="late_charge"),
                name="ledger_one_late_charge_per_installment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.seq} {self.kind} {self.amount}"
