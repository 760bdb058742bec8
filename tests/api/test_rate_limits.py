"""Rate limits: per token and per address without one, counted in the configured cache
(Redis with REDIS_URL); past the limit a 429 in the error shape with Retry-After."""

import pytest
from django.core.cache import cache

from .conftest import ApiClient, api_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    """The anonymous counter is per address (127.0.0.1 in tests): start from zero."""
    cache.delete("throttle_anon_127.0.0.1")
    yield
    cache.delete("throttle_anon_127.0.0.1")


def test_a_token_past_its_rate_gets_429_with_retry_after(client, contractor_a_user, settings):
    settings.PANTAU_API_RATE_TOKEN = "3/min"
    api = api_for(client, contractor_a_user)

    assert [api.get("/contractors").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/contractors")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_count(client, contractor_a_user, contractor_b_user, settings):
    settings.PANTAU_API_RATE_TOKEN = "2/min"
    api_a, api_b = api_for(client, contractor_a_user), api_for(client, contractor_b_user)
    api_a.get("/contractors"), api_a.get("/contractors")

    assert api_a.get("/contractors").status_code == 429
    assert api_b.get("/contractors").status_code == 200


def test_calls_without_a_token_have_a_lower_limit(client, reference_data, settings):
    settings.PANTAU_API_RATE_ANONYMOUS = "2/min"
    api = ApiClient(client)
    params = {"contract_value": "750000000"}

    assert [api.get("/contribution", params).status_code for _ in range(2)] == [200, 200]
    response = api.get("/contribution", params)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_the_portals_form_is_not_limited_for_signed_in_people(client, contractor_a_user, settings):
    """The project form's contribution preview calls the public endpoint as the person types."""
    settings.PANTAU_API_RATE_ANONYMOUS = "2/min"
    client.force_login(contractor_a_user)
    api = ApiClient(client)
    params = {"contract_value": "750000000"}

    assert {api.get("/contribution", params).status_code for _ in range(4)} == {200}
