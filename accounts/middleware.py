"""Per-user language and time zone; the staff idle timeout."""

import time

from django.conf import settings
from django.utils import timezone, translation


class UserLanguageMiddleware:
    """Speak the signed-in user's preferred language.

    Runs after LocaleMiddleware and AuthenticationMiddleware. A language chosen explicitly in
    this browser (the language cookie set by the language switcher) still wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.preferred_language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class OfficeTimezoneMiddleware:
    """Show times in the office's zone (WIB, WITA or WIT); everything is stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        office = user.office if user.is_authenticated and user.office_id else None
        if office is not None:
            timezone.activate(office.zoneinfo)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


TOUCHED_KEY = "_staff_idle_touched"


class StaffIdleTimeoutMiddleware:
    """Office staff and admins are signed out after PANTAU_STAFF_IDLE_MINUTES without a request
    (they see personal data of a whole region); contractors keep the normal session length.
    Each request restarts the clock (the session is saved with its new expiry)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and (user.office_id or user.is_staff or user.is_superuser):
            # Restart the clock at most once a minute: a session write per request would cost
            # every staff page a query for a precision nobody needs.
            now = int(time.time())
            if now - request.session.get(TOUCHED_KEY, 0) >= 60:
                request.session[TOUCHED_KEY] = now
                request.session.set_expiry(settings.PANTAU_STAFF_IDLE_MINUTES * 60)
        return self.get_response(request)
