from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .rupiah import format_rupiah, parse_rupiah


class RupiahField(forms.DecimalField):
    """An amount typed the Indonesian way: "1.250.000.000" or "Rp 1.250.000.000,00"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Enter an amount in rupiah, for example 1.250.000.000.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return parse_rupiah(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_rupiah(value).removeprefix("Rp")
        return value
