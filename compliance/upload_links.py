"""Signed, single-use, expiring links that let a reminder's recipient upload the registration
and its evidence for one project without logging in.

The link carries the project and the flag it was written for, signed with SECRET_KEY and a
salt of its own, and expires after PANTAU_UPLOAD_LINK_DAYS. Using it stores the token's hash
(UsedUploadLink, unique), so a second use fails even before it expires. What is uploaded waits
for office verification like any other registration.
"""

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from projects.models import Project

from .models import UsedUploadLink

SALT = "compliance.upload-link"


class LinkError(Exception):
    """The link cannot be used; the message says why in the user's language."""


def make_token(*, project_id: int, flag_id: int | None = None) -> str:
    return signing.dumps({"p": project_id, "f": flag_id}, salt=SALT, compress=True)


def link_for(*, project_id: int, flag_id: int | None = None) -> str:
    """The absolute URL for an email (PANTAU_SITE_URL is the address users reach the site at),
    in the mail's language: the page opens in it (compliance.views.upload_by_link)."""
    path = reverse(
        "compliance:upload_by_link", args=[make_token(project_id=project_id, flag_id=flag_id)]
    )
    query = urlencode({"lang": translation.get_language() or settings.LANGUAGE_CODE})
    return f"{settings.PANTAU_SITE_URL.rstrip('/')}{path}?{query}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def project_for_token(token: str) -> Project:
    """The project a valid, unused link is for, or LinkError."""
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=timedelta(days=settings.PANTAU_UPLOAD_LINK_DAYS)
        )
    except signing.SignatureExpired as error:
        raise LinkError(
            _(
                "This link has expired. Sign in to Pantau Jakon, or ask the labour office for a new link."
            )
        ) from error
    except signing.BadSignature as error:
        raise LinkError(_("This link is not valid. Check that it was copied whole.")) from error
    if UsedUploadLink.objects.filter(token_sha256=_digest(token)).exists():
        raise LinkError(
            _("This link was already used. Each link works once; sign in to add more documents.")
        )
    try:
        return Project.objects.select_related("contractor").get(pk=payload["p"])
    except Project.DoesNotExist as error:
        raise LinkError(_("The project of this link no longer exists.")) from error


def spend(token: str, *, project: Project, registration) -> None:
    """Mark the link used, in the caller's transaction; a concurrent second use loses here."""
    try:
        with transaction.atomic():
            UsedUploadLink.objects.create(
                token_sha256=_digest(token), project=project, registration=registration
            )
    except IntegrityError as error:
        raise LinkError(_("This link was already used.")) from error
