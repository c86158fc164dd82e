from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """View-only: the audit trail is append-only (PostgreSQL refuses UPDATE and DELETE too)."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "loan_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "note", "actor__username")
    list_select_related = ("actor",)
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
