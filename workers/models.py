"""Construction workers (harian lepas, borongan, PKWT) and their enrollment on projects.

PP 44/2015 Pasal 53 and Permenaker 44/2015: the contractor reports its project workers by name
and address; they are covered for JKK and JKM through the project's registration.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reference.identifiers import nik_matches_person, parse_nik, validate_kpj


class WorkerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A contractor sees workers only through its own enrollments; an office through the
        projects of its region."""
        from projects.models import Project

        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(enrollments__project__in=Project.objects.visible_to(user)).distinct()


class Worker(models.Model):
    """A person, identified by NIK. The identity is shared by every company that employs them:
    contractors never edit it; corrections are an office or admin action."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    nik = models.CharField(_("NIK"), max_length=16, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex, blank=True)
    kpj_number = models.CharField(
        _("KPJ number"),
        max_length=11,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_kpj],
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"),
                name="workers_worker_nik_16_digits",
                violation_error_message=_("A NIK has exactly 16 digits."),
            ),
            models.CheckConstraint(
                condition=Q(kpj_number__isnull=True) | Q(kpj_number__regex=r"^[0-9]{11}$"),
                name="workers_worker_kpj_11_digits",
                violation_error_message=_("A KPJ number has exactly 11 digits."),
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.masked_nik})"

    @property
    def masked_nik(self) -> str:
        from .privacy import mask_nik

        return mask_nik(self.nik)

    def clean(self):
        if self.kpj_number == "":
            self.kpj_number = None
        if not self.nik:
            return
        try:
            parts = parse_nik(self.nik)
        except ValidationError as error:
            raise ValidationError({"nik": error.messages}) from None
        self.nik = parts.nik
        if self.birth_date is None:
            self.birth_date = parts.birth_date()
        if not self.sex:
            self.sex = self.Sex.FEMALE if parts.is_female else self.Sex.MALE
        if errors := nik_matches_person(parts, birth_date=self.birth_date, sex=self.sex):
            raise ValidationError({"nik": errors})


class EnrollmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from projects.models import Project

        return self.filter(project__in=Project.objects.visible_to(user))

    def active(self):
        return self.filter(ended_on__isnull=True)


class Enrollment(models.Model):
    """A worker on a project. Changes are due within 30 working days (Perdir BPJS TK 22/2022)."""

    class EmploymentType(models.TextChoices):
        HARIAN_LEPAS = "harian_lepas", _("Daily worker (harian lepas)")
        BORONGAN = "borongan", _("Piece-rate worker (borongan)")
        PKWT = "pkwt", _("Fixed-term contract (PKWT)")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    job_title = models.CharField(_("job"), max_length=120, blank=True)
    employment_type = models.CharField(
        _("employment type"),
        max_length=14,
        choices=EmploymentType,
        default=EmploymentType.HARIAN_LEPAS,
    )
    started_on = models.DateField(_("started on"))
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-started_on", "-id"]
        constraints = [
            # enroll_worker() and the bulk import rely on it: one active enrollment per worker
            # and project (a worker who left and came back gets a new row).
            models.UniqueConstraint(
                fields=["project", "worker"],
                condition=Q(ended_on__isnull=True),
                name="workers_enrollment_one_active_per_project",
                violation_error_message=_("This worker is already enrolled on this project."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="workers_enrollment_end_after_start",
                violation_error_message=_("An enrollment cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True) | Q(planned_end_on__gte=F("started_on")),
                name="workers_enrollment_planned_end_after_start",
                violation_error_message=_("The planned end cannot be before the start."),
            ),
        ]
        indexes = [
            # The no_workers rule and dashboards count active enrollments per project.
            models.Index(
                fields=["project"],
                name="enrollment_active_by_project",
                condition=Q(ended_on__isnull=True),
            ),
            # The hourly delta scan looks up enrollments changed since the previous scan.
            models.Index(fields=["updated_at"], name="enrollment_updated"),
        ]

    def __str__(self):
        return f"{self.worker} @ {self.project}"

    def clean(self):
        # Checked when a worker is enrolled: an addendum that later moves the project's dates
        # does not make its existing enrollments invalid.
        if not (self._state.adding and self.project_id and self.started_on):
            return
        if errors := period_errors(self.project, self.started_on):
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


def period_errors(project, started_on) -> dict[str, str]:
    """Where an enrollment's dates cannot belong to its project: work on it starts from the SPK
    (the contract). Later dates are left alone: projects overrun their end date before an
    addendum is recorded. Field name -> message; the web form, the API and the bulk import share
    it."""
    if started_on < project.spk_date:
        return {
            "started_on": _("The start cannot be before the project's SPK date (%(date)s).")
            % {"date": date_format(project.spk_date, "j F Y")}
        }
    return {}


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import (its file holds personal data) is seen through its project only: the same
        company, the region's office, admins."""
        from projects.models import Project

        return self.filter(project__in=Project.objects.visible_to(user))


def _import_upload_path(job, filename):
    # A random name: the person's file name may itself hold personal data.
    return f"worker-imports/{job.project_id}/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """One uploaded file of workers to enroll on a project: checked, then (once confirmed)
    imported in one transaction by workers.tasks.import_workers_task."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="worker_imports",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Private: default storage under MEDIA_ROOT, which is never routed; only the task reads it.
    file = models.FileField(_("file"), upload_to=_import_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat)
    # Messages are stored in the uploader's language (the task renders them in it too).
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.CHECKED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    good_row_count = models.PositiveIntegerField(_("rows without problems"), default=0)
    # [{"row": 7, "column": "NIK", "message": "..."}], in file order.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    new_worker_count = models.PositiveIntegerField(_("new workers"), default=0)
    reused_worker_count = models.PositiveIntegerField(_("workers already known"), default=0)
    enrollment_count = models.PositiveIntegerField(_("enrollments created"), default=0)
    queued_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker import")
        verbose_name_plural = _("worker imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The task's compare-and-set (queued -> done) relies on the status being one of these.
            models.CheckConstraint(
                condition=Q(status__in=["checked", "queued", "done", "failed"]),
                name="workers_importjob_status_valid",
                violation_error_message=_("Unknown import status."),
            ),
            models.CheckConstraint(
                condition=Q(good_row_count__lte=F("row_count")),
                name="workers_importjob_good_rows_within_rows",
                violation_error_message=_("An import cannot have more good rows than rows."),
            ),
        ]

    def __str__(self):
        return f"{self.original_name} → {self.project}"

    def get_absolute_url(self):
        return reverse("workers:import_detail", args=[self.pk])

    @property
    def problem_count(self) -> int:
        return len(self.problems)
