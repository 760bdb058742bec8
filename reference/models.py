"""Reference data every other app reads: Kemendagri regions and the working-day calendar."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# A kab/kota's Kemendagri code (32.75), as the API's parameters spell it.
REGENCY_CODE_PATTERN = r"^[0-9]{2}\.[0-9]{2}$"


class RegionQuerySet(models.QuerySet):
    def provinces(self):
        return self.filter(level=Region.Level.PROVINCE)

    def regencies(self):
        return self.filter(level=Region.Level.REGENCY)

    def districts(self):
        return self.filter(level=Region.Level.DISTRICT)

    def districts_of(self, regency_code: str):
        """The kecamatan of a kab/kota, by name (the project form's list and the API's)."""
        return self.districts().filter(parent__code=regency_code).order_by("name", "code")


class Region(models.Model):
    """A province, kab/kota or kecamatan, keyed by its Kemendagri code (domain.md §5, §6)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        REGENCY = 2, _("Regency/city")
        DISTRICT = 3, _("District (kecamatan)")

    code = models.CharField(_("Kemendagri code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            # Only provinces stand at the top; load_regions relies on codes like 32 / 32.75 / 32.75.01.
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="reference_region_parent_matches_level",
                violation_error_message=_("Only a province has no parent region."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2})?)?$"),
                name="reference_region_code_format",
                violation_error_message=_("A region code looks like 32, 32.75 or 32.75.01."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_province(self) -> bool:
        return self.level == self.Level.PROVINCE

    @property
    def nik_prefix(self) -> str:
        """The undotted form used as the first digits of a NIK (32.75.01 -> 327501)."""
        return self.code.replace(".", "")


class Holiday(models.Model):
    """A day that is not a working day besides weekends: a public holiday or cuti bersama.

    Seeded from the `holidays` library (load_holidays); admins add cuti bersama decided later.
    Working-day deadlines (Permenaker 44/2015: 14 working days after the SPK) skip these days.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public holiday")
        CUTI_BERSAMA = "cuti_bersama", _("Collective leave (cuti bersama)")

    class Source(models.TextChoices):
        LIBRARY = "library", _("Holidays library")
        ADMIN = "admin", _("Entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.PUBLIC)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.ADMIN)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"
