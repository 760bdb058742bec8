from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.services import registration_due_date
from reference.forms import DateInput, RupiahField
from reference.rupiah import MAX_AMOUNT

from .evidence import check_evidence_file
from .models import Payment, Registration, RegistrationEvidence, Tariff, validate_paid_on

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
    start_date = forms.DateField(label=_("start (SPMK) date"), required=False)

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
        spk_date, start_date = cleaned_data.get("spk_date"), cleaned_data.get("start_date")
        if spk_date and start_date and start_date >= spk_date:
            cleaned_data["registration_due_on"] = registration_due_date(spk_date, start_date)
        return cleaned_data


def _no_date_after_today(form, *names) -> None:
    """The browser's date picker offers no day after today for these fields; the model's
    clean() (and the form field's validator) is what refuses one."""
    today = timezone.localdate().isoformat()
    for name in names:
        form.fields[name].widget.attrs["max"] = today


def _digest_of(uploaded) -> str:
    digest = RegistrationEvidence.digest(uploaded.read())
    uploaded.seek(0)
    return digest


class EvidenceFilesMixin(forms.Form):
    certificate = forms.FileField(
        label=_("Participation certificate (PDF, JPEG or PNG, at most 5 MB)"), required=False
    )
    receipt = forms.FileField(
        label=_("Payment receipt (PDF, JPEG or PNG, at most 5 MB)"), required=False
    )

    def _check_file(self, name):
        uploaded = self.cleaned_data.get(name)
        if uploaded:
            check_evidence_file(uploaded)  # raises ValidationError -> message on the field
            uploaded.seek(0)
        return uploaded

    def clean_certificate(self):
        return self._check_file("certificate")

    def clean_receipt(self):
        return self._check_file("receipt")

    def clean(self):
        """The same file as certificate and receipt is refused on the receipt: evidence is
        stored once per content (evidence.attach_evidence), so the receipt would vanish without
        a word. Two fields for two documents: the same bytes in both is a wrong pick."""
        cleaned_data = super().clean()
        certificate, receipt = cleaned_data.get("certificate"), cleaned_data.get("receipt")
        if certificate and receipt and _digest_of(certificate) == _digest_of(receipt):
            self.add_error(
                "receipt",
                _(
                    "%(name)s is the same file as the certificate: choose the payment receipt "
                    "here. A document that holds both is uploaded once, as the certificate."
                )
                % {"name": receipt.name},
            )
        return cleaned_data

    def evidence_files(self):
        return [
            (kind, self.cleaned_data[name])
            for name, kind in (("certificate", "certificate"), ("receipt", "receipt"))
            if self.cleaned_data.get(name)
        ]


class EvidenceForm(EvidenceFilesMixin):
    """Documents only, for a registration that is already recorded."""

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors and not self.evidence_files():
            raise forms.ValidationError(_("Choose at least one file to upload."))
        return cleaned_data


class RegistrationForm(EvidenceFilesMixin, forms.ModelForm):
    """The registration as on BPJS's certificate, the first payment, and the evidence."""

    # Whole rupiah, as Payment.amount stores them.
    amount = RupiahField(
        label=_("Contribution paid (Rp)"),
        required=False,
        min_value=1,
        max_value=MAX_AMOUNT,
        decimal_places=0,
    )
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=DateInput(), validators=[validate_paid_on]
    )
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=40, required=False)

    class Meta:
        model = Registration
        fields = ["bpjs_project_number", "registered_on", "coverage_start", "coverage_end"]
        widgets = {
            "registered_on": DateInput(),
            "coverage_start": DateInput(),
            "coverage_end": DateInput(),
        }

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        _no_date_after_today(self, "registered_on", "paid_on")
        if not self.instance.pk:
            self.initial.setdefault("coverage_start", project.start_date)
            self.initial.setdefault("coverage_end", project.current_end_date)
        else:
            for name in ("amount", "paid_on", "receipt_number"):
                del self.fields[name]

    def clean(self):
        cleaned_data = super().clean()
        payment = [cleaned_data.get(k) for k in ("amount", "paid_on", "receipt_number")]
        if "amount" in self.fields and any(payment) and not all(payment):
            for name, value in zip(("amount", "paid_on", "receipt_number"), payment, strict=True):
                if not value and name not in self.errors:
                    self.add_error(
                        name, _("Give the amount, the date and the receipt number of the payment.")
                    )
        return cleaned_data

    def _post_clean(self):
        self.instance.project = self.project
        super()._post_clean()

    def _get_validation_exclusions(self):
        # tariff and the assessed figures are filled by the service.
        exclusions = super()._get_validation_exclusions()
        exclusions.update({"tariff", "assessed_base_value", "contribution_assessed"})
        return exclusions

    def payment_data(self):
        if "amount" not in self.fields or not self.cleaned_data.get("amount"):
            return None
        return {k: self.cleaned_data[k] for k in ("amount", "paid_on", "receipt_number")}


class PaymentForm(EvidenceFilesMixin, forms.ModelForm):
    amount = RupiahField(
        label=_("Amount paid (Rp)"), min_value=1, max_value=MAX_AMOUNT, decimal_places=0
    )

    class Meta:
        model = Payment
        fields = ["kind", "amount", "paid_on", "receipt_number"]
        widgets = {"paid_on": DateInput()}

    def __init__(self, *args, registration, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration
        _no_date_after_today(self, "paid_on")
        self.fields["certificate"].label = _("Updated certificate (optional)")

    def _post_clean(self):
        self.instance.registration = self.registration
        super()._post_clean()


class WarningLetterForm(forms.Form):
    number = forms.CharField(label=_("Letter number"), max_length=120)
    sent_on = forms.DateField(label=_("Letter date"), widget=DateInput())

    def __init__(self, *args, flag, **kwargs):
        super().__init__(*args, **kwargs)
        self.flag = flag

    def clean(self):
        from .rules import ESCALATING

        cleaned_data = super().clean()
        if self.flag.rule not in ESCALATING:
            raise forms.ValidationError(_("This kind of flag does not lead to warning letters."))
        if self.flag.waived_at is not None:
            raise forms.ValidationError(_("A waived finding gets no warning letter."))
        if self.flag.escalation_step >= 3:
            raise forms.ValidationError(_("Every letter of this finding has been sent."))
        if cleaned_data.get("sent_on") is not None:
            # The printed letter too: its date and deadline must make sense for the finding.
            self.flag.check_letter_date(cleaned_data["sent_on"])  # error on sent_on
        return cleaned_data
