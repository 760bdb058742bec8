"""A worker's personal data: what is held about a person (export), erasing it on request, and
deleting it when its retention ends (UU 27/2022 on personal data protection: the data
subject's rights of access and erasure; data kept no longer than its purpose needs).

Retention: an enrollment is the compliance record of its project (who was covered for JKK and
JKM while the project ran) and is kept while the project runs and for
PANTAU_WORKER_DATA_RETENTION_YEARS after the current end date of a finished or terminated
project. An erasure request deletes what retention no longer needs and anonymises the
person on what it still needs: the enrollments stay (the project's counts and findings do
not change) but point to a worker without NIK, name or contact details. The change history
of the person (django-simple-history rows of the worker) goes with them.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict

from projects.models import Project
from projects.services import mark_for_evaluation

from .models import Enrollment, ImportJob, Worker

PERSON_FIELDS = ["nik", "full_name", "birth_date", "sex", "kpj_number", "address", "phone"]
ANONYMOUS_NAME = "ANONIM"


def retention_cutoff(today: date) -> date:
    """Projects that ended before this day are past retention."""
    years = settings.PANTAU_WORKER_DATA_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def past_retention(today: date) -> Q:
    """Rows (enrollments, imports) whose project no longer needs them: a Q on `project`."""
    return Q(
        project__status__in=[Project.Status.FINISHED, Project.Status.TERMINATED],
        project__current_end_date__lt=retention_cutoff(today),
    )


def anonymous_nik(worker_id: int) -> str:
    """Sixteen digits (the column's constraint) that are no one's NIK: no province is 00."""
    return f"{worker_id:016d}"


def export_worker_data(nik: str) -> dict:
    """Everything held about the person with this NIK, as JSON-ready values (dates as
    datetime/date objects; serialise with DjangoJSONEncoder). Worker.DoesNotExist if unknown."""
    worker = Worker.objects.get(nik=nik)
    enrollments = worker.enrollments.select_related(
        "project__contractor", "project__regency"
    ).order_by("started_on", "pk")
    return {
        "worker": {"id": worker.pk, **model_to_dict(worker, fields=PERSON_FIELDS)}
        | {"created_at": worker.created_at, "updated_at": worker.updated_at},
        "enrollments": [_enrollment(enrollment) for enrollment in enrollments],
        "history": {
            "worker": list(Worker.history.filter(id=worker.pk).order_by("history_date").values()),
            "enrollments": list(
                Enrollment.history.filter(worker_id=worker.pk).order_by("history_date").values()
            ),
        },
    }


def _enrollment(enrollment: Enrollment) -> dict:
    project = enrollment.project
    return {
        **model_to_dict(enrollment, exclude=["project", "worker", "created_by"]),
        "id": enrollment.pk,
        "created_at": enrollment.created_at,
        "project": {
            "id": project.pk,
            "name": project.name,
            "spk_number": project.spk_number,
            "contractor": project.contractor.legal_name,
            "regency": project.regency.name,
            "status": project.status,
            "current_end_date": project.current_end_date,
        },
    }


@dataclass(frozen=True)
class Erasure:
    enrollments_deleted: int
    enrollments_kept: int
    worker_deleted: bool


@transaction.atomic
def erase_worker_data(*, nik: str, today: date) -> Erasure:
    """Erase the person with this NIK: enrollments past retention are deleted; if some must
    stay, the worker row is anonymised, else deleted. Their history rows go either way, and
    the stored files of finished imports on their projects (no longer needed, and they hold
    the NIK). Worker.DoesNotExist if the NIK is unknown."""
    worker = Worker.objects.select_for_update().get(nik=nik)
    worker_id = worker.pk  # delete() clears it
    project_ids = set(worker.enrollments.values_list("project_id", flat=True))
    expired = worker.enrollments.filter(past_retention(today))
    expired_ids = list(expired.values_list("pk", flat=True))
    expired.delete()
    Enrollment.history.filter(id__in=expired_ids).delete()
    kept = worker.enrollments.count()
    if kept:
        Worker.objects.filter(pk=worker_id).update(
            nik=anonymous_nik(worker_id),
            full_name=ANONYMOUS_NAME,
            birth_date=None,
            sex="",
            kpj_number=None,
            address="",
            phone="",
        )
    else:
        worker.delete()
    Worker.history.filter(id=worker_id).delete()
    _drop_finished_import_files(project_ids)
    if expired_ids:
        mark_for_evaluation(project_ids)
    return Erasure(len(expired_ids), kept, worker_deleted=not kept)


def _drop_finished_import_files(project_ids) -> None:
    finished = ImportJob.objects.filter(
        project_id__in=project_ids, status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]
    ).exclude(file="")
    for job in finished:
        job.file.delete(save=False)
    finished.update(file="")


@dataclass(frozen=True)
class Purge:
    enrollments: int
    workers: int


@transaction.atomic
def purge_expired_worker_data(*, today: date) -> Purge:
    """Delete the enrollments and imports of projects past retention, and the workers
    left with no enrollment, with their history rows (the deletes' own history rows too: a
    deleted person leaves no copy). Idempotent: a second run finds nothing."""
    expired = Enrollment.objects.filter(past_retention(today))
    expired_ids = list(expired.values_list("pk", flat=True))
    worker_ids = set(expired.values_list("worker_id", flat=True))
    expired.delete()
    Enrollment.history.filter(id__in=expired_ids).delete()
    orphans = Worker.objects.filter(pk__in=worker_ids, enrollments__isnull=True)
    orphan_ids = list(orphans.values_list("pk", flat=True))
    Worker.objects.filter(pk__in=orphan_ids).delete()
    Worker.history.filter(id__in=orphan_ids).delete()
    imports = ImportJob.objects.filter(past_retention(today))
    for job in imports.exclude(file=""):
        job.file.delete(save=False)
    imports.delete()
    return Purge(len(expired_ids), len(orphan_ids))
