"""Login throttling with django-axes: who an attempt counts against, and the page shown while
a lockout lasts. Axes records every failure (AccessAttempt, AccessFailureLog, visible read-only
in the admin); the settings are AXES_* in config/settings.py."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from .forms import LoginForm

logger = logging.getLogger("pantau.security")


def attempt_username(request, credentials: dict | None) -> str | None:
    """The username an attempt counts against, normalised as LoginForm does it (sign-up stores
    email addresses in lower case), so "Budi@…" and "budi@…" share one counter."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if not username:
        return None
    username = username.strip()
    return username.lower() if "@" in username else username


def locked_out_page(request, original_response=None, credentials=None):
    """The login page again, with why it refuses: 429 Too Many Requests, as axes answers."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    logger.warning(
        "login refused: locked out after %s failures (path %s)",
        settings.AXES_FAILURE_LIMIT,
        request.path,
    )
    message = _(
        "Too many failed login attempts. Logging in to this account from here is blocked for "
        "%(minutes)s minutes. Try again later, or ask your office's administrator to unblock it."
    ) % {"minutes": minutes}
    context = {"form": LoginForm(request), "locked_out_message": message}
    return render(request, "accounts/login.html", context, status=429)
