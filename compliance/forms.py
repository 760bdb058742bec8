from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reference.forms import RupiahField

from .models import Tariff

_BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ContributionQueryForm(forms.Form):
    """Parameters of the contribution calculator (API and, later, the live form preview)."""

    contract_value = RupiahField(
        label=_("contract value"),
        min_value=Decimal(1),
        error_messages={"required": _("Give the contract value in rupiah.")},
    )
    includes_ppn = forms.CharField(label=_("value includes PPN"), required=False)
    ppn_rate = forms.DecimalField(
        label=_("PPN rate (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    spk_date = forms.DateField(label=_("SPK date"), required=False)

    def clean_includes_ppn(self):
        raw = (self.cleaned_data.get("includes_ppn") or "false").strip().lower()
        if raw not in _BOOLEAN_WORDS:
            raise forms.ValidationError(_("Use true or false."))
        return _BOOLEAN_WORDS[raw]

    def clean_ppn_rate(self):
        rate = self.cleaned_data.get("ppn_rate")
        return settings.PANTAU_DEFAULT_PPN_RATE if rate is None else rate

    def clean(self):
        """Find the tariff of the SPK date (default today): a date before every tariff is the
        caller's mistake, not a server error."""
        cleaned_data = super().clean()
        if "spk_date" not in self.errors:
            spk_date = cleaned_data.get("spk_date") or timezone.localdate()
            try:
                cleaned_data["tariff"] = Tariff.objects.in_force_on(spk_date)
            except Tariff.DoesNotExist:
                self.add_error(
                    "spk_date",
                    _("No contribution tariff is in force on %(date)s.") % {"date": spk_date},
                )
        return cleaned_data
