from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reference.forms import DateInput
from reference.identifiers import validate_nik

from .models import Enrollment


class EnrollmentForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("The 16 digits on the worker's KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, help_text=_("As written on the KTP.")
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: checked against the NIK."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", _("As the NIK says")), ("M", _("Male")), ("F", _("Female"))],
    )
    job_title = forms.CharField(label=_("Job"), max_length=120, required=False)
    employment_type = forms.ChoiceField(
        label=_("Employment type"),
        choices=Enrollment.EmploymentType,
        initial=Enrollment.EmploymentType.HARIAN_LEPAS,
    )
    started_on = forms.DateField(label=_("Started on"), widget=DateInput())
    planned_end_on = forms.DateField(label=_("Planned end"), required=False, widget=DateInput())

    def clean_nik(self):
        return validate_nik(self.cleaned_data["nik"])


class EnrollmentEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Last day of work"), widget=DateInput())


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        help_text=_("One worker per row, with the column names of the template in the first row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload
