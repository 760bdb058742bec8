"""BPJS Ketenagakerjaan registrations of projects, their payments, and the compliance flags."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reference.choices import choice_label
from reference.identifiers import validate_bpjs_project_number
from reference.rupiah import MAX_AMOUNT, MaxRupiahValidator

from . import contribution


def not_after_today(message):
    """A validator for the date of something that happened (a registration, a payment, a letter
    sent): at most today, the local date. A payment dated next year would make the project count
    as covered now. Coverage periods run ahead and are not checked."""

    def validate(value: date) -> None:
        if value > timezone.localdate():
            raise ValidationError(message, code="future")

    return validate


validate_registered_on = not_after_today(_("The registration date cannot be later than today."))
validate_paid_on = not_after_today(_("The payment date cannot be later than today."))
validate_letter_date = not_after_today(_("The letter date cannot be later than today."))


def check_on_field(name: str, validate, value) -> None:
    """Run a form-field validator from a model's clean(), its error on the field `name`."""
    if value is None:
        return
    try:
        validate(value)
    except ValidationError as error:
        raise ValidationError({name: error.error_list}) from None


class TariffQuerySet(models.QuerySet):
    def in_force_on(self, day: date) -> "Tariff":
        """The tariff valid on `day` (a project's SPK date); the newest one wins an overlap."""
        tariff = (
            self.filter(valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
            .prefetch_related("tiers")
            .order_by("-valid_from")
            .first()
        )
        if tariff is None:
            raise Tariff.DoesNotExist(f"no contribution tariff is in force on {day}")
        return tariff


class Tariff(models.Model):
    """The contribution rates in force for contracts signed in a period, with their legal basis."""

    name = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    valid_from = models.DateField(_("valid from (SPK date)"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    wage_jkk_rate = models.DecimalField(
        _("JKK rate on wages (%)"), max_digits=6, decimal_places=4, default=Decimal("1.74")
    )
    wage_jkm_rate = models.DecimalField(
        _("JKM rate on wages (%)"), max_digits=6, decimal_places=4, default=Decimal("0.30")
    )

    history = HistoricalRecords()
    objects = TariffQuerySet.as_manager()

    class Meta:
        verbose_name = _("contribution tariff")
        verbose_name_plural = _("contribution tariffs")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="compliance_tariff_validity_in_order",
                violation_error_message=_("A tariff cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["valid_from"],
                name="compliance_tariff_unique_start",
                violation_error_message=_("Another tariff starts on this date."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.valid_from:%Y-%m-%d})"

    def as_tiers(self) -> tuple[contribution.Tier, ...]:
        return tuple(
            contribution.Tier(t.upper_bound, t.jkk_rate, t.jkm_rate)
            for t in sorted(self.tiers.all(), key=lambda t: t.position)
        )

    def contribution_for_value(self, base_value: Decimal) -> contribution.Contribution:
        return contribution.contribution_on_value(base_value, self.as_tiers())

    def contribution_for_wages(self, wages: Decimal) -> contribution.Contribution:
        return contribution.contribution_on_wages(wages, (self.wage_jkk_rate, self.wage_jkm_rate))


class TariffTier(models.Model):
    tariff = models.ForeignKey(
        Tariff,
        verbose_name=_("tariff"),
        on_delete=models.CASCADE,
        related_name="tiers",
        db_index=False,  # the unique constraint below starts with tariff
    )
    position = models.PositiveSmallIntegerField(_("position"))
    upper_bound = models.DecimalField(
        _("up to (rupiah, inclusive)"),
        max_digits=18,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_("Empty for the last tier, which has no upper limit."),
    )
    jkk_rate = models.DecimalField(_("JKK rate (%)"), max_digits=6, decimal_places=4)
    jkm_rate = models.DecimalField(_("JKM rate (%)"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("tariff tier")
        verbose_name_plural = _("tariff tiers")
        ordering = ["tariff", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["tariff", "position"],
                name="compliance_tarifftier_unique_position",
                violation_error_message=_("Two tiers of a tariff cannot share a position."),
            ),
            models.CheckConstraint(
                condition=Q(jkk_rate__gte=0, jkm_rate__gte=0, jkk_rate__lt=100, jkm_rate__lt=100),
                name="compliance_tarifftier_rates_range",
                violation_error_message=_("Rates are percentages between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(upper_bound__isnull=True) | Q(upper_bound__gt=0),
                name="compliance_tarifftier_upper_positive",
                violation_error_message=_("A tier's upper limit must be more than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.tariff} #{self.position}"


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        from projects.models import Project

        return self.filter(project__in=Project.objects.visible_to(user))

    def covering(self):
        """The one definition of coverage (domain.md part 0; Perdir 22/2022: 'peserta' from the
        full payment or the first installment): not rejected, with at least one payment.

        Verification by office staff is a separate state and does not decide coverage.
        """
        return self.exclude(status=Registration.Status.REJECTED).filter(payments_total__gt=0)


class Registration(models.Model):
    """A project's registration with BPJS Ketenagakerjaan (JKK and JKM), as the contractor
    recorded it, and its verification by the office or the BPJS branch."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    bpjs_project_number = models.CharField(
        _("BPJS project number"),
        max_length=20,
        validators=[validate_bpjs_project_number],
    )
    registered_on = models.DateField(_("registered on"))
    coverage_start = models.DateField(_("coverage starts"))
    coverage_end = models.DateField(_("coverage ends"))
    tariff = models.ForeignKey(
        Tariff,
        verbose_name=_("tariff"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_base_value = models.DecimalField(
        _("contract value assessed (DPP)"),
        max_digits=18,
        decimal_places=2,
        validators=[MaxRupiahValidator(MAX_AMOUNT)],
    )
    contribution_assessed = models.DecimalField(
        _("contribution assessed"),
        max_digits=18,
        decimal_places=0,
        validators=[MaxRupiahValidator(MAX_AMOUNT)],
        help_text=_("The amount in BPJS's assessment letter (surat penetapan iuran)."),
    )
    status = models.CharField(
        _("verification status"), max_length=10, choices=Status, default=Status.SUBMITTED
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified or rejected by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified or rejected at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The sum of the registration's payments, kept by the database (triggers of migration 0004
    # on compliance_payment), so coverage and the underpaid rule compare a column instead of
    # summing 700,000 payments per scan. Payments are its history.
    payments_total = models.DecimalField(
        _("paid in total"), max_digits=20, decimal_places=0, default=0, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["payments_total"])
    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("BPJS registration")
        verbose_name_plural = _("BPJS registrations")
        ordering = ["-registered_on", "-id"]
        constraints = [
            # covering() and the engine rely on it: at most one live registration per project.
            models.UniqueConstraint(
                fields=["project"],
                condition=~Q(status="rejected"),
                name="compliance_registration_one_live_per_project",
                violation_error_message=_(
                    "This project already has a registration that is not rejected."
                ),
            ),
            models.CheckConstraint(
                condition=Q(coverage_end__gte=F("coverage_start")),
                name="compliance_registration_coverage_in_order",
                violation_error_message=_("Coverage cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(contribution_assessed__gte=0, assessed_base_value__gt=0),
                name="compliance_registration_amounts_positive",
                violation_error_message=_("Amounts must be positive."),
            ),
            # reference.rupiah.MAX_AMOUNT, as the project's value (projects_project_value_max).
            models.CheckConstraint(
                condition=Q(
                    contribution_assessed__lte=MAX_AMOUNT, assessed_base_value__lte=MAX_AMOUNT
                ),
                name="compliance_registration_amounts_max",
                violation_error_message=_("Amounts cannot be more than Rp100 trillion."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="compliance_registration_rejection_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(verified_at__isnull=False),
                name="compliance_registration_decision_has_time",
                violation_error_message=_("A verification or rejection records when it was made."),
            ),
        ]
        indexes = [
            # The unverified rule and the offices' queue look for submitted registrations by age.
            models.Index(
                fields=["created_at"],
                name="registration_awaiting",
                condition=Q(status="submitted"),
            ),
            # The hourly delta scan looks up what changed since the previous scan
            # (compliance.scanning._delta_candidates): an index per changed-since column.
            models.Index(fields=["updated_at"], name="registration_updated"),
            models.Index(fields=["verified_at"], name="registration_decided"),
            models.Index(fields=["coverage_end"], name="registration_coverage_end"),
        ]

    def __str__(self):
        return f"{self.bpjs_project_number} ({self.project})"

    def save(self, *args, **kwargs):
        # payments_total belongs to the database's triggers: an instance loaded before a payment
        # must not write its stale copy back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "payments_total"
            ]
        super().save(*args, **kwargs)

    def get_status_display(self):  # as Django's, cheaper (reference.choices)
        return choice_label(self.Status, self.status)

    def clean(self):
        errors = {}
        if self.status == self.Status.REJECTED and not self.rejection_reason.strip():
            errors["rejection_reason"] = _("A rejection needs a reason.")
        if self.coverage_start and self.coverage_end and self.coverage_end < self.coverage_start:
            errors["coverage_end"] = _("Coverage cannot end before it starts.")
        try:
            check_on_field("registered_on", validate_registered_on, self.registered_on)
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)


def evidence_upload_to(instance, filename):
    # Content-addressed, no user-supplied name on disk: nothing to guess, nothing to traverse.
    return f"evidence/{instance.registration.project_id}/{instance.sha256}"


class RegistrationEvidence(models.Model):
    """A certificate, receipt or other proof, stored privately (outside the web root)."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Participation certificate")
        RECEIPT = "receipt", _("Payment receipt")
        OTHER = "other", _("Other document")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["registration", "uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="compliance_evidence_allowed_type",
                violation_error_message=_("Evidence must be a PDF, JPEG or PNG file."),
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=5 * 1024 * 1024),
                name="compliance_evidence_size_limit",
                violation_error_message=_("An evidence file is at most 5 MB."),
            ),
        ]

    def __str__(self):
        return self.original_name

    @staticmethod
    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


class Payment(models.Model):
    """A contribution payment (full, an installment, or the extra due after an addendum)."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full payment")
        INSTALLMENT = "installment", _("Installment (termin)")
        ADDENDUM = "addendum", _("Extra after an addendum")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="payments",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.FULL)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=0, validators=[MaxRupiahValidator(MAX_AMOUNT)]
    )
    paid_on = models.DateField(_("paid on"))
    receipt_number = models.CharField(_("receipt number"), max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["registration", "paid_on", "id"]
        # The hourly delta scan looks up payments recorded since the previous scan.
        indexes = [models.Index(fields=["created_at"], name="payment_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="compliance_payment_amount_positive",
                violation_error_message=_("A payment must be more than zero."),
            ),
            # reference.rupiah.MAX_AMOUNT: no payment on a project is more than any contract.
            models.CheckConstraint(
                condition=Q(amount__lte=MAX_AMOUNT),
                name="compliance_payment_amount_max",
                violation_error_message=_("A payment cannot be more than Rp100 trillion."),
            ),
            models.UniqueConstraint(
                fields=["registration", "receipt_number"],
                name="compliance_payment_unique_receipt",
                violation_error_message=_("This receipt number is already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.receipt_number}: {self.amount}"

    def clean(self):
        check_on_field("paid_on", validate_paid_on, self.paid_on)


class FlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        from projects.models import Project

        return self.filter(project__in=Project.objects.visible_to(user))

    def open(self):
        return self.filter(resolved_at__isnull=True)

    def counted_violations(self):
        """Open violations that count: a waived flag stays open but is not counted."""
        return self.open().filter(
            severity=ComplianceFlag.Severity.VIOLATION, waived_at__isnull=True
        )


class ComplianceFlag(models.Model):
    """A gap the engine found on a project, from when it opened until it resolved.

    Rules and thresholds: domain.md part 0. One open flag per project and rule; a condition that
    returns after a resolution opens a new flag, so the history stays.
    """

    class Rule(models.TextChoices):
        UNREGISTERED = "unregistered", _("Not registered with BPJS Ketenagakerjaan")
        REJECTED = "rejected", _("Registration rejected, nothing new submitted")
        COVERAGE_GAP = "coverage_gap", _("Coverage ends before the project does")
        UNDERPAID = "underpaid", _("Contribution paid is below the contribution due")
        NO_WORKERS = "no_workers", _("Workers not enrolled")
        UNVERIFIED = "unverified", _("Registration waiting for verification")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        VIOLATION = "violation", _("Violation")

    class Resolution(models.TextChoices):
        AUTO = "auto", _("Resolved automatically")
        STAFF = "staff", _("Resolved by staff")

    class Step(models.IntegerChoices):
        NONE = 0, _("No letter yet")
        LETTER_1 = 1, _("Warning letter I sent")
        LETTER_2 = 2, _("Warning letter II sent")
        SANCTION = 3, _("Sanction recommended")

    # No database constraint: a first scan opens ~480,000 flags at 1M projects, and PostgreSQL
    # checked each one's deferred foreign key at COMMIT, locking (so writing) its project's row:
    # 3.7 s and 250 MB of WAL of the `unregistered` INSERT alone (bench/README.md). Only the
    # engine opens flags, from projects it reads in the same statement under its lock, and
    # deleting a project takes that lock (scanning.lock_engine_for_project_delete); Django's
    # collector cascades the delete.
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="flags",
        db_constraint=False,
    )
    rule = models.CharField(_("rule"), max_length=20, choices=Rule)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    opened_at = models.DateTimeField(_("opened at"))
    violation_since = models.DateTimeField(_("violation since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=8, choices=Resolution, blank=True)
    resolution_reason = models.TextField(_("reason for resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # flag_resolved_by: only the rows that name a user
    )
    # A waived flag stays open but is not counted as a violation; the waiver can be undone.
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("waived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # flag_waived_by: only the rows that name a user
    )
    waiver_reason = models.TextField(_("reason for waiver"), blank=True)
    # The contractor's 'being handled' mark: the flag stays open and counts.
    handling_since = models.DateTimeField(_("being handled since"), null=True, blank=True)
    handling_note = models.TextField(_("handling note"), blank=True)
    handling_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked as handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # flag_handling_by: only the rows that name a user
    )
    escalation_step = models.PositiveSmallIntegerField(
        _("escalation step"), choices=Step, default=Step.NONE
    )
    next_letter_due_on = models.DateField(_("next letter due on"), null=True, blank=True)
    # The letter that is due now (its step), 0 while none is: the scan sets it when
    # next_letter_due_on arrives, recording the letter resets it.
    letter_due_step = models.PositiveSmallIntegerField(_("letter due now"), choices=Step, default=0)
    last_reminded_at = models.DateTimeField(_("contractor last reminded at"), null=True, blank=True)
    # Rewritten for every open violation by the first scan of each day. On PostgreSQL the table
    # keeps half of each page free (fillfactor 50, migration 0016) and no index holds the score,
    # so that update stays on the page (HOT) and writes no index entry.
    exposure_score = models.BigIntegerField(_("exposure score"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("compliance flag")
        verbose_name_plural = _("compliance flags")
        ordering = ["-exposure_score", "-opened_at"]
        constraints = [
            # The scan is idempotent because of this: one open flag per project and rule.
            models.UniqueConstraint(
                fields=["project", "rule"],
                condition=Q(resolved_at__isnull=True),
                name="compliance_flag_one_open_per_rule",
                violation_error_message=_("This project already has an open flag for this rule."),
            ),
            models.CheckConstraint(
                condition=~Q(severity="violation") | Q(violation_since__isnull=False),
                name="compliance_flag_violation_has_since",
                violation_error_message=_("A violation records since when it is one."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False, resolved_at__gte=F("opened_at")) & ~Q(resolution=""),
                name="compliance_flag_resolution_consistent",
                violation_error_message=_("A resolved flag records how, after it opened."),
            ),
            models.CheckConstraint(
                condition=Q(waived_at__isnull=True) | ~Q(waiver_reason=""),
                name="compliance_flag_waiver_has_reason",
                violation_error_message=_("A waiver needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(escalation_step__gte=0, escalation_step__lte=3),
                name="compliance_flag_step_range",
            ),
            # The letter due now is none or the next one (flag_letter_waiting relies on it).
            models.CheckConstraint(
                condition=Q(letter_due_step=0) | Q(letter_due_step=F("escalation_step") + 1),
                name="compliance_flag_letter_due_is_next",
                violation_error_message=_("The letter due can only be the next one."),
            ),
        ]
        indexes = [
            # escalate() looks for the open flags that wait for their next letter's date: after
            # a recorded letter, or a warning that became a violation. A violation opens with
            # letter I due (letter_due_step 1), so the ~420,000 a first scan opens at 1M
            # projects add no entry here (they added 1-2 s to it when every dated flag had one).
            # Column comparisons, no parameters: prepared statements' generic plans use it too.
            models.Index(
                fields=["next_letter_due_on"],
                name="flag_letter_waiting",
                condition=Q(
                    resolved_at__isnull=True,
                    next_letter_due_on__isnull=False,
                    letter_due_step__lte=F("escalation_step"),
                ),
            ),
            # A user's waivers, marks and resolutions (and SET_NULL when a user is deleted).
            # The engine opens every flag without them: no index entry for those (a first
            # scan opens ~480,000 at 1M projects).
            *(
                models.Index(
                    fields=[actor], name=f"flag_{actor}", condition=Q(**{f"{actor}__isnull": False})
                )
                for actor in ("resolved_by", "waived_by", "handling_by")
            ),
        ]

    def __str__(self):
        return f"{self.get_rule_display()}: {self.project}"

    # As Django's generated methods, cheaper (reference.choices): the office list shows these for
    # every row.
    def get_rule_display(self):
        return choice_label(self.Rule, self.rule)

    def get_severity_display(self):
        return choice_label(self.Severity, self.severity)

    def get_escalation_step_display(self):
        return choice_label(self.Step, self.escalation_step)

    @property
    def explanation(self) -> str:
        """What the finding means and what fixes it, in the words the engine's mails use."""
        from .rules import RULE_TEXT

        return RULE_TEXT[self.rule][0]

    @property
    def fix(self) -> str:
        from .rules import RULE_TEXT

        return RULE_TEXT[self.rule][1]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_waived(self) -> bool:
        return self.waived_at is not None

    @property
    def awaits_the_office(self) -> bool:
        """Only the office can close it (it verifies the registration): the company has nothing
        to mark as being handled."""
        return self.rule == self.Rule.UNVERIFIED

    def check_letter_date(self, sent_on: date, *, step: int | None = None) -> None:
        """A letter of this finding is dated at most today, not before the finding opened (its
        deadline would precede the finding) and not before the previous letter (the PP 86/2013
        ladder: letter II follows letter I). `step` is the letter's, None for the next one.
        Raises ValidationError on sent_on."""
        check_on_field("sent_on", validate_letter_date, sent_on)
        opened_on = timezone.localdate(self.opened_at)
        if sent_on < opened_on:
            raise ValidationError(
                {
                    "sent_on": ValidationError(
                        _("The letter cannot be dated before the finding opened (%(date)s)."),
                        code="before_flag",
                        params={"date": date_format(opened_on, "j F Y")},
                    )
                }
            )
        earlier = self.letters.all() if step is None else self.letters.filter(step__lt=step)
        previous = earlier.order_by("-step").first()
        if previous is None:
            return
        # PP 86/2013: the company has the interval (10 calendar days) to comply with a letter
        # before the next one (domain.md part 0).
        earliest = previous.sent_on + timedelta(days=settings.PANTAU_LETTER_INTERVAL_DAYS)
        if sent_on < earliest:
            raise ValidationError(
                {
                    "sent_on": ValidationError(
                        _(
                            "The next letter can be dated from %(earliest)s: %(days)s days "
                            "after %(letter)s of %(date)s, the time the company has to comply."
                        ),
                        code="before_previous_letter",
                        params={
                            "earliest": date_format(earliest, "j F Y"),
                            "days": settings.PANTAU_LETTER_INTERVAL_DAYS,
                            "letter": previous.get_step_display(),
                            "date": date_format(previous.sent_on, "j F Y"),
                        },
                    )
                }
            )


class FlagEvent(models.Model):
    """Every transition of a flag, with its time and actor: the flag's history."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        SEVERITY_CHANGED = "severity_changed", _("Severity changed")
        LETTER_DUE = "letter_due", _("Warning letter due")
        ESCALATED = "escalated", _("Escalated (letter sent)")
        WAIVED = "waived", _("Waived")
        WAIVER_UNDONE = "waiver_undone", _("Waiver undone")
        HANDLING = "handling", _("Marked as being handled")
        RESOLVED = "resolved", _("Resolved")

    # No database constraint on flag and scan_run: a first scan writes ~900,000 events at 1M
    # projects, and PostgreSQL checked each row's deferred foreign keys at COMMIT (7.1 s of the
    # 10.9 s COMMIT measured in bench/README.md). The engine only writes events for flags it
    # selects in the same transaction; deletes still cascade (Django's collector).
    flag = models.ForeignKey(
        ComplianceFlag,
        verbose_name=_("flag"),
        on_delete=models.CASCADE,
        related_name="events",
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the compliance engine made the change."),
        db_index=False,  # flagevent_by_actor: the engine's events (nearly all) have no actor
    )
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    scan_run = models.ForeignKey(
        "ScanRun",
        verbose_name=_("scan run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("flag event")
        verbose_name_plural = _("flag events")
        ordering = ["flag", "at", "id"]
        indexes = [
            # A user's actions (and SET_NULL when a user is deleted); a first scan writes
            # ~900,000 events without an actor, which need no entry.
            models.Index(
                fields=["actor"], name="flagevent_by_actor", condition=Q(actor__isnull=False)
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def get_kind_display(self):  # as Django's, cheaper (reference.choices): timelines list many
        return choice_label(self.Kind, self.kind)

    @property
    def description(self) -> str:
        """The kind, and for a flag that opened as a violation the letter that came due with it
        (one event: scanning.open_flags_with_events)."""
        step = (self.details or {}).get("letter_due_step")
        if self.kind == self.Kind.OPENED and step:
            return _("%(event)s; %(letter)s due") % {
                "event": self.get_kind_display(),
                "letter": WarningLetter.Step(step).label,
            }
        return self.get_kind_display()


class WarningLetter(models.Model):
    """A warning letter (surat teguran) or sanction recommendation that was sent.

    Recording it is what advances the flag's escalation step; the engine only says which
    letter is due (PP 86/2013: written warning I, II after 10 days, then sanctions).
    """

    class Step(models.IntegerChoices):
        LETTER_1 = 1, _("Warning letter I")
        LETTER_2 = 2, _("Warning letter II")
        SANCTION = 3, _("Sanction recommendation")

    flag = models.ForeignKey(
        ComplianceFlag,
        verbose_name=_("flag"),
        on_delete=models.PROTECT,
        related_name="letters",
        db_index=False,  # compliance_letter_one_per_step starts with flag
    )
    step = models.PositiveSmallIntegerField(_("step"), choices=Step)
    number = models.CharField(_("letter number"), max_length=120)
    sent_on = models.DateField(_("sent on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning letter")
        verbose_name_plural = _("warning letters")
        ordering = ["flag", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "step"],
                name="compliance_letter_one_per_step",
                violation_error_message=_("This letter was already recorded for this flag."),
            ),
            models.CheckConstraint(
                condition=Q(step__gte=1, step__lte=3),
                name="compliance_letter_step_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_step_display()} {self.number}"

    def clean(self):
        # A recorded letter is history (never edited): only a new one is checked.
        if self._state.adding and self.flag_id is not None and self.sent_on is not None:
            self.flag.check_letter_date(self.sent_on, step=self.step)


class ScanRun(models.Model):
    """One run of the compliance engine, full or incremental, with its counts or its error."""

    class Kind(models.TextChoices):
        FULL = "full", _("Full scan")
        DELTA = "delta", _("Changed since the last scan")
        INCREMENTAL = "incremental", _("Changed projects")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        SKIPPED = "skipped", _("Skipped (another scan was running)")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    scanned = models.PositiveIntegerField(_("projects scanned"), default=0)
    opened = models.PositiveIntegerField(_("flags opened"), default=0)
    resolved = models.PositiveIntegerField(_("flags resolved"), default=0)
    escalated = models.PositiveIntegerField(_("letters that became due"), default=0)
    # Null for incremental runs: they do not count every open flag (scanning.py).
    open_total = models.PositiveIntegerField(
        _("open flags after the run"), null=True, blank=True, default=0
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scan run")
        verbose_name_plural = _("scan runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="scanrun_recent")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RegionDailyRollup(models.Model):
    """Per kab/kota and day: what dashboards and monthly trends read instead of millions of rows.

    Values count main contracts only, so a subcontract's value is not counted twice.
    """

    regency = models.ForeignKey(
        "reference.Region",
        verbose_name=_("regency/city"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint starts with regency
    )
    province = models.ForeignKey(
        "reference.Region",
        verbose_name=_("province"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    day = models.DateField(_("day"))
    projects_total = models.PositiveIntegerField(_("projects"), default=0)
    projects_active = models.PositiveIntegerField(_("planned or running"), default=0)
    projects_covered = models.PositiveIntegerField(_("covered"), default=0)
    projects_verified = models.PositiveIntegerField(_("verified"), default=0)
    value_total = models.DecimalField(
        _("contract value"), max_digits=20, decimal_places=2, default=0
    )
    value_covered = models.DecimalField(
        _("contract value covered"), max_digits=20, decimal_places=2, default=0
    )
    contribution_due = models.DecimalField(
        _("contribution due"), max_digits=20, decimal_places=0, default=0
    )
    contribution_paid = models.DecimalField(
        _("contribution paid"), max_digits=20, decimal_places=0, default=0
    )
    workers_enrolled = models.PositiveIntegerField(_("workers enrolled"), default=0)
    open_flags = models.JSONField(_("open flags by rule"), default=dict)
    open_by_step = models.JSONField(_("open violations by escalation step"), default=dict)
    letters_due = models.PositiveIntegerField(_("letters due"), default=0)
    by_funding = models.JSONField(
        _("projects and covered by funding source"), default=dict, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("daily regional rollup")
        verbose_name_plural = _("daily regional rollups")
        ordering = ["-day", "regency"]
        constraints = [
            # scanning.refresh_rollups() upserts on this pair.
            models.UniqueConstraint(
                fields=["regency", "day"],
                name="compliance_rollup_one_per_regency_day",
                violation_error_message=_("There is already a rollup for this region and day."),
            ),
        ]
        indexes = [models.Index(fields=["province", "day"], name="rollup_province_day")]

    def __str__(self):
        return f"{self.regency} {self.day}"


class StaleRollup(models.Model):
    """A kab/kota whose rollup of today is behind an incremental evaluation. The incremental
    path only queues the kab/kota (one upsert), so a changed project's status is fresh at once;
    compliance.rollups.refresh_stale_rollups() rebuilds the queued rollups right after, once per
    kab/kota for however many projects changed there."""

    regency = models.OneToOneField(
        "reference.Region",
        verbose_name=_("regency/city"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    # Moved forward by every evaluation that queues the kab/kota again (compare-and-set on
    # removal: a newer mark survives a refresh that started before it).
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("stale rollup")
        verbose_name_plural = _("stale rollups")

    def __str__(self):
        return f"{self.regency_id} {self.marked_at:%Y-%m-%d %H:%M}"


class ScanDecision(models.Model):
    """A rule that holds for a project, as a full sweep on PostgreSQL found it: a temporary table
    the sweep fills with all six rules in one statement, which PostgreSQL can run on both cores,
    then compares with the open flags; it is dropped with the scan's transaction
    (compliance.scanning.materialize_decisions). No table of the schema (managed = False). With
    it each rule's condition is computed once per sweep, not once per step (resolve, worse,
    better, open), and the flags it opens take their exposure score from the copied project
    columns."""

    pk = models.CompositePrimaryKey("project", "rule")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    rule = models.CharField(max_length=20)
    is_violation = models.BooleanField()
    # The project's columns the exposure score reads (compliance.scanning.weight_expression).
    registration_due_on = models.DateField(null=True)
    current_base_value = models.DecimalField(max_digits=18, decimal_places=2)
    planned_workforce = models.PositiveIntegerField(null=True)
    # Whether the project had an open flag of the rule when the sweep began: the step that
    # opens flags reads this, never the flag table it writes (see materialize_decisions).
    has_open_flag = models.BooleanField()

    class Meta:
        managed = False
        db_table = "compliance_scan_decision"

    def __str__(self):
        return f"{self.rule}: {self.project_id}"


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    """An outbox row: written in the same transaction as the change it reports, delivered later
    (at least once) by compliance.notifications.deliver_pending()."""

    class Kind(models.TextChoices):
        CONTRACTOR_SUMMARY = "contractor_summary", _("Contractor: flags opened and resolved")
        PPK_VIOLATION = "ppk_violation", _("PPK: violation opened")
        PPK_LETTER = "ppk_letter", _("PPK: warning letter sent")
        OFFICE_DIGEST = "office_digest", _("Office: daily digest")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed for good")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, default=Channel.EMAIL)
    # The same event never makes two notifications: scan run + recipient, day + office, ...
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    recipient = models.CharField(_("recipient"), max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, default="id")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The sender claims due pending rows; the partial index stays small.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="notification_sending",
                condition=Q(status="sending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="compliance_notification_sent_has_time",
                violation_error_message=_("A sent notification records when."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def message_id(self) -> str:
        """Stable across retries, so a resend after a crash is recognised as the same mail."""
        return f"<notification-{self.pk}@pantau-jakon>"


class UsedUploadLink(models.Model):
    """A signed upload link that has been used: the link itself is stateless (signed, expiring);
    this row is what makes it single-use. Only a hash of the token is kept."""

    token_sha256 = models.CharField(_("token hash"), max_length=64, unique=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration recorded with it"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    used_at = models.DateTimeField(_("used at"), auto_now_add=True)

    class Meta:
        verbose_name = _("used upload link")
        verbose_name_plural = _("used upload links")
        ordering = ["-used_at"]

    def __str__(self):
        return f"{self.project_id} @ {self.used_at:%Y-%m-%d %H:%M}"
