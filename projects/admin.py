"""Admin of contractors, project owners, projects and amendments.

Writes that have derived columns or side effects go through projects.services, as everywhere
else: a project is saved with save_project(), an addendum recorded with record_amendment().
The admin is also where projects meets compliance (the contribution due, the registrations):
it only reads compliance, so the one-way dependency of the models stays intact.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from compliance.contribution import extra_contribution
from compliance.models import Payment, Registration, Tariff
from reference.admin_history import ReadOnlyHistoryAdmin
from reference.identifiers import digits_only, format_npwp, validate_npwp
from reference.rupiah import format_rupiah, value_before_ppn

from .models import Amendment, Contractor, ContractorMembership, Project, ProjectNote, WorkUnit
from .services import record_amendment, save_project


class NpwpSearchMixin:
    """Find an NPWP typed the way it is printed (01.234.567.8-407.000) as well as bare digits:
    it is stored as 16 digits, so a formatted term would never match."""

    npwp_lookup = "npwp"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = digits_only(search_term)
        if digits != search_term.strip() and digits.isdigit() and len(digits) >= 6:
            results |= queryset.filter(**{f"{self.npwp_lookup}__contains": digits})
        return results, may_have_duplicates


class ContractorForm(forms.ModelForm):
    # Wide enough for the printed form (01.234.567.8-407.000); stored as 16 digits.
    npwp = forms.CharField(
        label=Contractor._meta.get_field("npwp").verbose_name,
        help_text=Contractor._meta.get_field("npwp").help_text,
        max_length=25,
    )

    def clean_npwp(self):
        return validate_npwp(self.cleaned_data["npwp"])


@admin.register(Contractor)
class ContractorAdmin(NpwpSearchMixin, ReadOnlyHistoryAdmin):
    form = ContractorForm
    list_display = [
        "legal_name",
        "npwp_formatted",
        "nib",
        "npp",
        "qualification",
        "regency",
        "source",
        "is_confirmed",
    ]
    list_filter = [
        "qualification",
        "source",
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("province", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["legal_name", "npwp", "nib", "npp", "contact_name", "email"]
    list_select_related = ["regency"]
    autocomplete_fields = ["province", "regency"]
    readonly_fields = ["confirmed_at", "confirmed_by", "created_at", "updated_at"]
    actions = ["confirm_contractors"]
    fieldsets = [
        (None, {"fields": ["legal_name", "npwp", "nib", "npp", "qualification", "source"]}),
        (_("Address"), {"fields": ["address", "province", "regency"]}),
        (_("Contact"), {"fields": ["contact_name", "email", "phone"]}),
        (_("Record"), {"fields": ["confirmed_at", "confirmed_by", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("NPWP"), ordering="npwp")
    def npwp_formatted(self, contractor):
        return format_npwp(contractor.npwp)

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed_at")
    def is_confirmed(self, contractor):
        return contractor.is_confirmed

    @admin.action(description=_("Confirm selected contractors"))
    def confirm_contractors(self, request, queryset):
        # One save per row (a page at most) so that each confirmation has its history record.
        now = timezone.now()
        contractors = list(queryset.filter(confirmed_at__isnull=True))
        for contractor in contractors:
            contractor.confirmed_at, contractor.confirmed_by = now, request.user
            contractor.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
        self.message_user(
            request,
            ngettext(
                "%(count)d contractor confirmed.",
                "%(count)d contractors confirmed.",
                len(contractors),
            )
            % {"count": len(contractors)},
            messages.SUCCESS,
        )


@admin.register(ContractorMembership)
class ContractorMembershipAdmin(NpwpSearchMixin, ReadOnlyHistoryAdmin):
    npwp_lookup = "contractor__npwp"
    list_display = ["user", "contractor", "is_company_admin", "created_at"]
    list_filter = ["is_company_admin"]
    search_fields = [
        "user__username",
        "user__email",
        "contractor__legal_name",
        "contractor__npwp",
    ]
    list_select_related = ["user", "contractor"]
    autocomplete_fields = ["user", "contractor"]
    readonly_fields = ["created_at"]


@admin.register(WorkUnit)
class WorkUnitAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "klpd_code", "satker_code", "province", "regency", "ppk_name"]
    list_filter = [("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "klpd_code", "satker_code", "ppk_name", "ppk_email"]
    list_select_related = ["province", "regency"]
    autocomplete_fields = ["province", "regency"]
    readonly_fields = ["created_at", "updated_at"]


def amendment_extra_contribution(amendment: Amendment, tiers) -> Decimal:
    """f(new DPP) - f(DPP before the addendum); nothing when only the end date changed."""
    if amendment.new_contract_value is None:
        return Decimal(0)
    project = amendment.project
    new_base_value = value_before_ppn(
        amendment.new_contract_value,
        includes_ppn=project.includes_ppn,
        ppn_rate=project.ppn_rate,
    )
    return extra_contribution(amendment.previous_base_value, new_base_value, tiers)


class AmendmentInline(admin.TabularInline):
    """Read-only: an addendum is recorded on its own page, through record_amendment(), which
    numbers it and keeps the DPP and end date before it."""

    model = Amendment
    fields = [
        "sequence",
        "signed_on",
        "document_number",
        "new_contract_value",
        "new_end_date",
        "previous_base_value",
        "previous_end_date",
        "extra_contribution",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    @admin.display(description=_("extra contribution"))
    def extra_contribution(self, amendment):
        # Inline instances live for one request: the tariff is looked up once per page.
        if not hasattr(self, "_tiers"):
            self._tiers = tariff_tiers_for(amendment.project)
        if self._tiers is None:
            return "-"
        return format_rupiah(amendment_extra_contribution(amendment, self._tiers))


def tariff_tiers_for(project: Project):
    try:
        return Tariff.objects.in_force_on(project.spk_date).as_tiers()
    except Tariff.DoesNotExist:
        return None


class ProjectNoteInline(admin.TabularInline):
    """Notes are a record: read here, added from the project page."""

    model = ProjectNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RegistrationInline(admin.TabularInline):
    """Read-only: a registration is added and verified on its own page, where every field it
    needs (tariff, assessed value, verification) is at hand; payments and evidence live there."""

    model = Registration
    fields = [
        "bpjs_project_number",
        "registered_on",
        "coverage_start",
        "coverage_end",
        "contribution_assessed_rupiah",
        "paid",
        "status",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("contribution assessed"))
    def contribution_assessed_rupiah(self, registration):
        return format_rupiah(registration.contribution_assessed)

    @admin.display(description=_("paid"))
    def paid(self, registration):
        return format_rupiah(registration.payments_total)


CONTRIBUTION_FIELDS = ["contribution_jkk", "contribution_jkm", "contribution_total"]


@admin.register(Project)
class ProjectAdmin(NpwpSearchMixin, ReadOnlyHistoryAdmin):
    npwp_lookup = "contractor__npwp"
    list_display = [
        "name",
        "spk_number",
        "spk_date",
        "contractor",
        "regency",
        "funding_source",
        "status",
        "base_value_rupiah",
        "registration_due_on",
    ]
    list_filter = [
        "status",
        "funding_source",
        "source",
        "contribution_basis",
        ("province", admin.RelatedOnlyFieldListFilter),
        ("regency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "name",
        "spk_number",
        "kode_tender",
        "kode_rup",
        "contractor__legal_name",
        "contractor__npwp",
        "work_unit__name",
    ]
    date_hierarchy = "spk_date"
    list_select_related = ["contractor", "regency"]
    show_full_result_count = False  # a second COUNT(*) over every project on each page
    autocomplete_fields = [
        "contractor",
        "work_unit",
        "parent",
        "province",
        "regency",
        "district",
    ]
    readonly_fields = [
        "current_base_value",
        "current_end_date",
        "registration_due_on",
        "needs_evaluation_at",
        *CONTRIBUTION_FIELDS,
        "payments_summary",
        "add_links",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [AmendmentInline, RegistrationInline, ProjectNoteInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", "contractor", "work_unit", "parent", "status", "source"]},
        ),
        (
            _("Contract"),
            {
                "fields": [
                    "spk_number",
                    "spk_date",
                    "start_date",
                    "end_date",
                    "bast_date",
                    "kode_tender",
                    "kode_rup",
                    "funding_source",
                ]
            },
        ),
        (
            _("Value and contribution"),
            {
                "fields": [
                    "contract_value",
                    "includes_ppn",
                    "ppn_rate",
                    "contribution_basis",
                    "wage_total",
                    "current_base_value",
                    *CONTRIBUTION_FIELDS,
                ]
            },
        ),
        (
            _("Location"),
            {"fields": ["province", "regency", "district", "address", "planned_workforce"]},
        ),
        (
            _("Compliance"),
            {
                "fields": [
                    "current_end_date",
                    "registration_due_on",
                    "needs_evaluation_at",
                    "payments_summary",
                    "add_links",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_by", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("DPP"), ordering="current_base_value")
    def base_value_rupiah(self, project):
        return format_rupiah(project.current_base_value)

    def contribution(self, project):
        """The contribution due on the current value, with the tariff of the SPK date (the wage
        basis when chosen), computed once per page; None when no tariff is in force."""
        if not hasattr(project, "_admin_contribution"):
            try:
                tariff = Tariff.objects.in_force_on(project.spk_date)
            except Tariff.DoesNotExist:
                project._admin_contribution = None
            else:
                on_wages = (
                    project.contribution_basis == Project.ContributionBasis.WAGES
                    and project.wage_total
                )
                project._admin_contribution = (
                    tariff.contribution_for_wages(project.wage_total)
                    if on_wages
                    else tariff.contribution_for_value(project.current_base_value)
                )
        return project._admin_contribution

    def _contribution_part(self, project, part):
        if project.pk is None:
            return "-"
        contribution = self.contribution(project)
        if contribution is None:
            return _("No contribution tariff is in force on the SPK date.")
        return format_rupiah(getattr(contribution, part))

    @admin.display(description=_("JKK contribution"))
    def contribution_jkk(self, project):
        return self._contribution_part(project, "jkk")

    @admin.display(description=_("JKM contribution"))
    def contribution_jkm(self, project):
        return self._contribution_part(project, "jkm")

    @admin.display(description=_("total contribution"))
    def contribution_total(self, project):
        return self._contribution_part(project, "total")

    @admin.display(description=_("payments"))
    def payments_summary(self, project):
        if project.pk is None:
            return "-"
        payments = (
            Payment.objects.filter(registration__project=project)
            .select_related("registration")
            .order_by("paid_on", "id")
        )
        if not payments:
            return _("No payments recorded.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    payment.paid_on,
                    payment.registration.bpjs_project_number,
                    payment.get_kind_display(),
                    payment.receipt_number,
                    format_rupiah(payment.amount),
                )
                for payment in payments
            ),
        )
        total = format_rupiah(sum(payment.amount for payment in payments))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody><tfoot><tr><th colspan='4'>{}</th><th>{}</th></tr>"
            "</tfoot></table>",
            _("paid on"),
            _("BPJS project number"),
            _("kind"),
            _("receipt number"),
            _("amount"),
            rows,
            _("total"),
            total,
        )

    @admin.display(description=_("record"))
    def add_links(self, project):
        if project.pk is None:
            return "-"
        return format_html(
            '<a href="{}?project={}">{}</a> · <a href="{}?project={}">{}</a>',
            reverse("admin:projects_amendment_add"),
            project.pk,
            _("Add an addendum"),
            reverse("admin:compliance_registration_add"),
            project.pk,
            _("Add a registration"),
        )

    def save_model(self, request, obj, form, change):
        save_project(project=obj, user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An inline may change what the derived columns are computed from.
        if any(formset.has_changed() for formset in formsets):
            save_project(project=form.instance, user=request.user)


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyHistoryAdmin):
    """Adding records the addendum through record_amendment() (numbering, previous DPP and end
    date, the project's derived columns). A recorded addendum is the base of the next one, so
    only its document reference can change, and only the latest one can be deleted."""

    list_display = [
        "project",
        "sequence",
        "signed_on",
        "document_number",
        "new_contract_value_rupiah",
        "new_end_date",
    ]
    search_fields = ["document_number", "project__name", "project__spk_number"]
    date_hierarchy = "signed_on"
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    # No bulk deletion: it could remove an addendum that later ones are based on.
    actions = None
    add_fields = ["project", "signed_on", "document_number", "new_contract_value", "new_end_date"]
    change_fields = [
        "project",
        "sequence",
        "signed_on",
        "document_number",
        "new_contract_value",
        "new_end_date",
        "previous_base_value",
        "previous_end_date",
        "extra",
        "created_at",
    ]

    def get_fields(self, request, obj=None):
        return self.change_fields if obj else self.add_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f for f in self.change_fields if f not in ("signed_on", "document_number")]

    @admin.display(description=_("new total contract value"), ordering="new_contract_value")
    def new_contract_value_rupiah(self, amendment):
        return format_rupiah(amendment.new_contract_value)

    @admin.display(description=_("extra contribution"))
    def extra(self, amendment):
        tiers = tariff_tiers_for(amendment.project)
        if tiers is None:
            return "-"
        return format_rupiah(amendment_extra_contribution(amendment, tiers))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        recorded = record_amendment(
            project=obj.project,
            signed_on=obj.signed_on,
            document_number=obj.document_number,
            new_contract_value=obj.new_contract_value,
            new_end_date=obj.new_end_date,
        )
        # The admin goes on with `obj` (log entry, redirect): make it the recorded row.
        for field in Amendment._meta.concrete_fields:
            setattr(obj, field.attname, getattr(recorded, field.attname))
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.project.amendments.filter(sequence__gt=obj.sequence).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        project = obj.project
        super().delete_model(request, obj)
        save_project(project=project, user=request.user)
