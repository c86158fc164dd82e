"""API shapes for the ledger and payments: ledger rows out, a payment or a return in and
its result out. Money is a decimal string with two places (api-contract.md)."""

from decimal import Decimal

from rest_framework import serializers

from borrowers.models import (
    LedgerTransaction,
)
from borrowers.serializers import LoanBalancesSerializer, enum_field, money

# --- Ledger -----------------------------------------------------------------------------------


class LedgerTransactionSerializer(serializers.ModelSerializer):
    kind = enum_field("LedgerKind", LedgerTransaction.Kind.choices, "What the row records.", read_only=True)
    reversed_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the row that reversed this one, or null."
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who posted it (null for the system)."
    )

    class Meta:
        model = LedgerTransaction
        fields = [
            "id",
            "seq",
            "kind",
            "effective_date",
            "posted_at",
            "amount",
            "principal",
            "interest",
            "escrow",
            "suspense",
            "late_charges",
            "fees",
            "deferred",
            "principal_after",
            "escrow_after",
            "suspense_after",
            "late_charges_after",
            "fees_after",
            "deferred_after",
            "next_due_date_after",
            "installment_due_date",
            "payment",
            "reversal_of",
            "reversed_by",
            "original_payment",
            "reference",
            "created_by",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Ledger row id (a payment's id is what the NSF endpoint takes)."},
            "effective_date": {"help_text": "Date the movement takes effect."},
            "posted_at": {"help_text": "When the row was written."},
            "principal_after": {"help_text": "Principal balance after this row."},
            "escrow_after": {"help_text": "Escrow balance after this row."},
            "suspense_after": {"help_text": "Suspense balance after this row."},
            "late_charges_after": {"help_text": "Late charges outstanding after this row."},
            "fees_after": {"help_text": "Fees outstanding after this row."},
            "deferred_after": {"help_text": "Deferred principal after this row."},
            "next_due_date_after": {"help_text": "Next due date after this row."},
            "reversal_of": {"help_text": "The row this one reverses, or null."},
            "original_payment": {"help_text": "For a reposted payment: the first posting of it, or null."},
        }


# --- Payments ---------------------------------------------------------------------------------


class PaymentPostSerializer(serializers.Serializer):
    amount = money("Amount received, in dollars and cents.", min_value=Decimal("0.01"))
    received_on = serializers.DateField(required=False, help_text="Date received (default today; never future).")
    reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Check number or trace id."
    )


class PaymentReturnSerializer(serializers.Serializer):
    returned_on = serializers.DateField(required=False, help_text="Date the bank returned it (default today).")
    reason = serializers.CharField(
        max_length=64, required=False, default="NSF", help_text="Return reason, e.g. NSF, R01 insufficient funds."
    )


class PaymentResultSerializer(serializers.Serializer):
    payment = LedgerTransactionSerializer(help_text="The payment's ledger row.")
    applications = LedgerTransactionSerializer(
        many=True, help_text="Rows written with it: late charges assessed first, installments applied, curtailment."
    )
    loan = LoanBalancesSerializer(help_text="The loan's balances after posting.")


class PaymentReturnResultSerializer(serializers.Serializer):
    reversal = LedgerTransactionSerializer(help_text="The NSF reversal row of the returned payment.")
    loan = LoanBalancesSerializer(help_text="The loan's balances after the return.")
