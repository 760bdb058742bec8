"""Enrolling workers on projects. A worker's identity (NIK, name, birth date) is shared by every
company that employs them: services reuse it and never overwrite it."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.models import Project
from projects.services import mark_for_evaluation

from .models import Enrollment, Worker


@transaction.atomic
def enroll_worker(
    *,
    project: Project,
    nik: str,
    full_name: str,
    started_on: date,
    employment_type: str = Enrollment.EmploymentType.HARIAN_LEPAS,
    job_title: str = "",
    birth_date: date | None = None,
    sex: str = "",
    planned_end_on: date | None = None,
    user=None,
) -> Enrollment:
    """Enroll a person on a project, reusing the Worker row of that NIK when it exists."""
    candidate = Worker(nik=nik, full_name=full_name, birth_date=birth_date, sex=sex)
    candidate.clean_fields(exclude=["nik"])
    candidate.clean()  # validates the NIK and its agreement with birth date and sex
    worker, _created = Worker.objects.get_or_create(
        nik=candidate.nik,
        defaults={
            "full_name": candidate.full_name,
            "birth_date": candidate.birth_date,
            "sex": candidate.sex,
        },
    )
    enrollment = Enrollment(
        project=project,
        worker=worker,
        started_on=started_on,
        employment_type=employment_type,
        job_title=job_title,
        planned_end_on=planned_end_on,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    enrollment.full_clean()  # duplicate -> translated ValidationError; atomic undoes the worker
    enrollment.save()
    mark_for_evaluation([project.pk])
    return enrollment


@transaction.atomic
def end_enrollment(*, enrollment: Enrollment, ended_on: date) -> Enrollment:
    if enrollment.ended_on is not None:
        raise ValidationError(_("This enrollment has already ended."))
    enrollment.ended_on = ended_on
    enrollment.full_clean()
    enrollment.save(update_fields=["ended_on", "updated_at"])
    mark_for_evaluation([enrollment.project_id])
    return enrollment
