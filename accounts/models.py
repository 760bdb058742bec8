"""Users and the offices they work for.

A user is office staff (belongs to one Office, with a role), a contractor's user (through
projects.ContractorMembership) or a superuser; never office staff and contractor at once.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reference.zones import zone_of


class Office(models.Model):
    """A labour office (Disnaker/Pemda), a BPJS Ketenagakerjaan branch, or an inspecting body.

    Its region is a kab/kota or a whole province: staff see the projects of that region.
    """

    class Kind(models.TextChoices):
        LABOUR_OFFICE = "labour_office", _("Labour office (Disnaker/Pemda)")
        BPJS_BRANCH = "bpjs_branch", _("BPJS Ketenagakerjaan branch")
        INSPECTORATE = "inspectorate", _("Inspectorate or prosecutor's office")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.LABOUR_OFFICE)
    region = models.ForeignKey(
        "reference.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="offices",
        help_text=_("A kab/kota, or a province for an office that oversees the whole province."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    # Letterhead of warning letters (kop surat), configured by admins.
    letterhead_government = models.CharField(
        _("letterhead: government"),
        max_length=200,
        blank=True,
        help_text=_("For example: PEMERINTAH KOTA BEKASI"),
    )
    letterhead_agency = models.CharField(
        _("letterhead: agency"),
        max_length=200,
        blank=True,
        help_text=_("For example: DINAS KETENAGAKERJAAN"),
    )
    letter_city = models.CharField(_("city printed on letters"), max_length=100, blank=True)
    head_name = models.CharField(_("head of office"), max_length=200, blank=True)
    head_title = models.CharField(_("head's title"), max_length=200, blank=True)
    head_nip = models.CharField(_("head's NIP"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "name"],
                name="accounts_office_unique_name_per_region",
                violation_error_message=_("This region already has an office with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # Offices are scoped to a kab/kota or a province, never to a kecamatan.
        if self.region_id and self.region.level not in (1, 2):
            raise ValidationError({"region": _("Choose a province or a regency/city.")})

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        """The region's zone (WIB, WITA or WIT: reference.zones), not a setting of its own."""
        return zone_of(self.region.code)


class User(AbstractUser):
    class OfficeRole(models.TextChoices):
        EDITOR = "editor", _("Editor")
        READ_ONLY = "read_only", _("Read only")

    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    office_role = models.CharField(
        _("role in the office"), max_length=10, choices=OfficeRole, blank=True
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # visible_to() reads office + role together: one without the other is meaningless.
            models.CheckConstraint(
                condition=Q(office__isnull=True, office_role="")
                | Q(office__isnull=False, office_role__in=["editor", "read_only"]),
                name="accounts_user_office_role_with_office",
                violation_error_message=_("Office staff need both an office and a role."),
            ),
            # Sign-up and invitations identify people by email (it is also their username);
            # accounts created in the admin without an address stay allowed.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_unique_email",
                violation_error_message=_("An account with this email address already exists."),
            ),
        ]

    def clean(self):
        super().clean()
        if self.office_id and self.pk and hasattr(self, "contractor_membership"):
            raise ValidationError(
                _("A contractor's user cannot also be office staff; use a separate account.")
            )

    @property
    def is_office_staff(self) -> bool:
        return self.office_id is not None

    @property
    def can_edit_as_office(self) -> bool:
        """An office editor: verifies registrations, adds notes, acts on findings."""
        return self.office_id is not None and self.office_role == self.OfficeRole.EDITOR

    @property
    def can_change_project_data(self) -> bool:
        """An office editor who may also change what contractors record (projects, addenda,
        registrations, payments, workers) and import procurement data: a labour office's. A
        BPJS branch verifies registrations; an inspectorate only reads."""
        return self.can_edit_as_office and self.office.kind == Office.Kind.LABOUR_OFFICE


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only door to invitations: a company's members see the company's, nobody else
        (office staff and superusers manage people in the admin)."""
        if not user.is_authenticated:
            return self.none()
        if membership := getattr(user, "contractor_membership", None):
            return self.filter(contractor_id=membership.contractor_id)
        return self.none()

    def open(self, *, now):
        """Invitations that can still be accepted: neither accepted, revoked nor expired."""
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=now)


class Invitation(models.Model):
    """A company admin's invitation of a colleague by email.

    The link carries a random token; only its SHA-256 is stored, so a database leak cannot be
    turned into working links. Single use (accepted_at), revocable (revoked_at), expiring.
    """

    contractor = models.ForeignKey(
        "projects.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language of the invitation"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # invite_colleague() revokes the previous open invitation of an address before
            # writing a new one: one live link per address and company.
            models.UniqueConstraint(
                "contractor",
                Lower("email"),
                condition=Q(accepted_at=None, revoked_at=None),
                name="accounts_invitation_one_open_per_email",
                violation_error_message=_("This address already has an open invitation."),
            ),
            models.CheckConstraint(
                condition=Q(accepted_at=None) | Q(revoked_at=None),
                name="accounts_invitation_not_accepted_and_revoked",
                violation_error_message=_("An invitation is either accepted or revoked."),
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.contractor}"

    def is_open(self, *, now) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only door to API tokens: each person sees and revokes their own, nobody else's
        (admins get a read-only list in the admin)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def live(self):
        return self.filter(revoked_at=None)


class ApiToken(models.Model):
    """A personal token for the JSON API (`Authorization: Bearer <token>`).

    Acts as its user, with the same scope as the web pages. Only the SHA-256 of the secret is
    stored: the secret is shown once, at creation, and a database leak gives no working token.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What the token is for, for example the name of your accounting system."),
    )
    # The token's first characters, to recognise it in the list (not secret, not unique).
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The tokens page tells tokens apart by name: unique among a person's live tokens.
            models.UniqueConstraint(
                "user",
                Lower("name"),
                condition=Q(revoked_at=None),
                name="accounts_apitoken_unique_live_name",
                violation_error_message=_("You already have a token with this name."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="accounts_apitoken_name_not_empty",
                violation_error_message=_("Give the token a name."),
            ),
            # accounts.api_auth looks tokens up by this hash: always a SHA-256 in hex.
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="accounts_apitoken_hash_is_sha256",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
