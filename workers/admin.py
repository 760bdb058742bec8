"""Admin of workers and their enrollments on projects.

Lists show a masked NIK; the search takes a full NIK (exact match only, so a partial NIK
cannot be used to fish for people). Enrollment changes mark the project for compliance
evaluation, as workers.services does.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.services import mark_for_evaluation
from reference.admin_history import ReadOnlyHistoryAdmin

from .models import Enrollment, ImportJob, Worker


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    fields = [
        "project",
        "job_title",
        "employment_type",
        "started_on",
        "planned_end_on",
        "ended_on",
        "created_by",
    ]
    readonly_fields = ["created_by"]
    autocomplete_fields = ["project"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "created_by")


@admin.register(Worker)
class WorkerAdmin(ReadOnlyHistoryAdmin):
    list_display = ["full_name", "nik_masked", "birth_date", "sex", "kpj_number"]
    list_filter = ["sex"]
    search_fields = ["full_name", "=nik", "=kpj_number"]
    show_full_result_count = False  # a second COUNT(*) over every worker on each page
    readonly_fields = ["created_at", "updated_at"]
    inlines = [EnrollmentInline]

    @admin.display(description=_("NIK"))
    def nik_masked(self, worker):
        return worker.masked_nik

    def save_formset(self, request, form, formset, change):
        enrollments = formset.save(commit=False)
        project_ids = {e.project_id for e in [*enrollments, *formset.deleted_objects]}
        for enrollment in enrollments:
            if enrollment.pk is None:
                enrollment.created_by = request.user
            enrollment.save()
        for enrollment in formset.deleted_objects:
            enrollment.delete()
        formset.save_m2m()
        if project_ids:
            mark_for_evaluation(project_ids)


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "worker",
        "project",
        "employment_type",
        "job_title",
        "started_on",
        "ended_on",
        "is_active",
    ]
    list_filter = ["employment_type", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = [
        "worker__full_name",
        "=worker__nik",
        "project__name",
        "project__spk_number",
        "job_title",
    ]
    date_hierarchy = "started_on"
    list_select_related = ["worker", "project"]
    show_full_result_count = False
    autocomplete_fields = ["worker", "project"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    @admin.display(description=_("active"), boolean=True, ordering="ended_on")
    def is_active(self, enrollment):
        return enrollment.is_active

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        # A move to another project changes what both projects' no_workers rule sees.
        mark_for_evaluation({obj.project_id, form.initial.get("project")} - {None})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        mark_for_evaluation([obj.project_id])

    def delete_queryset(self, request, queryset):
        project_ids = set(queryset.values_list("project_id", flat=True))
        super().delete_queryset(request, queryset)
        mark_for_evaluation(project_ids)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Bulk imports are read here (their counts, problems and error); they are made and
    confirmed on the project's workers pages, so nothing is added or edited in the admin."""

    list_display = [
        "created_at",
        "project",
        "original_name",
        "status",
        "row_count",
        "enrollment_count",
    ]
    list_filter = ["status", "file_format"]
    search_fields = ["original_name", "project__name", "project__spk_number"]
    date_hierarchy = "created_at"
    list_select_related = ["project"]
    exclude = ["file"]  # private; the pages show what matters of it

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
