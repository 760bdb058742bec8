"""Forms of contractor accounts: they check the shape of what was typed; the rules that need
the database (an NPWP already registered, an address already in use) live in services."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from projects.models import Contractor
from reference.forms import RegencyChoiceField
from reference.identifiers import validate_nib, validate_npwp

from .models import User
from .services import is_awaiting_confirmation


class PasswordWithConfirmationForm(forms.Form):
    """A new password typed twice. Django's validators (settings.AUTH_PASSWORD_VALIDATORS) run
    in the service, with the new account, so the similarity check sees the name and address."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validators_help_text_html, str)(),  # in the page's language
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned

    def service_data(self) -> dict:
        """cleaned_data as the service takes it (without the repeated password)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "password_confirm"}


class SignUpForm(PasswordWithConfirmationForm):
    legal_name = forms.CharField(label=_("Company's legal name"), max_length=255)
    npwp = forms.CharField(
        label=_("Company's NPWP"),
        max_length=32,
        help_text=_("15 or 16 digits, with or without dots and dashes: 01.234.567.8-901.000"),
    )
    nib = forms.CharField(
        label=_("NIB"),
        max_length=20,
        help_text=_("Business identification number (OSS), 13 digits"),
    )
    qualification = forms.ChoiceField(
        label=_("Qualification"), choices=[("", "---------"), *Contractor.Qualification.choices]
    )
    address = forms.CharField(
        label=_("Company's address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    regency = RegencyChoiceField(label=_("Regency or city (kab/kota) of the company's seat"))
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=150,  # it becomes the username (150 characters at most)
        help_text=_("We send a link to this address; you log in with it."),
    )

    field_order = [
        "legal_name",
        "npwp",
        "nib",
        "qualification",
        "address",
        "regency",
        "full_name",
        "email",
        "password",
        "password_confirm",
    ]

    def clean_npwp(self):
        return validate_npwp(self.cleaned_data["npwp"])

    def clean_nib(self):
        return validate_nib(self.cleaned_data["nib"])


class LoginForm(auth_forms.AuthenticationForm):
    """Log in with the email address (or an office's username). Tells a person who has not
    confirmed their address yet what to do, instead of "wrong password"."""

    username = auth_forms.UsernameField(
        label=_("Email or username"), widget=forms.TextInput(attrs={"autofocus": True})
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        # Sign-up stores the address in lower case as the username.
        return username.lower() if "@" in username else username

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            user = User.objects.filter(username=self.cleaned_data.get("username")).first()
            password = self.cleaned_data.get("password") or ""
            if user and is_awaiting_confirmation(user) and user.check_password(password):
                raise ValidationError(
                    _(
                        "Confirm your email address first: follow the link in the mail we sent "
                        "you. No mail? Ask for a new link below."
                    ),
                    code="awaiting_confirmation",
                ) from None
            raise


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"), max_length=150)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)


class AcceptInvitationForm(PasswordWithConfirmationForm):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    field_order = ["full_name", "password", "password_confirm"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, writing each mail in the language its recipient chose."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].preferred_language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example the name of your accounting system."),
    )
