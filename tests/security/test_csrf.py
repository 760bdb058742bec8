"""CSRF is enforced on every view that a logged-in browser can post to.

Every URL pattern of the project (the same walk as the access matrix) gets a POST without a
token from a browser logged in as a persona who may use it: CsrfViewMiddleware answers 403
before the view runs. The only exempt views are the JSON API's (django-ninja marks its views
csrf_exempt and checks CSRF itself for cookie authentication): an API operation may be
exempt only when it is not authenticated by the session cookie, or when its cookie
authentication keeps ninja's own CSRF check (APIKeyCookie/SessionAuth with csrf=True).
"""

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import RequestFactory
from django.urls import reverse
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, SessionAuth

from config.api import api

from .patterns import url_patterns
from .test_access_matrix import MATRIX, OK

# Who posts to a page without parameters: the office pages as an office, the rest as a
# contractor (CsrfViewMiddleware answers before the view, but the test posts as a real user).
OFFICE_PREFIXES = ("office/", "accounts/contractors/")


def poster(pattern) -> str:
    if pattern.name in MATRIX:
        allowed = MATRIX[pattern.name].post
        for persona in ("contractor_a", "office_a", "province", "anonymous"):
            if allowed[persona] == OK:
                return persona
        return "contractor_a"  # a POST-less view (GET only): posted as its owner
    return "office_a" if pattern.route.startswith(OFFICE_PREFIXES) else "contractor_a"


def url_of(pattern, objects) -> str:
    if pattern.name in MATRIX:
        return MATRIX[pattern.name].url(objects)
    return "/" + pattern.route


PATTERNS = url_patterns()


@pytest.mark.parametrize(
    "pattern",
    [p for p in PATTERNS if not getattr(p.callback, "csrf_exempt", False)],
    ids=lambda p: p.name,
)
def test_a_post_without_a_csrf_token_is_refused(in_world, pattern):
    client = in_world.client(poster(pattern), enforce_csrf_checks=True)
    response = client.post(url_of(pattern, in_world.objects), {"text": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


def test_a_post_with_the_token_goes_through(in_world):
    client = in_world.client("contractor_a", enforce_csrf_checks=True)
    url = reverse("projects:note_create", args=[in_world.objects["project"].pk])
    client.get(reverse("projects:detail", args=[in_world.objects["project"].pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"text": "Sudah dicek.", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_only_the_api_is_exempt_from_csrf():
    exempt = [p.name for p in PATTERNS if getattr(p.callback, "csrf_exempt", False)]
    assert exempt, "the API's views are expected to be csrf_exempt (ninja)"
    assert all(p.is_api for p in PATTERNS if p.name in exempt), exempt


def test_no_api_operation_is_authenticated_by_cookie_without_a_csrf_check():
    api.urls  # noqa: B018 (binds the routers)
    unsafe = []
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            for operation in view.operations:
                for auth in operation.auth_callbacks:
                    by_cookie = isinstance(auth, APIKeyCookie)
                    if by_cookie and (not auth.csrf or operation.csrf_exempt):
                        unsafe.append(f"{operation.methods} {path}")
    assert not unsafe, f"cookie-authenticated API operations without CSRF: {unsafe}"


def test_ninjas_session_authentication_refuses_a_post_without_a_token():
    """What the rule above relies on: ninja's cookie authentication checks CSRF by itself,
    though its Django views are csrf_exempt."""
    request = RequestFactory().post("/api/v1/anything")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    request.COOKIES[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    with pytest.raises(HttpError) as refusal:
        SessionAuth()(request)
    assert refusal.value.status_code == 403
