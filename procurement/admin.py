from django.contrib import admin

from .models import ProcurementImport


@admin.register(ProcurementImport)
class ProcurementImportAdmin(admin.ModelAdmin):
    """Runs are read here (counts, rows, error); they are made on the office's pages, so
    nothing is added or edited in the admin."""

    list_display = [
        "created_at",
        "office",
        "original_name",
        "kind",
        "status",
        "row_count",
        "new_count",
        "changed_count",
        "rejected_count",
    ]
    list_filter = ["status", "kind", "file_format"]
    search_fields = ["original_name", "office__name"]
    date_hierarchy = "created_at"
    list_select_related = ["office"]
    # The file is private and the rows can be 100,000: the office's page lists them by outcome.
    exclude = ["file", "rows"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
