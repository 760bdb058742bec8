from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .models import Region
from .rupiah import MaxRupiahValidator, format_rupiah, parse_rupiah


def add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on its field when it names one of the form's,
    otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    """The browser's date picker; the value goes out as ISO (what <input type=date> needs)."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RupiahField(forms.DecimalField):
    """An amount typed the Indonesian way: "1.250.000.000" or "Rp 1.250.000.000,00".

    decimal_places=0 for a column of whole rupiah: ",00" is still accepted (the way amounts are
    printed on receipts), a sen part other than zero gets its own message. max_value names its
    limit in rupiah (MaxRupiahValidator)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter an amount in rupiah, for example 1.250.000.000."),
        "sen": _("Enter whole rupiah: this amount is stored without sen."),
    }

    def __init__(self, *, max_value=None, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        if max_value is not None:
            self.max_value = max_value
            self.validators.append(MaxRupiahValidator(max_value))

    def to_python(self, value):
        if value in self.empty_values:
            return None
        amount = value if isinstance(value, Decimal) else parse_rupiah(value)
        if self.decimal_places == 0:
            if amount != amount.to_integral_value():
                raise ValidationError(self.error_messages["sen"], code="sen")
            amount = amount.quantize(Decimal(1))  # "10.300.000,00" has no decimal places left
        return amount

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_rupiah(value).removeprefix("Rp")
        return value


class RegenciesByProvince(ModelChoiceIterator):
    """Choices grouped in <optgroup>s by province; lazy, like Django's own iterator."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for region in self.queryset:
            groups.setdefault(region.parent.name, []).append(self.choice(region))
        yield from groups.items()


class RegencyChoiceField(forms.ModelChoiceField):
    """The 514 kab/kota in one select, grouped by province (no script, no network). Values are
    Kemendagri codes (32.75): stable across reloads of the region table."""

    iterator = RegenciesByProvince
    default_error_messages = {"invalid_choice": _("Choose a regency or city from the list.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", _("Choose a regency or city"))
        super().__init__(
            queryset=Region.objects.regencies().select_related("parent").order_by("code"),
            to_field_name="code",
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"
