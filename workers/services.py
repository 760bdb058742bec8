"""Enrolling workers on projects. A worker's identity (NIK, name, birth date) is shared by every
company that employs them: services reuse it and never overwrite it."""

import logging
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from projects.models import Project
from projects.services import mark_for_evaluation

from .importing import (
    ImportRefused,
    check_file,
    comparable_name,
    different_name_message,
    import_file,
)
from .models import Enrollment, ImportJob, Worker

logger = logging.getLogger(__name__)


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
    """Enroll a person on a project, reusing the Worker row of that NIK when it exists (with
    the same name only)."""
    candidate = Worker(nik=nik, full_name=full_name, birth_date=birth_date, sex=sex)
    candidate.clean_fields(exclude=["nik"])
    candidate.clean()  # validates the NIK and its agreement with birth date and sex
    worker, created = Worker.objects.get_or_create(
        nik=candidate.nik,
        defaults={
            "full_name": candidate.full_name,
            "birth_date": candidate.birth_date,
            "sex": candidate.sex,
        },
    )
    # The stored identity may come from another company: never show it, never overwrite it;
    # a different name is refused (the person fixes a typo, or the office fixes the record).
    if not created and comparable_name(worker.full_name) != comparable_name(full_name):
        raise ValidationError({"full_name": different_name_message()})
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
    """End an active enrollment on a date (not before its start); the project is re-evaluated."""
    if enrollment.ended_on is not None:
        raise ValidationError(_("This enrollment has already ended."))
    enrollment.ended_on = ended_on
    enrollment.full_clean()
    enrollment.save(update_fields=["ended_on", "updated_at"])
    mark_for_evaluation([enrollment.project_id])
    return enrollment


# --- Bulk import jobs ---------------------------------------------------------------------------


def create_import_job(*, project: Project, upload, user, language: str) -> ImportJob:
    """Check an uploaded file and keep it with its preview. Raises ImportRefused (and stores
    nothing) when the file as a whole is unusable; row problems are part of the preview."""
    if upload.size > settings.PANTAU_IMPORT_MAX_BYTES:
        raise ImportRefused(too_large_message())
    report = check_file(upload, project=project)
    job = ImportJob(
        project=project,
        created_by=user,
        original_name=(upload.name or "")[:255],
        file_format=report.file_format,
        language=language,
        row_count=report.row_count,
        good_row_count=report.good_row_count,
        new_worker_count=report.new_worker_count,
        reused_worker_count=report.reused_worker_count,
        problems=report.problems,
    )
    upload.seek(0)
    job.file.save("upload", upload, save=False)
    job.save()
    return job


def too_large_message() -> str:
    return _(
        "The file is larger than %(size)s MB. Split it into smaller files (at most %(rows)s rows "
        "each) and upload them one by one."
    ) % {
        "size": settings.PANTAU_IMPORT_MAX_BYTES // (1024 * 1024),
        "rows": number_format(settings.PANTAU_IMPORT_MAX_ROWS, force_grouping=True),
    }


def confirm_import(*, job: ImportJob) -> bool:
    """Queue a checked import (compare-and-set checked -> queued); False if it was not waiting.

    The task is sent after commit; if the broker is down the job stays queued and the
    progress page offers to send it again (the task is idempotent)."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.QUEUED, queued_at=timezone.now()
        )
        if claimed:
            transaction.on_commit(lambda: send_import_task(job.pk), robust=True)
    return bool(claimed)


def send_import_task(job_id: int) -> None:
    from .tasks import import_workers_task

    # One attempt, bounded by the broker's socket timeouts, so the confirming page answers
    # while Redis is frozen; the job stays queued and its page offers to send it again.
    import_workers_task.apply_async((job_id,), retry_policy={"max_retries": 0})


def run_import(job_id: int) -> ImportJob | None:
    """Import a queued job's good rows in ONE transaction, with the job's move to done.

    Idempotent: the job row is locked and must still be queued (compare-and-set), so a
    redelivered or duplicate task finds it done and does nothing; a crash rolls everything
    back and leaves it queued for the redelivery. Returns None when there was nothing to do.
    One import per project at a time: the project row is locked too, so a second import of the
    same file (a double upload) waits, then finds every worker enrolled, instead of failing on
    the first one's new workers (workers_worker_nik_key).
    """
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self", "project"))
            .select_related("project", "created_by")
            .filter(pk=job_id, status=ImportJob.Status.QUEUED)
            .first()
        )
        if job is None:
            return None
        set_progress(job.pk, done=0, total=job.row_count)
        with translation.override(job.language), job.file.open("rb") as fileobj:
            report = import_file(
                fileobj,
                project=job.project,
                user=job.created_by,
                progress=lambda done: set_progress(job.pk, done=done, total=job.row_count),
            )
        job.status = ImportJob.Status.DONE
        job.row_count, job.good_row_count = report.row_count, report.good_row_count
        job.new_worker_count = report.new_worker_count
        job.reused_worker_count = report.reused_worker_count
        job.enrollment_count = report.good_row_count
        job.problems = report.problems
        job.finished_at = timezone.now()
        job.save()
        if report.good_row_count:
            mark_for_evaluation([job.project_id])  # once for the whole file
    return job


def fail_import(job_id: int, error: str) -> bool:
    """Record that a queued import failed (its transaction was rolled back: nothing imported)."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.FAILED, error=error[:2000], finished_at=timezone.now()
        )
    )


# Progress lives in the shared cache: the import's transaction hides its rows until the end.


def progress_key(job_id: int) -> str:
    return f"workers:import:{job_id}:progress"


def set_progress(job_id: int, *, done: int, total: int) -> None:
    try:
        cache.set(progress_key(job_id), {"done": done, "total": total}, timeout=24 * 3600)
    except Exception:  # the cache is never required for correctness
        logger.warning("import %s: progress not stored", job_id, exc_info=True)


def get_progress(job_id: int) -> dict | None:
    try:
        return cache.get(progress_key(job_id))
    except Exception:
        return None
