from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reference.forms import RegencyChoiceField
from reference.models import Region


class ProcurementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV, Excel .xlsx or JSON)"),
        help_text=_(
            "A SIRUP package list, SPSE tender results or e-contracts, with LKPP's column names."
        ),
    )
    default_regency = RegencyChoiceField(
        label=_("Kab/kota of rows without a location"),
        required=False,
        help_text=_("Rows with a kab/kota column are placed by it; the others here."),
    )

    def __init__(self, *args, scope_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if scope_region is not None and not scope_region.is_province:
            del self.fields["default_regency"]  # a kab/kota office: its own kab/kota
        elif scope_region is not None:
            field = self.fields["default_regency"]
            field.queryset = field.queryset.filter(parent=scope_region)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload
