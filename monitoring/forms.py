"""The office's forms other than the project filters (filters.py). Labels are lazy: a form
class is built once at import, and its labels must follow each request's language."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reference.forms import DateInput


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until"), widget=DateInput())

    def clean(self):
        cleaned_data = super().clean()
        start, end = cleaned_data.get("start"), cleaned_data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        return cleaned_data
