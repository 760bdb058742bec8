"""Contractor accounts: sign-up with email confirmation, a company's team, and the office's
confirmation of new companies.

Views call these functions; each write is one transaction and checks its own rules, so a
forgotten check in a view cannot skip one. Mails are sent after the write, outside it: a mail
server that is down costs the person a "send the link again", never their sign-up.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from projects.models import Contractor, ContractorMembership
from reference.models import Region

from .models import ApiToken, Invitation, User

logger = logging.getLogger(__name__)

CONFIRMATION_SALT = "accounts.sign-up-confirmation"


def npwp_taken_message() -> str:
    # Never name the admin: anyone can type a company's NPWP.
    return _(
        "This company is already registered. Ask your company's admin to invite you from "
        "their team page."
    )


# --- Mail -------------------------------------------------------------------------------------


def send_account_mail(*, to: str, template: str, context: dict, language: str) -> bool:
    """Send templates/accounts/email/<template>_{subject,body}.txt in `language`.

    Returns False (and logs) when the mail server refuses: the caller's write already
    committed and the person can ask for the link again.
    """
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    message = EmailMessage(subject=" ".join(subject.split()), body=body.strip() + "\n", to=[to])
    try:
        message.send()
    except Exception:  # the outside world failed; the person can resend
        logger.exception("account mail %s to user address could not be sent", template)
        return False
    return True


def absolute_url(site_url: str, path: str) -> str:
    """`site_url` is the scheme and host the request came in on, e.g. https://pantau.example."""
    return site_url.rstrip("/") + path


# --- Sign-up and email confirmation -----------------------------------------------------------


def normalise_email(email: str) -> str:
    return BaseUserManager.normalize_email(email.strip())


def email_taken(email: str) -> bool:
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists()


@transaction.atomic
def sign_up_contractor(
    *,
    legal_name: str,
    npwp: str,
    nib: str,
    qualification: str,
    address: str,
    regency: Region,
    full_name: str,
    email: str,
    password: str,
    language: str,
) -> User:
    """Create a company (source sign-up, not yet confirmed by an office) and its first user,
    who is its admin and cannot log in before following the link in the confirmation mail.

    All or nothing: any invalid value raises a ValidationError keyed by form field and saves
    nothing.
    """
    email = normalise_email(email)
    _discard_expired_sign_ups(npwp=npwp, email=email, now=timezone.now())
    if (claimed := _claimable_company(npwp)) is not None:
        return _claim_company(
            claimed,
            nib=nib,
            qualification=qualification,
            address=address,
            regency=regency,
            full_name=full_name,
            email=email,
            password=password,
            language=language,
        )
    contractor = Contractor(
        legal_name=legal_name.strip(),
        npwp=npwp,
        nib=nib or None,
        qualification=qualification,
        address=address.strip(),
        province_id=regency.parent_id,  # the province follows from the kab/kota
        regency=regency,
        contact_name=full_name.strip(),
        email=email,
        source=Contractor.Source.SIGN_UP,
    )
    errors = _sign_up_conflicts(contractor, email)
    if errors:
        raise ValidationError(errors)
    contractor.full_clean()
    user = _new_user(email=email, full_name=full_name, language=language, is_active=False)
    _set_password(user, password, field="password")
    try:
        with transaction.atomic():  # a savepoint, so the checks below can still query
            contractor.save()
            user.save()
    except IntegrityError:
        # Someone registered the same NPWP, NIB or address a moment ago (the checks above
        # passed for both); the database's unique constraints decided.
        raise ValidationError(
            _sign_up_conflicts(contractor, email) or npwp_taken_message()
        ) from None
    membership = ContractorMembership(user=user, contractor=contractor, is_company_admin=True)
    membership.full_clean()
    membership.save()
    return user


def _claimable_company(npwp: str) -> Contractor | None:
    """A company a procurement import created and nobody speaks for yet: no user at all.
    Locked, so two people claiming it at once cannot both become its admin."""
    nobody = ~Exists(ContractorMembership.objects.filter(contractor=OuterRef("pk")))
    return (
        Contractor.objects.select_for_update()
        .filter(nobody, npwp=npwp, source=Contractor.Source.PROCUREMENT)
        .first()
    )


def _claim_company(contractor: Contractor, *, full_name, email, password, language, **company):
    """The person's sign-up claims the imported company: they become its admin, and the
    company waits for the office's confirmation again (accounts:contractor_confirmations).
    Until then its projects stay hidden from them (ProjectQuerySet.visible_to): anyone can
    read a winner's NPWP in public procurement data. The imported legal name is kept; the
    seat, guessed from the first package, and the empty details take what the person typed.
    """
    errors = {}
    nib = company["nib"] or None
    if nib and Contractor.objects.filter(nib=nib).exclude(pk=contractor.pk).exists():
        errors["nib"] = _(
            "A company with this NIB is already registered. Ask your company's admin to invite you."
        )
    if email_taken(email):
        errors["email"] = _(
            "An account with this email address already exists. Log in, or reset your password."
        )
    if errors:
        raise ValidationError(errors)
    contractor.nib = contractor.nib or nib
    contractor.qualification = contractor.qualification or company["qualification"]
    contractor.address = contractor.address or company["address"].strip()
    contractor.regency, contractor.province_id = company["regency"], company["regency"].parent_id
    contractor.contact_name, contractor.email = full_name.strip(), email
    contractor.confirmed_at = contractor.confirmed_by = None
    contractor.full_clean()
    contractor.save()
    user = _new_user(email=email, full_name=full_name, language=language, is_active=False)
    _set_password(user, password, field="password")
    user.save()
    membership = ContractorMembership(user=user, contractor=contractor, is_company_admin=True)
    membership.full_clean()
    membership.save()
    return user


def _discard_expired_sign_ups(*, npwp: str, email: str, now: datetime) -> None:
    """Drop a sign-up whose confirmation link expired unused and that holds this NPWP or address.

    Otherwise a typo in the address, or a lost mail, would lock the company out for good. Only
    a company that signed up itself, was never confirmed by an office, has no project, and
    whose people never logged in is dropped, with those people's accounts.
    """
    cutoff = now - timedelta(days=settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS)
    stale = (
        Contractor.objects.filter(Q(npwp=npwp) | Q(memberships__user__email__iexact=email))
        .filter(source=Contractor.Source.SIGN_UP, confirmed_at=None, created_at__lt=cutoff)
        .exclude(memberships__user__is_active=True)
        .exclude(memberships__user__last_login__isnull=False)
        .exclude(projects__isnull=False)
        .distinct()
    )
    for contractor in stale:
        user_ids = list(contractor.memberships.values_list("user_id", flat=True))
        contractor.delete()  # its memberships and invitations go with it
        User.objects.filter(pk__in=user_ids, is_active=False, last_login=None).delete()
    # A claim of an imported company whose link expired unused: the company stays (it is the
    # procurement data's), the claim goes, so the company can be claimed again.
    stale_claims = ContractorMembership.objects.filter(
        contractor__npwp=npwp,
        contractor__source=Contractor.Source.PROCUREMENT,
        user__is_active=False,
        user__last_login=None,
        user__date_joined__lt=cutoff,
    )
    user_ids = list(stale_claims.values_list("user_id", flat=True))
    if user_ids:
        stale_claims.delete()
        User.objects.filter(pk__in=user_ids).delete()


def _sign_up_conflicts(contractor: Contractor, email: str) -> dict:
    errors = {}
    if Contractor.objects.filter(npwp=contractor.npwp).exists():
        errors["npwp"] = npwp_taken_message()
    if contractor.nib and Contractor.objects.filter(nib=contractor.nib).exists():
        errors["nib"] = _(
            "A company with this NIB is already registered. Ask your company's admin to invite you."
        )
    if email_taken(email):
        errors["email"] = _(
            "An account with this email address already exists. Log in, or reset your password."
        )
    return errors


def _new_user(*, email: str, full_name: str, language: str, is_active: bool) -> User:
    # The email is the username, so people log in with the address they signed up with.
    # The whole name goes in first_name: many Indonesian names have no family name.
    user = User(
        username=email.lower(),
        email=email,
        first_name=full_name.strip(),
        preferred_language=language if language in dict(settings.LANGUAGES) else "id",
        is_active=is_active,
    )
    user.set_unusable_password()  # replaced below; full_clean needs a value
    try:
        user.full_clean()
    except ValidationError as error:
        raise ValidationError(_form_keys(error)) from None
    return user


def _form_keys(error: ValidationError) -> dict:
    """A user's field errors under the form's names (the username is the email)."""
    names = {"username": "email", "first_name": "full_name"}
    return {names.get(field, field): messages for field, messages in error.message_dict.items()}


def _set_password(user: User, password: str, *, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    user.set_password(password)


def is_awaiting_confirmation(user: User) -> bool:
    """Signed up but never followed the mail's link: inactive, never logged in, in a company.
    (A removed colleague is inactive too, but has no company any more.)"""
    return (
        not user.is_active
        and user.last_login is None
        and ContractorMembership.objects.filter(user=user).exists()
    )


def _confirmation_state(user: User) -> str:
    # Changes once the account is active or has logged in: the link works once.
    value = f"{user.pk}:{user.is_active}:{user.last_login}:{user.email}:{user.password}"
    return salted_hmac(CONFIRMATION_SALT, value, algorithm="sha256").hexdigest()[:20]


def make_confirmation_token(user: User) -> str:
    return signing.dumps([user.pk, _confirmation_state(user)], salt=CONFIRMATION_SALT)


@dataclass(frozen=True)
class ConfirmationCheck:
    user: User | None
    problem: str = ""  # "", "expired", "invalid" or "used"


def check_confirmation_token(token: str) -> ConfirmationCheck:
    """What a confirmation link is worth now: valid (with its user), expired, invalid or used."""
    max_age = timedelta(days=settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS)
    try:
        pk, state = signing.loads(token, salt=CONFIRMATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        return ConfirmationCheck(None, "expired")
    except (signing.BadSignature, ValueError, TypeError):
        return ConfirmationCheck(None, "invalid")
    user = User.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if user is None:
        return ConfirmationCheck(None, "invalid")
    if user.is_active:
        return ConfirmationCheck(user, "used")
    if not isinstance(state, str) or not constant_time_compare(state, _confirmation_state(user)):
        return ConfirmationCheck(None, "invalid")
    return ConfirmationCheck(user)


@transaction.atomic
def confirm_sign_up(*, token: str) -> User:
    """Activate the account a valid confirmation link names. Raises ValidationError with the
    problem as its code ("expired", "invalid", "used") otherwise; a second call is "used"."""
    check = check_confirmation_token(token)
    if check.problem:
        raise ValidationError(check.problem, code=check.problem)
    user = User.objects.select_for_update().get(pk=check.user.pk)
    if user.is_active:  # a concurrent click got there first
        raise ValidationError("used", code="used")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def send_sign_up_confirmation(*, user: User, site_url: str) -> bool:
    path = reverse("accounts:sign_up_confirm", args=[make_confirmation_token(user)])
    membership = ContractorMembership.objects.select_related("contractor").get(user=user)
    context = {
        "name": user.get_full_name() or user.username,
        "company": membership.contractor.legal_name,
        "link": absolute_url(site_url, path),
        "days": settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS,
    }
    return send_account_mail(
        to=user.email, template="sign_up_confirm", context=context, language=user.preferred_language
    )


def resend_sign_up_confirmation(*, email: str, site_url: str) -> bool:
    """Send a fresh link to an account awaiting confirmation; does nothing for any other
    address, and the caller says the same either way (no telling who has an account)."""
    user = User.objects.filter(email__iexact=normalise_email(email), is_active=False).first()
    if user is None or not is_awaiting_confirmation(user):
        return False
    return send_sign_up_confirmation(user=user, site_url=site_url)


# --- A company's team -------------------------------------------------------------------------


def company_membership(user: User) -> ContractorMembership | None:
    if not user.is_authenticated:
        return None
    return ContractorMembership.objects.select_related("contractor").filter(user_id=user.pk).first()


def require_company_admin(user: User) -> ContractorMembership:
    """The user's membership if they are their company's admin; PermissionDenied otherwise."""
    membership = company_membership(user)
    if membership is None or not membership.is_company_admin:
        raise PermissionDenied(_("Only your company's admin can change the team."))
    return membership


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account_in_use(email: str) -> bool:
    """An address whose account works for a company, an office or as superuser, or awaits
    confirmation. A removed colleague's account (inactive, no company) may be invited again."""
    return (
        User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .filter(
            Q(is_active=True)
            | Q(contractor_membership__isnull=False)
            | Q(office__isnull=False)
            | Q(is_superuser=True)
        )
        .exists()
    )


@transaction.atomic
def invite_colleague(
    *, admin: User, email: str, language: str, now: datetime
) -> tuple[Invitation, str]:
    """Invite `email` to the admin's company; returns the invitation and the token for the
    link (only its hash is stored). A new invitation to the same address replaces the open one."""
    membership = require_company_admin(admin)
    email = normalise_email(email)
    if _account_in_use(email):
        raise ValidationError(
            {
                "email": _(
                    "This address already has an account in Pantau Jakon. A person works for "
                    "one company only; they can ask an admin to remove them from the other one."
                )
            }
        )
    Invitation.objects.filter(
        contractor=membership.contractor, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        contractor=membership.contractor,
        email=email,
        language=language,
        token_hash=_hash_token(token),
        invited_by=admin,
        expires_at=now + timedelta(days=settings.PANTAU_INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    return invitation, token


def send_invitation(*, invitation: Invitation, token: str, site_url: str) -> bool:
    inviter = invitation.invited_by
    context = {
        "company": invitation.contractor.legal_name,
        "inviter": (inviter.get_full_name() or inviter.username) if inviter else "",
        "link": absolute_url(site_url, reverse("accounts:invitation_accept", args=[token])),
        "expires_at": invitation.expires_at,
        "days": settings.PANTAU_INVITATION_DAYS,
    }
    return send_account_mail(
        to=invitation.email, template="invitation", context=context, language=invitation.language
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by: User, now: datetime) -> bool:
    """Withdraw an invitation that was not accepted yet; False if there was nothing to withdraw."""
    membership = require_company_admin(by)
    if invitation.contractor_id != membership.contractor_id:
        raise PermissionDenied
    pending = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None)
    return pending.update(revoked_at=now) == 1


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("contractor")
        .filter(token_hash=_hash_token(token))
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, full_name: str, password: str, now: datetime) -> User:
    """Create (or give back, for a removed colleague) the invitee's account and join the
    company. Single use: the invitation row is locked and marked accepted in this transaction."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=_hash_token(token)).first()
    )
    if invitation is None or not invitation.is_open(now=now):
        raise ValidationError(_("This invitation can no longer be accepted."), code="closed")
    if _account_in_use(invitation.email):
        raise ValidationError(
            _("This address already has an account in Pantau Jakon: log in with it instead."),
            code="account_exists",
        )
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = _new_user(
            email=invitation.email,
            full_name=full_name,
            language=invitation.language,
            is_active=True,
        )
    else:  # a removed colleague comes back: same account, new name and password
        user.first_name, user.last_name, user.is_active = full_name.strip(), "", True
    # Following the link proved the address: no separate confirmation mail.
    _set_password(user, password, field="password")
    user.save()
    membership = ContractorMembership(user=user, contractor=invitation.contractor)
    membership.full_clean()
    membership.save()
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


@transaction.atomic
def remove_colleague(*, membership: ContractorMembership, by: User) -> None:
    """Take a colleague out of the company: the membership goes (its history stays) and the
    account is deactivated, since a contractor's account exists only for its company.

    An admin cannot remove themselves, and a company always keeps one admin: the company's
    admin rows are locked first, so two admins removing each other cannot both succeed.
    """
    admin = require_company_admin(by)
    if membership.contractor_id != admin.contractor_id:
        raise PermissionDenied
    if membership.user_id == by.pk:
        raise ValidationError(_("You cannot remove yourself; another admin can."), code="self")
    admins = set(
        ContractorMembership.objects.select_for_update()
        .filter(contractor_id=admin.contractor_id, is_company_admin=True)
        .values_list("user_id", flat=True)
    )
    if by.pk not in admins:  # removed by another admin a moment ago
        raise PermissionDenied
    if membership.is_company_admin and admins <= {membership.user_id}:
        raise ValidationError(_("A company keeps at least one admin."), code="last_admin")
    user = membership.user
    membership.delete()
    user.is_active = False
    user.save(update_fields=["is_active"])


# --- The office's confirmation of new companies -----------------------------------------------


def can_confirm_contractors(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.can_edit_as_office)


@transaction.atomic
def confirm_contractor(*, contractor: Contractor, by: User, now: datetime) -> bool:
    """Record that an office checked a company (its NPWP, NIB and address). Returns False when
    it was already confirmed (the first confirmation is kept)."""
    if not can_confirm_contractors(by):
        raise PermissionDenied
    locked = Contractor.objects.select_for_update().get(pk=contractor.pk)
    if locked.confirmed_at is not None:
        return False
    locked.confirmed_at, locked.confirmed_by = now, by
    locked.save(update_fields=["confirmed_at", "confirmed_by", "updated_at"])
    return True


# --- API tokens -------------------------------------------------------------------------------

API_TOKEN_PREFIX = "pj_"  # noqa: S105 (a marker, not a secret)
# last_used_at is written at most this often per token: the tokens page needs the day, not
# every request (a busy integration would otherwise write a row per call).
API_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`; returns it with its secret, which is never stored (only its
    SHA-256) and so can be shown this once."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=secret[: len(API_TOKEN_PREFIX) + 6],
        token_hash=_hash_token(secret),
    )
    token.full_clean()  # an empty or duplicate name -> translated error
    token.save()
    return token, secret


def revoke_api_token(*, token: ApiToken, now: datetime) -> bool:
    """Revoke a token for good (it answers 401 from now on); False if it already was."""
    return bool(ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=now))


def authenticate_api_token(secret: str, *, now: datetime) -> ApiToken | None:
    """The live token of an active user with this secret, or None. Records the use at most
    once a minute (a conditional UPDATE, no write on the other requests)."""
    if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.live()
        .filter(token_hash=_hash_token(secret), user__is_active=True)
        .select_related("user__office__region", "user__contractor_membership__contractor__regency")
        .first()
    )
    if token is None:
        return None
    stale = now - API_TOKEN_TOUCH_INTERVAL
    if token.last_used_at is None or token.last_used_at < stale:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
