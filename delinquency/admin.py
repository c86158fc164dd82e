"""Admin views for operators: scan runs (last night's counts and failures), and read-mostly
lists of statuses, bucket events, tasks and holds. Holds change through the services (audited),
so they are read-only here."""

from django.contrib import admin

from accounts.roles import Role, user_has_role
from delinquency.models import BucketEvent, CallAttempt, CallTask, Hold, LoanDelinquency, Promise, ScanRun, ScanSchedule
from lossmit.admin_base import ReadOnlyAdmin


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdmin):
    list_display = (
        "business_date",
        "status",
        "started_at",
        "finished_at",
        "loans_scanned",
        "chunks_done",
        "chunks_total",
        "tasks_assigned",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in ScanRun._meta.fields]


@admin.register(LoanDelinquency)
class LoanDelinquencyAdmin(ReadOnlyAdmin):
    list_display = ("loan", "business_date", "days_past_due", "mba_status", "ots_status", "bucket", "risk_score")
    list_filter = ("bucket",)
    search_fields = ("loan__loan_number",)
    list_select_related = ("loan",)
    show_full_result_count = False  # a million rows: no COUNT(*) on every page


@admin.register(BucketEvent)
class BucketEventAdmin(ReadOnlyAdmin):
    list_display = ("loan", "date", "from_bucket", "to_bucket", "kind")
    list_filter = ("kind", "to_bucket")
    date_hierarchy = "date"
    search_fields = ("loan__loan_number",)
    list_select_related = ("loan",)
    show_full_result_count = False


@admin.register(CallTask)
class CallTaskAdmin(ReadOnlyAdmin):
    list_display = ("loan", "reason", "due_by", "status", "cancel_reason", "assigned_to", "business_date")
    list_filter = ("status", "reason")
    search_fields = ("loan__loan_number", "assigned_to__username")
    list_select_related = ("loan", "assigned_to")
    show_full_result_count = False


@admin.register(CallAttempt)
class CallAttemptAdmin(ReadOnlyAdmin):
    list_display = ("loan", "at", "outcome", "made_by")
    list_filter = ("outcome",)
    search_fields = ("loan__loan_number",)
    list_select_related = ("loan", "made_by")


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("loan", "kind", "start_date", "end_date", "created_by", "released_at")
    list_filter = ("kind",)
    search_fields = ("loan__loan_number",)
    list_select_related = ("loan", "created_by")


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ("loan", "amount", "promised_date", "status", "resolved_on", "created_by")
    list_filter = ("status",)
    search_fields = ("loan__loan_number",)
    list_select_related = ("loan", "created_by")


@admin.register(ScanSchedule)
class ScanScheduleAdmin(admin.ModelAdmin):
    """The one schedule row; a save goes through the service, so it is admin-only and audited
    exactly like the scan-runs page's form."""

    list_display = ("time_of_day", "enabled", "updated_by", "updated_at")
    fields = ("time_of_day", "enabled")

    # The Admin role governs, as for letter templates: the service refuses anyone else.
    def has_module_permission(self, request) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_view_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_add_permission(self, request) -> bool:
        return user_has_role(request.user, Role.ADMIN) and not ScanSchedule.objects.exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # without the row the settings' default applies; nothing to delete

    def save_model(self, request, obj, form, change) -> None:
        from delinquency.services_schedule import scan_schedule_update

        saved = scan_schedule_update(
            actor=request.user, time_of_day=form.cleaned_data["time_of_day"], enabled=form.cleaned_data["enabled"]
        )
        obj.pk = saved.pk
