"""API shapes for cases and workouts. Input serializers check shape only; the services decide."""

from rest_framework import serializers

from borrowers.serializers import enum_field
from rules.selectors import holidays_declared
from workouts.models import Appeal, CaseDocument, Evaluation, LossMitCase, TrialPayment, Workout
from workouts.selectors import case_deadlines, case_missing_documents

MONEY = {"max_digits": 14, "decimal_places": 2}

# --- Output ----------------------------------------------------------------------------------


class DeadlinesSerializer(serializers.Serializer):
    """api-contract.md: `deadlines` on GET /api/v1/cases/{id}/. Null when the rule does not apply."""

    live_contact_due = serializers.DateField(help_text="Oldest unpaid due date + 36 days (1024.39(a)).")
    written_notice_due = serializers.DateField(help_text="Oldest unpaid due date + 45 days (1024.39(b)).")
    acknowledgment_due = serializers.DateField(
        allow_null=True, help_text="Receipt + 5 business days, if received 45+ days before sale (1024.41(b))."
    )
    evaluation_due = serializers.DateField(
        allow_null=True, help_text="Complete + 30 days, if complete more than 37 days before sale (1024.41(c))."
    )
    earliest_foreclosure_referral = serializers.DateField(
        help_text="First day more than 120 days delinquent (1024.41(f)(1))."
    )
    appeal_deadline = serializers.DateField(
        allow_null=True, help_text="Denial notice + 14 days after a modification denial (1024.41(h))."
    )
    appeal_decision_due = serializers.DateField(allow_null=True, help_text="Appeal received + 30 days.")
    acceptance_window_days = serializers.IntegerField(
        allow_null=True, help_text="Days the borrower has to accept an offer: 14, 7 or none (1024.41(e))."
    )


class DocumentSerializer(serializers.ModelSerializer):
    kind = enum_field("CaseDocumentKind", CaseDocument.Kind.choices, "Checklist item.", read_only=True)

    class Meta:
        model = CaseDocument
        fields = ["id", "kind", "description", "required", "received_on"]


class TrialPaymentSerializer(serializers.ModelSerializer):
    status = enum_field(
        "TrialPaymentStatus", TrialPayment.Status.choices, "Paid on time, missed or scheduled.", read_only=True
    )

    class Meta:
        model = TrialPayment
        fields = ["number", "due_date", "amount", "paid_on", "status"]


class AppealSerializer(serializers.ModelSerializer):
    status = enum_field("AppealStatus", Appeal.Status.choices, "Pending, upheld or overturned.", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None)

    class Meta:
        model = Appeal
        fields = ["received_on", "decision_due", "status", "decided_by", "decided_on", "reason"]


class WorkoutSerializer(serializers.ModelSerializer):
    option = enum_field("WorkoutOption", Workout.Option.choices, "The workout option.", read_only=True)
    status = enum_field("WorkoutStatus", Workout.Status.choices, "Where the workout stands.", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username")
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    trial_payments = TrialPaymentSerializer(many=True, read_only=True)
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = Workout
        fields = [
            "id",
            "case",
            "evaluation",
            "option",
            "status",
            "terms",
            "amount",
            "auto_approved",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "denial_notice_on",
            "appeal_deadline",
            "offered_on",
            "offer_expires_on",
            "responded_on",
            "booked_on",
            "outcome_reason",
            "version",
            "trial_payments",
            "appeal",
        ]

    def get_appeal(self, workout: Workout) -> dict | None:
        try:
            return AppealSerializer(workout.appeal).data
        except Appeal.DoesNotExist:
            return None


class EvaluationSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "case",
            "as_of",
            "program",
            "rule_version",
            "recommendation",
            "inputs",
            "result",
            "created_by",
            "created_at",
        ]


class CaseSerializer(serializers.ModelSerializer):
    status = enum_field("CaseStatus", LossMitCase.Status.choices, "Where the case stands.", read_only=True)
    received_via = enum_field(
        "ReceivedVia", LossMitCase.ReceivedVia.choices, "How the application came in.", read_only=True
    )
    hardship_duration = enum_field(
        "HardshipDuration",
        LossMitCase.HardshipDuration.choices,
        "Short or long term hardship.",
        read_only=True,
        allow_blank=True,
    )
    loan_number = serializers.CharField(source="loan.loan_number")
    assigned_to = serializers.CharField(source="assigned_to.username", default=None)
    opened_by = serializers.CharField(source="opened_by.username")
    deadlines = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    missing_documents = serializers.SerializerMethodField()
    workouts = WorkoutSerializer(many=True, read_only=True)

    class Meta:
        model = LossMitCase
        fields = [
            "id",
            "loan",
            "loan_number",
            "status",
            "application_received_on",
            "received_via",
            "application_complete_on",
            "facially_complete_on",
            "foreclosure_sale_date",
            "acknowledgment_sent_on",
            "hardship_reason",
            "hardship_duration",
            "assigned_to",
            "opened_by",
            "version",
            "closed_on",
            "close_reason",
            "created_at",
            "updated_at",
            "deadlines",
            "documents",
            "missing_documents",
            "workouts",
        ]

    def get_deadlines(self, case: LossMitCase) -> dict:
        # The holiday calendar is read once per response, not once per case of a list.
        if "holidays_declared" not in self.context:
            self.context["holidays_declared"] = holidays_declared()
        return DeadlinesSerializer(case_deadlines(case, self.context["holidays_declared"])).data

    def get_missing_documents(self, case: LossMitCase) -> list[dict]:
        return DocumentSerializer(case_missing_documents(case), many=True).data


class CaseListSerializer(serializers.ModelSerializer):
    status = enum_field("CaseStatus", LossMitCase.Status.choices, "Where the case stands.", read_only=True)
    loan_number = serializers.CharField(source="loan.loan_number")

    class Meta:
        model = LossMitCase
        fields = [
            "id",
            "loan",
            "loan_number",
            "status",
            "application_received_on",
            "application_complete_on",
            "foreclosure_sale_date",
            "version",
        ]


class ReferralBlockSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ForeclosureCheckSerializer(serializers.Serializer):
    on = serializers.DateField()
    allowed = serializers.BooleanField()
    earliest_foreclosure_referral = serializers.DateField()
    blocks = ReferralBlockSerializer(many=True)


# --- Input -----------------------------------------------------------------------------------


# Free text has a bound, as on the pages (DenyForm.reason): 2,000 characters.
REASON_MAX_LENGTH = 2000


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you read; a stale one is refused (409 stale_version)."
    )


class CaseCreateSerializer(serializers.Serializer):
    loan = serializers.IntegerField()
    application_received_on = serializers.DateField()
    received_via = enum_field("ReceivedVia", LossMitCase.ReceivedVia.choices, "How it came in.", default="mail")
    application_complete_on = serializers.DateField(required=False, allow_null=True, default=None)
    foreclosure_sale_date = serializers.DateField(required=False, allow_null=True, default=None)
    hardship_reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    hardship_duration = enum_field(
        "HardshipDuration",
        LossMitCase.HardshipDuration.choices,
        "Short or long term.",
        required=False,
        allow_blank=True,
        default="",
    )


class CaseUpdateSerializer(VersionedInput):
    foreclosure_sale_date = serializers.DateField(required=False, allow_null=True)
    acknowledgment_sent_on = serializers.DateField(required=False, allow_null=True)
    hardship_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hardship_duration = enum_field(
        "HardshipDuration",
        LossMitCase.HardshipDuration.choices,
        "Short or long term.",
        required=False,
        allow_blank=True,
    )


class DocumentReceiveSerializer(VersionedInput):
    kind = enum_field("CaseDocumentKind", CaseDocument.Kind.choices, "Checklist item.")
    received_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ReasonSerializer(VersionedInput):
    reason = serializers.CharField(allow_blank=True, default="", max_length=REASON_MAX_LENGTH)


class ShortSaleInput(serializers.Serializer):
    offer_price = serializers.DecimalField(**MONEY, min_value=0)
    closing_costs = serializers.DecimalField(**MONEY, min_value=0, default="0.00")
    days_on_market = serializers.IntegerField(min_value=0, default=0)


class EvaluationRunSerializer(VersionedInput):
    as_of = serializers.DateField(required=False)
    gross_monthly_income = serializers.DecimalField(**MONEY, min_value=0)
    monthly_debts = serializers.DecimalField(**MONEY, min_value=0, default="0.00")
    market_value = serializers.DecimalField(**MONEY, min_value=0, required=False)
    subordinate_liens = serializers.DecimalField(**MONEY, min_value=0, default="0.00")
    subordinate_liens_released = serializers.BooleanField(default=False)
    short_sale = ShortSaleInput(required=False)


class WorkoutSubmitSerializer(VersionedInput):
    option = enum_field("WorkoutOption", Workout.Option.choices, "The workout option.")
    terms = serializers.DictField(required=False, default=dict)
    amount = serializers.DecimalField(**MONEY, min_value=0, required=False)
    evaluation = serializers.IntegerField(required=False)


class DenySerializer(VersionedInput):
    reason = serializers.CharField(allow_blank=True, max_length=REASON_MAX_LENGTH)
    notice_on = serializers.DateField(required=False)


class OfferSerializer(VersionedInput):
    offered_on = serializers.DateField(required=False)


class AcceptSerializer(VersionedInput):
    accepted_on = serializers.DateField(required=False)
    first_trial_due = serializers.DateField(required=False)


class RejectSerializer(VersionedInput):
    reason = serializers.CharField(default="Borrower declined the offer.", max_length=REASON_MAX_LENGTH)
    on = serializers.DateField(required=False)


class BookSerializer(VersionedInput):
    on = serializers.DateField(required=False)


class TrialReviewSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)


class AppealFileSerializer(serializers.Serializer):
    received_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH)


class AppealDecideSerializer(serializers.Serializer):
    overturn = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, max_length=REASON_MAX_LENGTH)


class ForeclosureReferSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH)
