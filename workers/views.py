"""The contractor's workers pages of a project: list, add, end, import, export.

Every view reaches projects through Project.objects.visible_to(user) (reading) or
editable_by(user) (changing): another company's project or enrollment is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.models import Project, may_edit_visible_projects

from .forms import EnrollmentEndForm, EnrollmentForm, ImportUploadForm
from .importing import TEMPLATE_HEADERS, ImportRefused, csv_bytes, xlsx_bytes
from .models import Enrollment, ImportJob
from .privacy import display_nik
from .services import (
    confirm_import,
    create_import_job,
    end_enrollment,
    enroll_worker,
    get_progress,
    send_import_task,
    too_large_message,
)

ENROLLMENTS_PER_PAGE = 50
PROBLEMS_PER_PAGE = 100


def _project(request, project_pk, *, edit=False):
    projects = Project.objects.editable_by if edit else Project.objects.visible_to
    return get_object_or_404(projects(request.user), pk=project_pk)


@login_required
def enrollment_list(request, project_pk):
    """The project's workers, active first, then those whose enrollment ended."""
    project = _project(request, project_pk)
    enrollments = (
        Enrollment.objects.filter(project=project)
        .select_related("worker")
        .order_by(F("ended_on").desc(nulls_first=True), "worker__full_name", "pk")
    )
    page = Paginator(enrollments, ENROLLMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "workers/enrollment_list.html",
        {
            "project": project,
            "page": page,
            "active_count": Enrollment.objects.filter(project=project).active().count(),
            "imports": ImportJob.objects.filter(project=project).select_related("created_by")[:5],
            "can_edit": may_edit_visible_projects(request.user),  # project from visible_to()
        },
    )


@login_required
def enrollment_create(request, project_pk):
    project = _project(request, project_pk, edit=True)
    form = EnrollmentForm(request.POST or None)
    if form.is_valid():
        try:
            enroll_worker(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Worker enrolled."))
            return redirect("workers:list", project_pk=project.pk)
    return render(request, "workers/enrollment_form.html", {"project": project, "form": form})


@login_required
def enrollment_end(request, pk):
    enrollment = get_object_or_404(
        Enrollment.objects.filter(
            project__in=Project.objects.editable_by(request.user)
        ).select_related("project", "worker"),
        pk=pk,
    )
    form = EnrollmentEndForm(request.POST or None)
    if form.is_valid():
        try:
            end_enrollment(enrollment=enrollment, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Enrollment ended."))
            return redirect("workers:list", project_pk=enrollment.project_id)
    return render(
        request,
        "workers/enrollment_end.html",
        {"enrollment": enrollment, "project": enrollment.project, "form": form},
    )


@login_required
def import_upload(request, project_pk):
    """Upload a file: it is checked at once and the preview lists every problem."""
    project = _project(request, project_pk, edit=True)
    # A body well over the limit is refused before Django reads it (and stores it in /tmp).
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.PANTAU_IMPORT_MAX_BYTES + 64 * 1024:
        form = ImportUploadForm()
        refusal = too_large_message()
    else:
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        refusal = None
    if form.is_valid():
        try:
            job = create_import_job(
                project=project,
                upload=form.cleaned_data["file"],
                user=request.user,
                language=get_language(),
            )
        except ImportRefused as error:
            form.add_error("file", error.message)
        else:
            return redirect(job)
    limits = {
        "max_rows": number_format(settings.PANTAU_IMPORT_MAX_ROWS, force_grouping=True),
        "max_megabytes": settings.PANTAU_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    context = {"project": project, "form": form, "refusal": refusal, **limits}
    return render(request, "workers/import_form.html", context)


@login_required
def import_detail(request, pk):
    """One page per import: the preview, then the progress, then the result."""
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("project", "created_by"), pk=pk
    )
    problems = Paginator(job.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "workers/import_detail.html",
        {
            "job": job,
            "project": job.project,
            "problems": problems,
            "progress": _progress(job),
            "can_edit": may_edit_visible_projects(request.user),  # job from visible_to()
        },
    )


@login_required
@require_POST
def import_confirm(request, pk):
    """Start a checked import; on a job already queued, send its task again (idempotent)."""
    job = get_object_or_404(
        ImportJob.objects.filter(project__in=Project.objects.editable_by(request.user)), pk=pk
    )
    if job.status == ImportJob.Status.CHECKED and job.good_row_count:
        confirm_import(job=job)
    elif job.status == ImportJob.Status.QUEUED:
        send_import_task(job.pk)
    return redirect(job)


@login_required
def import_status(request, pk):
    """JSON for the progress bar (static/js/workers-import-progress.js)."""
    job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
    return JsonResponse({"status": job.status, **_progress(job), "url": job.get_absolute_url()})


def _progress(job) -> dict:
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        done = total = job.row_count
    else:
        stored = get_progress(job.pk) or {}
        done, total = stored.get("done", 0), stored.get("total") or job.row_count
    percent = round(100 * done / total) if total else 0
    return {"done": done, "total": total, "percent": min(percent, 100)}


@login_required
def import_template(request, file_format):
    """An empty file with the column names (in Indonesian) to fill in."""
    _check_format(file_format)
    if file_format == "xlsx":
        return _xlsx_response(
            xlsx_bytes([TEMPLATE_HEADERS], sheet_title="Pekerja"), "template-pekerja.xlsx"
        )
    response = HttpResponse(b"".join(csv_bytes([TEMPLATE_HEADERS])), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="template-pekerja.csv"'
    return response


EXPORT_HEADERS = [*TEMPLATE_HEADERS, "Tanggal selesai (DD-MM-YYYY)"]


def _export_rows(project, user):
    yield EXPORT_HEADERS
    enrollments = (
        Enrollment.objects.filter(project=project)
        .order_by(F("ended_on").desc(nulls_first=True), "worker__full_name", "pk")
        .values_list(
            "worker__nik",
            "worker__full_name",
            "started_on",
            "worker__birth_date",
            "worker__sex",
            "job_title",
            "employment_type",
            "planned_end_on",
            "ended_on",
        )
    )
    sexes = {"M": "L", "F": "P"}
    types = {"harian_lepas": "harian lepas", "borongan": "borongan", "pkwt": "PKWT"}
    for nik, name, started, born, sex, job, kind, planned, ended in enrollments.iterator(2000):
        yield [
            display_nik(nik, user, export=True),
            name,
            _day(started),
            _day(born),
            sexes.get(sex, ""),
            job,
            types.get(kind, kind),
            _day(planned),
            _day(ended),
        ]


def _day(value) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


@login_required
def enrollment_export(request, project_pk, file_format):
    """The project's workers in the template's columns (so an export can be imported again)."""
    _check_format(file_format)
    project = _project(request, project_pk)
    name = f"pekerja-proyek-{project.pk}"
    if file_format == "xlsx":
        return _xlsx_response(
            xlsx_bytes(_export_rows(project, request.user), sheet_title="Pekerja"), name
        )
    response = StreamingHttpResponse(
        csv_bytes(_export_rows(project, request.user)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _check_format(file_format: str) -> None:
    if file_format not in ("csv", "xlsx"):
        raise Http404


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = name if name.endswith(".xlsx") else f"{name}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
