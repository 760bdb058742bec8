"""Forms of the contractor portal: they block only invalid data. Compliance problems (an overdue
registration, a short coverage) are never errors here; the views show them as notices."""

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from reference.forms import DateInput, RegencyChoiceField, RupiahField
from reference.models import Region
from reference.rupiah import MAX_AMOUNT

from .models import Amendment, Project, WorkUnit


class ProjectForm(forms.ModelForm):
    """A contractor registers or corrects a project. The owner is named, not picked from a list
    of thousands: an owner with the same name in the same kab/kota is reused."""

    owner_name = forms.CharField(
        label=_("Owner (work unit)"),
        max_length=255,
        help_text=_(
            "The satker/OPD or company that ordered the work, e.g. Dinas PUPR Kota Bekasi."
        ),
    )
    owner_ppk_email = forms.EmailField(
        label=_("PPK email (optional)"),
        required=False,
        help_text=_("The commitment officer (PPK) hears when a violation opens."),
    )
    regency = RegencyChoiceField(label=_("Regency/city of the work site"))
    # Kemendagri codes (32.75.01), like the kab/kota. The choices are the kecamatan of the
    # kab/kota chosen; static/js/district-choices.js refills them when it changes.
    district = forms.ModelChoiceField(
        label=capfirst(Project._meta.get_field("district").verbose_name),
        queryset=Region.objects.none(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose a district of the regency/city chosen.")},
    )
    contract_value = RupiahField(label=_("Contract value (Rp)"), min_value=1, max_value=MAX_AMOUNT)
    wage_total = RupiahField(
        label=_("Total wages (Rp)"), required=False, min_value=1, max_value=MAX_AMOUNT
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "owner_name",
            "owner_ppk_email",
            "spk_number",
            "spk_date",
            "start_date",
            "end_date",
            "contract_value",
            "includes_ppn",
            "ppn_rate",
            "contribution_basis",
            "wage_total",
            "funding_source",
            "regency",
            "district",
            "address",
            "kode_rup",
            "kode_tender",
            "planned_workforce",
            "status",
            "bast_date",
        ]
        widgets = {
            "spk_date": DateInput(),
            "start_date": DateInput(),
            "end_date": DateInput(),
            "bast_date": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, contractor, **kwargs):
        super().__init__(*args, **kwargs)
        self.contractor = contractor
        project = self.instance
        if project.pk:
            self.fields["owner_name"].initial = project.work_unit.name
            self.fields["owner_ppk_email"].initial = project.work_unit.ppk_email
            # The choices' values are codes; the instance's initial values are ids.
            self.initial["regency"] = project.regency.code
            self.initial["district"] = project.district.code if project.district_id else None
        elif contractor.regency_id:
            self.initial["regency"] = contractor.regency.code
        # Kecamatan of the chosen kab/kota only (posted, or the initial one).
        district = self.fields["district"]
        if self.is_bound:
            code = self.data.get(self.add_prefix("regency"))
        else:
            code = self.initial.get("regency")
        if code:
            # In the API's order, so the list reads the same before and after a refill.
            district.queryset = Region.objects.districts_of(code)
        district.help_text = _(
            "The kecamatan of the regency/city chosen above. If the list does not follow a new "
            "choice, save the project and choose the kecamatan when you edit it."
        )
        district.widget.attrs["data-districts-of"] = self.add_prefix("regency")
        # Whose kecamatan the list holds: a browser that restores a changed kab/kota on reload
        # or Back gets the list refilled.
        district.widget.attrs["data-districts-for"] = code or ""
        district.widget.attrs["data-districts-error"] = _(
            "The kecamatan could not be loaded. Save the project and choose the kecamatan when "
            "you edit it."
        )
        district.widget.attrs["data-districts-url"] = reverse(
            "api:region_districts", kwargs={"code": "CODE"}
        )
        for name in ("spk_date", "start_date", "end_date", "contract_value", "includes_ppn"):
            self.fields[name].widget.attrs["data-contribution"] = name
        self.fields["ppn_rate"].widget.attrs["data-contribution"] = "ppn_rate"

    def clean_kode_tender(self):
        return self.cleaned_data.get("kode_tender") or None

    def clean(self):
        cleaned_data = super().clean()
        spk_date, start, end = (cleaned_data.get(k) for k in ("spk_date", "start_date", "end_date"))
        if spk_date and start and start < spk_date:
            self.add_error("start_date", _("The start (SPMK) date cannot be before the SPK date."))
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        is_wage_basis = cleaned_data.get("contribution_basis") == Project.ContributionBasis.WAGES
        # A wage total refused already (not an amount, too large) has its own message.
        if is_wage_basis and not cleaned_data.get("wage_total") and "wage_total" not in self.errors:
            self.add_error("wage_total", _("The wage basis needs the total wages."))
        regency = cleaned_data.get("regency")
        owner_name = (cleaned_data.get("owner_name") or "").strip()
        spk_number = (cleaned_data.get("spk_number") or "").strip()
        if regency and owner_name and spk_number:
            owner = self.find_owner(owner_name, regency)
            clash = (
                Project.objects.filter(work_unit=owner, spk_number__iexact=spk_number)
                .exclude(pk=self.instance.pk)
                .exists()
                if owner
                else False
            )
            if clash:
                self.add_error(
                    "spk_number",
                    _("This owner already has a project with this SPK number."),
                )
        return cleaned_data

    def _post_clean(self):
        # The owner is resolved on save; model validation of the rest still runs here.
        regency = self.cleaned_data.get("regency")
        if regency is not None:
            self.instance.province_id = regency.parent_id
        self.instance.contractor = self.contractor
        if not self.instance.work_unit_id and regency and self.cleaned_data.get("owner_name"):
            self.instance.work_unit = self.find_owner(
                self.cleaned_data["owner_name"].strip(), regency
            ) or WorkUnit(name=self.cleaned_data["owner_name"].strip(), province=regency.parent)
        super()._post_clean()

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        # work_unit may be a new, unsaved owner; the unique SPK check was done in clean().
        exclusions.add("work_unit")
        return exclusions

    def validate_unique(self):
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
        except forms.ValidationError as error:
            self._update_errors(error)

    def validate_constraints(self):
        try:
            self.instance.validate_constraints(exclude=self._get_validation_exclusions())
        except forms.ValidationError as error:
            self._update_errors(error)

    @staticmethod
    def find_owner(name: str, regency: Region) -> WorkUnit | None:
        return (
            WorkUnit.objects.filter(name__iexact=name)
            .filter(Q(regency=regency) | Q(regency__isnull=True, province_id=regency.parent_id))
            .order_by("regency_id", "pk")
            .first()
        )

    def owner_for_save(self) -> WorkUnit:
        """The existing owner of that name in the kab/kota, or a new one (saved here)."""
        regency = self.cleaned_data["regency"]
        name = self.cleaned_data["owner_name"].strip()
        owner = self.find_owner(name, regency)
        if owner is None:
            owner = WorkUnit.objects.create(name=name, province=regency.parent, regency=regency)
        email = self.cleaned_data.get("owner_ppk_email")
        if email and not owner.ppk_email:
            owner.ppk_email = email
            owner.save(update_fields=["ppk_email", "updated_at"])
        return owner


class AmendmentForm(forms.ModelForm):
    """An addendum: a new value and/or a new end date (domain.md §3.5)."""

    new_contract_value = RupiahField(
        label=_("New contract value (Rp)"), required=False, min_value=1, max_value=MAX_AMOUNT
    )

    class Meta:
        model = Amendment
        fields = ["signed_on", "document_number", "new_contract_value", "new_end_date"]
        widgets = {"signed_on": DateInput(), "new_end_date": DateInput()}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean(self):
        cleaned_data = super().clean()
        value, end = cleaned_data.get("new_contract_value"), cleaned_data.get("new_end_date")
        if not value and not end and not self.errors:
            raise forms.ValidationError(
                _("An addendum changes the contract value, the end date, or both.")
            )
        if end and end < self.project.start_date:
            self.add_error("new_end_date", _("The end date cannot be before the start date."))
        signed_on = cleaned_data.get("signed_on")
        if signed_on and signed_on < self.project.spk_date:
            self.add_error("signed_on", _("An addendum cannot be signed before the contract."))
        return cleaned_data

    def _post_clean(self):
        # The service fills sequence and the "before" figures; nothing to validate on the model yet.
        pass
