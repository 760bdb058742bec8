"""Authentication of the JSON API: a personal token in `Authorization: Bearer <token>`.

Token only, never the session cookie: a page in the browser cannot make the API write on the
user's behalf, so CSRF does not apply to the API.
"""

from django.utils import timezone, translation
from ninja.security import HttpBearer

from .middleware import user_zone
from .services import authenticate_api_token


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        api_token = authenticate_api_token(token, now=timezone.now())
        if api_token is None:
            return None  # -> 401 in the API's error shape (config.api)
        user = api_token.user
        # Acts as its user: scope, history records, and the user's language unless the
        # request asks for one (Accept-Language wins, as on the web the language cookie does).
        request.user = user
        # "Today" and times in the user's zone, as on the web (UserTimezoneMiddleware resets it).
        if (zone := user_zone(user)) is not None:
            timezone.activate(zone)
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return api_token
