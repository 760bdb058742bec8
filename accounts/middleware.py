"""Per-user language and time zone; the staff idle timeout."""

import time

from django.conf import settings
from django.utils import timezone, translation

from reference.zones import zone_of


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


class UserTimezoneMiddleware:
    """Show times, and take "today", in the user's zone (WIB, WITA or WIT): the office's own
    setting, or for a contractor the zone of its company's kab/kota (reference.zones).
    Everything is stored in UTC; others get the default zone, WIB."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = user_zone(request.user)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def user_zone(user):
    """The zone a signed-in user works in, or None for the default."""
    if not user.is_authenticated:
        return None
    if user.office_id:
        return user.office.zoneinfo
    membership = getattr(user, "contractor_membership", None)
    if membership is not None and membership.contractor.regency_id:
        return zone_of(membership.contractor.regency.code)
    return None


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
