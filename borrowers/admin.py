"""Django admin for borrower accounts.

Money moves only through the services (payment_post, payment_reverse_nsf, ...), which write the
ledger and the audit trail together. So the admin edits descriptive and operational data
(names, phones, addresses, valuations, assignment, investor and program, late-charge overrides)
but never balances, contract terms or status: those are read-only here, loans are boarded
through the API or the seeder (which open the ledger), and the ledger itself is view-only.
"""

from django.contrib import admin

from borrowers.models import Borrower, LedgerTransaction, Loan, Phone, Property, Valuation
from borrowers.serializers import mask_email


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ("number", "kind", "consent_to_call", "is_primary")


@admin.register(Borrower)
class BorrowerAdmin(admin.ModelAdmin):
    # Lists mask contact details (issue 7); the borrower's own page shows the address in full.
    list_display = ("last_name", "first_name", "masked_email", "mailing_state", "preferred_language")
    list_filter = ("preferred_language", "mailing_state")
    search_fields = ("last_name", "first_name", "email", "phones__number")
    ordering = ("last_name", "first_name", "id")
    inlines = (PhoneInline,)
    show_full_result_count = False

    @admin.display(description="Email", ordering="email")
    def masked_email(self, borrower: Borrower) -> str:
        return mask_email(borrower.email)


class ValuationInline(admin.TabularInline):
    model = Valuation
    extra = 0
    fields = ("valued_on", "kind", "value", "source")


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ("address1", "city", "state", "zip_code", "occupancy")
    list_filter = ("state", "occupancy")
    search_fields = ("address1", "city", "zip_code")
    ordering = ("state", "city", "address1", "id")
    inlines = (ValuationInline,)
    show_full_result_count = False


# Terms drive the payment maths and status is the loan's lifecycle: both change through the
# services (boarding, modification, payoff), which keep the ledger and the audit trail in step.
CONTRACT_FIELDS = (
    "loan_number",
    "status",
    "origination_date",
    "original_balance",
    "note_rate",
    "original_term_months",
    "first_payment_date",
    "maturity_date",
    "monthly_pi",
    "monthly_escrow",
)
BALANCE_FIELDS = (
    "principal_balance",
    "escrow_balance",
    "suspense_balance",
    "late_charges_outstanding",
    "fees_outstanding",
    "deferred_principal",
    "next_due_date",
    "remaining_term_months",
)


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = (
        "loan_number",
        "borrower",
        "investor",
        "program",
        "status",
        "next_due_date",
        "principal_balance",
        "assigned_to",
    )
    list_filter = ("status", "investor", "program", "foreclosure_type", "property__state")
    search_fields = ("loan_number", "borrower__last_name", "borrower__first_name", "property__address1")
    list_select_related = ("borrower", "assigned_to")
    autocomplete_fields = ("borrower", "co_borrower", "property")
    raw_id_fields = ("assigned_to",)
    ordering = ("loan_number",)
    date_hierarchy = "next_due_date"
    show_full_result_count = False
    readonly_fields = (*CONTRACT_FIELDS, *BALANCE_FIELDS, "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("loan_number", "status", "borrower", "co_borrower", "property", "assigned_to")}),
        (
            "Terms",
            {
                "fields": (
                    ("investor", "program", "lien_position"),
                    ("origination_date", "original_balance"),
                    ("note_rate", "original_term_months"),
                    ("first_payment_date", "maturity_date"),
                    ("monthly_pi", "monthly_escrow"),
                    ("grace_days", "late_charge_pct"),
                    "foreclosure_type",
                )
            },
        ),
        (
            "Balances (from the ledger; change them by posting through the app)",
            {"fields": BALANCE_FIELDS},
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request) -> bool:
        # Boarding writes the opening ledger row; the admin form would not.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A loan's ledger and audit trail must outlive it; loans are closed by status.
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(admin.ModelAdmin):
    """View-only: corrections are new rows written by the services (reversals), never edits."""

    list_display = ("loan", "seq", "kind", "effective_date", "amount", "principal_after", "suspense_after", "reference")
    list_filter = ("kind",)
    search_fields = ("loan__loan_number", "reference")
    list_select_related = ("loan",)
    ordering = ("-id",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
