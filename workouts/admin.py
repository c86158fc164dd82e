"""Django admin for cases and workouts: view-only.

Every transition (completeness, approval, offer, trial, booking) goes through
workouts/services.py, which checks roles, four-eyes, limits and Reg X dates and writes the audit
trail. An admin page that edited a status would skip all of that, so these pages only show.
"""

from django.contrib import admin

from workouts.models import Appeal, CaseDocument, Evaluation, LossMitCase, TrialPayment, Workout


class ViewOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DocumentInline(ViewOnlyInline):
    model = CaseDocument
    fields = ("kind", "description", "required", "received_on", "received_by")


class WorkoutInline(ViewOnlyInline):
    model = Workout
    fields = ("option", "status", "amount", "submitted_by", "decided_by", "offer_expires_on", "appeal_deadline")


@admin.register(LossMitCase)
class LossMitCaseAdmin(ViewOnlyAdmin):
    list_display = (
        "id",
        "loan",
        "status",
        "application_received_on",
        "application_complete_on",
        "foreclosure_sale_date",
        "assigned_to",
    )
    list_filter = ("status", "received_via")
    search_fields = ("loan__loan_number", "loan__borrower__last_name")
    list_select_related = ("loan", "assigned_to")
    ordering = ("-id",)
    inlines = (DocumentInline, WorkoutInline)


class TrialPaymentInline(ViewOnlyInline):
    model = TrialPayment
    fields = ("number", "due_date", "amount", "paid_on", "status")


@admin.register(Workout)
class WorkoutAdmin(ViewOnlyAdmin):
    list_display = ("id", "case", "option", "status", "amount", "auto_approved", "submitted_by", "decided_by")
    list_filter = ("option", "status", "auto_approved")
    search_fields = ("case__loan__loan_number",)
    list_select_related = ("case", "submitted_by", "decided_by")
    ordering = ("-id",)
    inlines = (TrialPaymentInline,)


@admin.register(Evaluation)
class EvaluationAdmin(ViewOnlyAdmin):
    list_display = ("id", "case", "as_of", "program", "rule_version", "recommendation", "created_by")
    list_filter = ("program",)
    search_fields = ("case__loan__loan_number",)
    list_select_related = ("case", "created_by")
    ordering = ("-id",)


@admin.register(Appeal)
class AppealAdmin(ViewOnlyAdmin):
    list_display = ("workout", "received_on", "decision_due", "status", "decided_by")
    list_filter = ("status",)
    list_select_related = ("workout", "decided_by")
    ordering = ("decision_due",)
