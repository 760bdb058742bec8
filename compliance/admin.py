"""Admin of tariffs, registrations and their payments and evidence, and the compliance engine's
flags, events, letters, runs, rollups and notifications.

Writes follow the services' rules: a payment is refused on a rejected registration, a warning
letter is recorded through record_warning_letter() (it advances the escalation step), and each
change marks the project for evaluation. What the engine owns (flags, events, runs, rollups,
the outbox) is read-only here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.admin import NpwpSearchMixin
from projects.models import Project
from projects.services import mark_for_evaluation
from reference.admin_history import ReadOnlyHistoryAdmin
from reference.rupiah import format_rupiah

from .evidence import check_evidence_file
from .models import (
    ComplianceFlag,
    FlagEvent,
    Notification,
    Payment,
    RegionDailyRollup,
    Registration,
    RegistrationEvidence,
    ScanRun,
    Tariff,
    TariffTier,
    UsedUploadLink,
    WarningLetter,
)
from .rules import ESCALATING
from .services import contribution_due, record_warning_letter, verify_registration


class ReadOnlyAdminMixin:
    """For rows only the engine writes: superusers look, never add or edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def rupiah_column(field_name: str, description):
    @admin.display(description=description, ordering=field_name)
    def column(self, obj):
        return format_rupiah(getattr(obj, field_name))

    return column


# --- Tariffs ----------------------------------------------------------------------------------


class TariffTierInline(admin.TabularInline):
    model = TariffTier
    fields = ["position", "upper_bound", "jkk_rate", "jkm_rate"]
    extra = 0


@admin.register(Tariff)
class TariffAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "legal_basis", "valid_from", "valid_until"]
    search_fields = ["name", "legal_basis"]
    date_hierarchy = "valid_from"
    inlines = [TariffTierInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The contribution due of every project signed in the tariff's period may have changed.
        tariff = form.instance
        signed = Project.objects.filter(spk_date__gte=tariff.valid_from)
        if tariff.valid_until:
            signed = signed.filter(spk_date__lte=tariff.valid_until)
        mark_for_evaluation(signed.values("pk"))


@admin.register(TariffTier)
class TariffTierAdmin(admin.ModelAdmin):
    list_display = ["tariff", "position", "upper_bound", "jkk_rate", "jkm_rate"]
    list_filter = ["tariff"]
    list_select_related = ["tariff"]
    autocomplete_fields = ["tariff"]


# --- Registrations, payments, evidence --------------------------------------------------------


class PaymentForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        registration = cleaned_data.get("registration")
        # As record_payment(): a rejected registration takes no new payment.
        if (
            self.instance.pk is None
            and registration is not None
            and registration.status == Registration.Status.REJECTED
        ):
            raise ValidationError(_("A rejected registration cannot receive payments."))
        return cleaned_data


class PaymentInline(admin.TabularInline):
    model = Payment
    form = PaymentForm
    fields = ["kind", "amount", "paid_on", "receipt_number", "recorded_by", "created_at"]
    readonly_fields = ["recorded_by", "created_at"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class StoredFileField(forms.Field):
    """A stored evidence file: kept as it is, never replaced (it is the proof that was
    checked) nor reopened to validate it again. Its details are shown beside it."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(disabled=True, required=False, **kwargs)


class EvidenceForm(forms.ModelForm):
    """Upload a certificate or receipt: its type, size and hash come from the file itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "file" in self.fields:
            self.fields["file"] = StoredFileField(label=self.fields["file"].label)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.instance.pk or not upload:
            return upload
        data, content_type = check_evidence_file(upload)  # by content, at most 5 MB
        upload.seek(0)
        self.instance.original_name = upload.name[:255]
        self.instance.content_type = content_type
        self.instance.size = len(data)
        self.instance.sha256 = RegistrationEvidence.digest(data)
        return upload


EVIDENCE_DETAILS = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
# Evidence is private (MEDIA_URL is not routed): no link to the file, only its details.
NO_FILE_LINK = {models.FileField: {"widget": forms.FileInput}}


class EvidenceInline(admin.TabularInline):
    model = RegistrationEvidence
    form = EvidenceForm
    fields = ["kind", "file", *EVIDENCE_DETAILS]
    readonly_fields = EVIDENCE_DETAILS
    formfield_overrides = NO_FILE_LINK
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


def save_recorded_rows(request, formset):
    """Save an inline, noting who recorded each new payment or uploaded each new file."""
    rows = formset.save(commit=False)
    for row in rows:
        if row.pk is None and isinstance(row, Payment):
            row.recorded_by = request.user
        if row.pk is None and isinstance(row, RegistrationEvidence):
            row.uploaded_by = request.user
        row.save()
    for row in formset.deleted_objects:
        row.delete()
    formset.save_m2m()


@admin.register(Registration)
class RegistrationAdmin(NpwpSearchMixin, ReadOnlyHistoryAdmin):
    npwp_lookup = "project__contractor__npwp"
    list_display = [
        "bpjs_project_number",
        "project",
        "registered_on",
        "coverage_end",
        "status",
        "contribution_assessed_rupiah",
        "paid",
        "is_covering",
    ]
    list_filter = [
        "status",
        "project__funding_source",
        ("project__province", admin.RelatedOnlyFieldListFilter),
        ("project__regency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "bpjs_project_number",
        "project__name",
        "project__spk_number",
        "project__contractor__legal_name",
        "project__contractor__npwp",
    ]
    date_hierarchy = "registered_on"
    list_select_related = ["project"]
    autocomplete_fields = ["project", "tariff"]
    readonly_fields = ["verified_by", "verified_at", "submitted_by", "created_at", "updated_at"]
    inlines = [PaymentInline, EvidenceInline]
    actions = ["verify_registrations"]
    fieldsets = [
        (None, {"fields": ["project", "bpjs_project_number", "registered_on"]}),
        (_("Coverage"), {"fields": ["coverage_start", "coverage_end"]}),
        (
            _("Contribution"),
            {"fields": ["tariff", "assessed_base_value", "contribution_assessed"]},
        ),
        (
            _("Verification"),
            {"fields": ["status", "rejection_reason", "verified_by", "verified_at"]},
        ),
        (_("Record"), {"fields": ["submitted_by", "created_at", "updated_at"]}),
    ]

    contribution_assessed_rupiah = rupiah_column(
        "contribution_assessed", _("contribution assessed")
    )

    @admin.display(description=_("paid"), ordering="payments_total")
    def paid(self, registration):
        return format_rupiah(registration.payments_total)

    @admin.display(description=_("covers the project"), boolean=True)
    def is_covering(self, registration):
        # RegistrationQuerySet.covering(): not rejected, with at least one payment.
        return (
            registration.payments_total > 0 and registration.status != Registration.Status.REJECTED
        )

    def get_changeform_initial_data(self, request):
        """Opened from a project ("Add a registration"): propose what record_registration()
        would record (the tariff of the SPK date, the current DPP and the contribution due)."""
        initial = super().get_changeform_initial_data(request)
        project_id = request.GET.get("project", "")
        project = Project.objects.filter(pk=project_id).first() if project_id.isdigit() else None
        if project is None:
            return initial
        initial.update(
            registered_on=timezone.localdate(),
            coverage_start=project.start_date,
            coverage_end=project.current_end_date,
            assessed_base_value=project.current_base_value,
        )
        try:
            initial["tariff"] = Tariff.objects.in_force_on(project.spk_date).pk
            initial["contribution_assessed"] = contribution_due(project)
        except Tariff.DoesNotExist:
            pass
        return initial

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.submitted_by = request.user
        if "status" in form.changed_data:
            decided = obj.status != Registration.Status.SUBMITTED
            obj.verified_at = timezone.now() if decided else None
            obj.verified_by = request.user if decided else None
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        save_recorded_rows(request, formset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        moved_from = form.initial.get("project") if change else None
        mark_for_evaluation({form.instance.project_id, moved_from} - {None})

    @admin.action(description=_("Verify selected registrations"))
    def verify_registrations(self, request, queryset):
        pending = list(queryset.filter(status=Registration.Status.SUBMITTED))
        for registration in pending:
            verify_registration(registration=registration, user=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d registration verified.",
                "%(count)d registrations verified.",
                len(pending),
            )
            % {"count": len(pending)},
            messages.SUCCESS,
        )


@admin.register(Payment)
class PaymentAdmin(NpwpSearchMixin, ReadOnlyHistoryAdmin):
    npwp_lookup = "registration__project__contractor__npwp"
    form = PaymentForm
    list_display = [
        "receipt_number",
        "registration",
        "kind",
        "amount_rupiah",
        "paid_on",
        "recorded_by",
    ]
    list_filter = ["kind"]
    search_fields = [
        "receipt_number",
        "registration__bpjs_project_number",
        "registration__project__name",
        "registration__project__spk_number",
        "registration__project__contractor__npwp",
    ]
    date_hierarchy = "paid_on"
    list_select_related = ["registration__project", "recorded_by"]
    autocomplete_fields = ["registration"]
    readonly_fields = ["recorded_by", "created_at"]

    amount_rupiah = rupiah_column("amount", _("amount"))

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        mark_for_evaluation([obj.registration.project_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        mark_for_evaluation([obj.registration.project_id])

    def delete_queryset(self, request, queryset):
        project_ids = set(queryset.values_list("registration__project_id", flat=True))
        super().delete_queryset(request, queryset)
        mark_for_evaluation(project_ids)


@admin.register(RegistrationEvidence)
class RegistrationEvidenceAdmin(ReadOnlyHistoryAdmin):
    form = EvidenceForm
    list_display = ["original_name", "kind", "registration", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = [
        "original_name",
        "sha256",
        "registration__bpjs_project_number",
        "registration__project__name",
    ]
    date_hierarchy = "uploaded_at"
    list_select_related = ["registration__project"]
    autocomplete_fields = ["registration"]
    formfield_overrides = NO_FILE_LINK

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["registration", "kind", "file"]
        return ["registration", "kind", "file", *EVIDENCE_DETAILS]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["registration", *EVIDENCE_DETAILS]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


# --- Flags, events, letters -------------------------------------------------------------------


def letter_refusal(flag: ComplianceFlag):
    """Why no further letter can be recorded for `flag`, or None. Mirrors the checks of
    record_warning_letter(), which repeats them under a row lock."""
    if flag.resolved_at is not None:
        return _("This flag is already resolved.")
    if flag.rule not in ESCALATING:
        return _("This kind of flag does not lead to warning letters.")
    if flag.escalation_step >= ComplianceFlag.Step.SANCTION:
        return _("Every letter of this flag is already recorded.")
    return None


def record_letter(*, letter: WarningLetter, user) -> WarningLetter:
    """Record `letter` (unsaved, from a form) as the flag's next step."""
    step = ComplianceFlag.objects.values_list("escalation_step", flat=True).get(pk=letter.flag_id)
    return record_warning_letter(
        flag=letter.flag, step=step + 1, number=letter.number, sent_on=letter.sent_on, user=user
    )


class WarningLetterForm(forms.ModelForm):
    """A new letter is the flag's next step; a recorded one is not edited here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned_data = super().clean()
        flag = cleaned_data.get("flag")
        if self.instance.pk is None and flag is not None and (refusal := letter_refusal(flag)):
            raise ValidationError(refusal)
        return cleaned_data


class FlagEventInline(admin.TabularInline):
    model = FlagEvent
    fields = ["at", "kind", "actor", "note", "scan_run"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "scan_run")


class WarningLetterInline(admin.TabularInline):
    model = WarningLetter
    form = WarningLetterForm
    fields = ["step", "number", "sent_on", "recorded_by", "recorded_at"]
    readonly_fields = ["step", "recorded_by", "recorded_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and letter_refusal(obj) is None
            and super().has_add_permission(request, obj)
        )

    def get_max_num(self, request, obj=None, **kwargs):
        # One letter per save: each one is the next step of the ladder.
        return obj.letters.count() + 1 if obj is not None else None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ComplianceFlag)
class ComplianceFlagAdmin(NpwpSearchMixin, admin.ModelAdmin):
    """The engine opens, escalates and resolves flags; staff act through the portal's services.
    Here a superuser reads a flag's history and records the warning letters sent."""

    npwp_lookup = "project__contractor__npwp"
    list_display = [
        "project",
        "rule",
        "severity",
        "opened_at",
        "is_open",
        "is_waived",
        "escalation_step",
        "letter_due_step",
        "exposure_score",
    ]
    list_filter = [
        OpenFilter,
        "rule",
        "severity",
        "escalation_step",
        "letter_due_step",
        ("waived_at", admin.EmptyFieldListFilter),
        "project__funding_source",
        ("project__province", admin.RelatedOnlyFieldListFilter),
        ("project__regency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "project__name",
        "project__spk_number",
        "project__contractor__legal_name",
        "project__contractor__npwp",
    ]
    date_hierarchy = "opened_at"
    list_select_related = ["project"]
    inlines = [WarningLetterInline, FlagEventInline]
    fieldsets = [
        (None, {"fields": ["project", "rule", "severity", "opened_at", "violation_since"]}),
        (
            _("Escalation"),
            {
                "fields": [
                    "escalation_step",
                    "next_letter_due_on",
                    "letter_due_step",
                    "last_reminded_at",
                    "exposure_score",
                ]
            },
        ),
        (
            _("Waiver and handling"),
            {
                "fields": [
                    "waived_at",
                    "waived_by",
                    "waiver_reason",
                    "handling_since",
                    "handling_by",
                    "handling_note",
                ]
            },
        ),
        (
            _("Resolution"),
            {"fields": ["resolved_at", "resolution", "resolution_reason", "resolved_by"]},
        ),
        (_("Details"), {"fields": ["details"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ComplianceFlag._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("open"), boolean=True, ordering="resolved_at")
    def is_open(self, flag):
        return flag.is_open

    @admin.display(description=_("waived"), boolean=True, ordering="waived_at")
    def is_waived(self, flag):
        return flag.is_waived

    def save_model(self, request, obj, form, change):
        # Every field of the flag is read-only here: writing the row back could only undo a
        # change the engine made meanwhile.
        pass

    def save_formset(self, request, form, formset, change):
        # commit=False: nothing is written here (events are read-only, recorded letters too),
        # but the formset learns its new objects, which the change message lists.
        letters = formset.save(commit=False)
        if formset.model is WarningLetter:
            formset.new_objects = [
                record_letter(letter=letter, user=request.user)
                for letter in letters
                if letter.pk is None
            ]


@admin.register(FlagEvent)
class FlagEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "flag", "actor", "scan_run"]
    list_filter = ["kind", "flag__rule"]
    search_fields = ["note", "flag__project__name", "flag__project__spk_number"]
    date_hierarchy = "at"
    list_select_related = ["flag__project", "actor", "scan_run"]
    show_full_result_count = False  # the largest table: a row per flag transition

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UsedUploadLink)
class UsedUploadLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["used_at", "project", "registration"]
    list_select_related = ["project", "registration"]
    search_fields = ["project__name", "project__spk_number"]
    date_hierarchy = "used_at"


@admin.register(WarningLetter)
class WarningLetterAdmin(ReadOnlyHistoryAdmin):
    """Adding records the letter through record_warning_letter(): it is the flag's next step,
    and the flag's escalation, its event and the PPK's notification follow."""

    form = WarningLetterForm
    list_display = ["number", "step", "flag", "sent_on", "recorded_by", "recorded_at"]
    list_filter = ["step", "flag__rule"]
    search_fields = ["number", "flag__project__name", "flag__project__spk_number"]
    date_hierarchy = "sent_on"
    list_select_related = ["flag__project", "recorded_by"]
    autocomplete_fields = ["flag"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["flag", "number", "sent_on"]
        return ["flag", "step", "number", "sent_on", "recorded_by", "recorded_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        # The flag's escalation step counts the letters: removing one would desynchronise it.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        recorded = record_letter(letter=obj, user=request.user)
        # The admin goes on with `obj` (log entry, redirect): make it the recorded row.
        for field in WarningLetter._meta.concrete_fields:
            setattr(obj, field.attname, getattr(recorded, field.attname))
        obj._state.adding = False


# --- Engine runs, rollups, outbox -------------------------------------------------------------


@admin.register(ScanRun)
class ScanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "kind",
        "status",
        "finished_at",
        "scanned",
        "opened",
        "resolved",
        "escalated",
        "open_total",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["error"]
    date_hierarchy = "started_at"


@admin.register(RegionDailyRollup)
class RegionDailyRollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "day",
        "regency",
        "province",
        "projects_total",
        "projects_active",
        "projects_covered",
        "projects_verified",
        "workers_enrolled",
        "letters_due",
    ]
    list_filter = [("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["regency__name", "^regency__code"]
    date_hierarchy = "day"
    list_select_related = ["regency", "province"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["kind", "status", "channel", "language"]
    search_fields = ["recipient", "subject", "dedupe_key"]
    date_hierarchy = "created_at"
