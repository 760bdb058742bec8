"""API personas: a token for each of tests/conftest.py's users, and a client that sends it."""

import pytest

from accounts.services import create_api_token


class ApiClient:
    """Django's test client with a bearer token and JSON bodies."""

    def __init__(self, client, secret=None, language="en"):
        self.client, self.secret, self.language = client, secret, language

    def _headers(self):
        headers = {"HTTP_ACCEPT_LANGUAGE": self.language} if self.language else {}
        if self.secret:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.secret}"
        return headers

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self._headers())

    def post(self, path, body):
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", **self._headers()
        )


def api_for(client, user, **kwargs):
    _token, secret = create_api_token(user=user, name="ERP")
    return ApiClient(client, secret, **kwargs)


@pytest.fixture
def api_a(client, contractor_a_user):
    return api_for(client, contractor_a_user)


@pytest.fixture
def api_b(client, contractor_b_user):
    return api_for(client, contractor_b_user)


@pytest.fixture
def api_bekasi(client, bekasi_office_user):
    return api_for(client, bekasi_office_user)


@pytest.fixture
def api_anonymous(client):
    return ApiClient(client)
