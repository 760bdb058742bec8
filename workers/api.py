"""Worker enrollments in the API (/api/v1): read in the caller's scope; contractors enroll
workers with the portal's form and service (enroll_worker), so the checks are the same."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from config.api_errors import ERRORS, ApiError, object_or_not_found
from config.api_pagination import keyset_page
from config.api_schemas import Id, PageParams, Since, contractor_of, user_of
from projects.models import Project
from reference.forms import add_service_errors

from .forms import EnrollmentForm
from .models import Enrollment
from .services import enroll_worker

router = Router(tags=["enrollments"])

EmploymentType = Literal[tuple(Enrollment.EmploymentType.values)]


class EnrollmentOut(Schema):
    id: int
    project_id: int
    worker_id: int
    nik: str = Field(alias="worker.nik")
    full_name: str = Field(alias="worker.full_name")
    job_title: str
    employment_type: EmploymentType
    started_on: date
    planned_end_on: date | None
    ended_on: date | None
    created_at: datetime
    updated_at: datetime


class EnrollmentPage(Schema):
    items: list[EnrollmentOut]
    next: str | None


class EnrollmentFilters(PageParams):
    project: int | None = Field(None, ge=1, le=2**63 - 1)
    is_active: bool | None = Field(None, description="true: still working; false: ended.")
    updated_since: Since | None = None


class EnrollmentIn(Schema):
    """The portal's enrollment form. A NIK already known is reused (with the same name only)."""

    nik: str
    full_name: str
    birth_date: date | None = None
    sex: Literal["", "M", "F"] = ""
    job_title: str = ""
    employment_type: EmploymentType = Enrollment.EmploymentType.HARIAN_LEPAS.value
    started_on: date
    planned_end_on: date | None = None


def _enrollments(request):
    return Enrollment.objects.visible_to(user_of(request)).select_related("worker")


@router.get("/enrollments", response={200: EnrollmentPage, **ERRORS}, summary="List enrollments")
def enrollment_list(request, filters: Query[EnrollmentFilters]):
    enrollments = _enrollments(request)
    if filters.project:
        enrollments = enrollments.filter(project_id=filters.project)
    if filters.is_active is not None:
        enrollments = enrollments.filter(ended_on__isnull=filters.is_active)
    if filters.updated_since:
        enrollments = enrollments.filter(updated_at__gte=filters.updated_since)
    return keyset_page(request, enrollments, filters)


@router.get(
    "/enrollments/{enrollment_id}",
    response={200: EnrollmentOut, **ERRORS},
    summary="An enrollment",
)
def enrollment_detail(request, enrollment_id: Id):
    enrollment = object_or_not_found(_enrollments(request), enrollment_id)
    return enrollment


@router.post(
    "/projects/{project_id}/enrollments",
    response={201: EnrollmentOut, **ERRORS},
    summary="Enroll a worker on a project (contractors)",
)
def enrollment_create(request, project_id: Id, payload: EnrollmentIn):
    contractor_of(request)  # offices read only
    project = object_or_not_found(Project.objects.editable_by(user_of(request)), project_id)
    data = {name: value for name, value in payload.dict().items() if value is not None}
    form = EnrollmentForm(data)
    if not form.is_valid():
        raise ApiError.from_form(form)
    try:
        enrollment = enroll_worker(project=project, user=user_of(request), **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        raise ApiError.from_form(form) from None
    return Status(201, _enrollments(request).get(pk=enrollment.pk))
