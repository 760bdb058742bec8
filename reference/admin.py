"""Admin of the reference data: Kemendagri regions and the working-day calendar.

The site header lives here because this is the first of our apps to load its admin.
"""

from datetime import timedelta

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.services import recompute_due_dates

from .admin_history import ReadOnlyHistoryAdmin
from .models import Holiday, Region

admin.site.site_header = _("Pantau Jakon")
admin.site.site_title = _("Pantau Jakon")
admin.site.index_title = _("Administration")

# A due date lies at most 14 working days after the SPK (plus long Lebaran breaks), so a
# holiday can only move the due dates of projects signed in the 60 days before it.
DUE_DATE_REACH = timedelta(days=60)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    # ~7,800 rows: every foreign key to a region uses autocomplete, which searches here.
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["^code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    list_per_page = 50


@admin.register(Holiday)
class HolidayAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "name", "kind", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        # A moved holiday changes the due dates around its old day as well as its new one.
        old_date = form.initial.get("date") if change else None
        super().save_model(request, obj, form, change)
        recompute_due_dates_around(obj.date, old_date)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_due_dates_around(obj.date)

    def delete_queryset(self, request, queryset):
        dates = sorted(queryset.values_list("date", flat=True))
        super().delete_queryset(request, queryset)
        if dates:
            recompute_due_dates_around(dates[0], dates[-1])


def recompute_due_dates_around(*days) -> int:
    """Recompute the due dates of projects whose 14-working-day window holds any of `days`."""
    days = sorted(day for day in days if day is not None)
    return recompute_due_dates(spk_from=days[0] - DUE_DATE_REACH, spk_until=days[-1])
