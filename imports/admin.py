from django.contrib import admin

from imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: runs are a log written by the import services."""

    list_display = (
        "started_at",
        "kind",
        "file_name",
        "status",
        "rows_total",
        "rows_new",
        "rows_updated",
        "rows_unchanged",
        "error_count",
        "created_by",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "sha256")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
