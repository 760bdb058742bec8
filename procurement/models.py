"""Every procurement import run is kept: its file, who made it, its counts and its per-row
outcome (new, matched, changed, plan, rejected, skipped) with the reasons shown on screen."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ProcurementImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only door to imports: an office sees its own office's runs, a superuser all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.office_id:
            return self.filter(office_id=user.office_id)
        return self.none()


def _upload_path(run, filename):
    # A random name: the uploader's file name says nothing we need on disk.
    return f"procurement-imports/{uuid.uuid4().hex}"


class ProcurementImport(models.Model):
    """One uploaded SIRUP, SPSE tender or e-contract export: checked (the preview), then, once
    confirmed, applied in one transaction by procurement.tasks.import_procurement_task."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, waiting for confirmation")
        QUEUED = "queued", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    class Kind(models.TextChoices):
        SIRUP = "sirup", _("SIRUP package list")
        TENDER = "tender", _("SPSE tender results")
        CONTRACT = "contract", _("SPSE e-contracts")

    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procurement_imports",
        help_text=_("Empty for an import by an administrator."),
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
    file = models.FileField(_("file"), upload_to=_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat)
    kind = models.CharField(_("kind of export"), max_length=8, choices=Kind)
    default_regency = models.ForeignKey(
        "reference.Region",
        verbose_name=_("kab/kota of rows without a location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.CHECKED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    new_count = models.PositiveIntegerField(_("new projects"), default=0)
    matched_count = models.PositiveIntegerField(_("matched, unchanged"), default=0)
    changed_count = models.PositiveIntegerField(_("matched, changed"), default=0)
    plan_count = models.PositiveIntegerField(_("without a contract"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped (not construction)"), default=0)
    new_contractor_count = models.PositiveIntegerField(_("new companies"), default=0)
    # [{"row", "outcome", "code", "name", "project", "detail", "fields"}], in file order.
    rows = models.JSONField(_("rows"), default=list, blank=True)
    queued_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ProcurementImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement import")
        verbose_name_plural = _("procurement imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The task's compare-and-set (queued -> done) relies on the status being one of these.
            models.CheckConstraint(
                condition=Q(status__in=["checked", "queued", "done", "failed"]),
                name="procurement_import_status_valid",
                violation_error_message=_("Unknown import status."),
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("procurement:detail", args=[self.pk])

    @property
    def writes_count(self) -> int:
        """Rows the import would write: new projects and changed ones."""
        return self.new_count + self.changed_count
