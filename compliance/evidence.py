"""Evidence files (certificate, receipt): checked by content, stored privately, served only to
the people who may see the registration (never inline as HTML, never from MEDIA_URL)."""

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import Registration, RegistrationEvidence

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# What the content must be, whatever the name or the browser says.
ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def check_evidence_file(uploaded) -> tuple[bytes, str]:
    """Read an uploaded file and return (data, content type), or raise a ValidationError that a
    contractor understands. The 5 MB cap is checked before reading it all."""
    if uploaded.size > MAX_EVIDENCE_BYTES:
        megabytes = round(uploaded.size / 2**20, 1)  # number_format cuts decimals off
        raise ValidationError(
            _("%(name)s is %(size)s MB; an evidence file is at most 5 MB.")
            % {"name": uploaded.name, "size": number_format(megabytes, 1)}
        )
    if uploaded.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": uploaded.name})
    data = uploaded.read()
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG or PNG file (checked by its content).")
            % {"name": uploaded.name}
        )
    return data, kind.mime


def attach_evidence_files(*, registration: Registration, files, user=None) -> None:
    """attach_evidence for each (kind, uploaded file) a form collected."""
    for kind, uploaded in files:
        attach_evidence(registration=registration, kind=kind, uploaded=uploaded, user=user)


def attach_evidence(*, registration: Registration, kind: str, uploaded, user=None):
    """Store one checked file for the registration. The caller's transaction covers the row;
    the content-addressed name makes a retried upload of the same file harmless."""
    data, content_type = check_evidence_file(uploaded)
    digest = RegistrationEvidence.digest(data)
    existing = registration.evidence.filter(sha256=digest).first()
    if existing:
        return existing
    evidence = RegistrationEvidence(
        registration=registration,
        kind=kind,
        original_name=uploaded.name[-255:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    evidence.file.save(digest, ContentFile(data), save=False)
    evidence.full_clean()
    evidence.save()
    return evidence
