"""Start a staff member's idle clock at login, so the first page does not write the session."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import TOUCHED_KEY


@receiver(user_logged_in)
def start_staff_idle_clock(sender, request, user, **kwargs):
    if request is not None and (user.office_id or user.is_staff or user.is_superuser):
        request.session[TOUCHED_KEY] = int(time.time())
        request.session.set_expiry(settings.PANTAU_STAFF_IDLE_MINUTES * 60)
