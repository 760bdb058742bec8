"""API tokens: created on the tokens page (secret shown once), used, last use recorded at most
once a minute, revoked (401 from then on); each person sees only their own."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import create_api_token

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

TOKENS = "/accounts/tokens/"


def create_on_page(client, name="Sistem ERP"):
    response = client.post(TOKENS, {"name": name})
    assert response.status_code == 200
    match = re.search(r'class="api-token-secret">([^<]+)<', response.content.decode())
    return response, match.group(1) if match else None


def test_the_page_shows_the_secret_once_and_stores_only_its_hash(client, contractor_a_user):
    client.force_login(contractor_a_user)
    _response, secret = create_on_page(client)

    assert secret and secret.startswith("pj_")
    token = ApiToken.objects.get(user=contractor_a_user)
    assert token.name == "Sistem ERP" and secret.startswith(token.prefix)
    assert secret not in token.token_hash
    listing = client.get(TOKENS).content.decode()
    assert "Sistem ERP" in listing and token.prefix in listing and secret not in listing


def test_the_secret_works_until_the_token_is_revoked(
    client, contractor_a_user, project_of_contractor_a
):
    client.force_login(contractor_a_user)
    _response, secret = create_on_page(client)
    api = ApiClient(client, secret)
    assert api.get("/projects").status_code == 200

    token = ApiToken.objects.get(user=contractor_a_user)
    response = client.post(f"{TOKENS}{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None

    response = api.get("/projects")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_unknown_or_malformed_token_is_a_401(client, reference_data):
    for secret in ["pj_not-a-real-token", "something else", "pj_" + "x" * 500]:
        response = ApiClient(client, secret).get("/projects")
        assert response.status_code == 401, secret


def test_a_deactivated_user_s_token_stops_working(client, contractor_a_user):
    _token, secret = create_api_token(user=contractor_a_user, name="ERP")
    contractor_a_user.is_active = False
    contractor_a_user.save()

    assert ApiClient(client, secret).get("/projects").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(client, contractor_a_user):
    token, secret = create_api_token(user=contractor_a_user, name="ERP")
    api = ApiClient(client, secret)
    assert token.last_used_at is None

    with time_machine.travel(timezone.now(), tick=False) as clock:
        api.get("/projects")
        token.refresh_from_db()
        first_use = token.last_used_at
        assert first_use is not None

        clock.shift(timedelta(seconds=30))
        api.get("/projects")
        token.refresh_from_db()
        assert token.last_used_at == first_use

        clock.shift(timedelta(seconds=31))
        api.get("/projects")
        token.refresh_from_db()
        assert token.last_used_at > first_use


def test_a_use_within_the_minute_writes_nothing(
    client, contractor_a_user, django_assert_num_queries
):
    _token, secret = create_api_token(user=contractor_a_user, name="ERP")
    api = ApiClient(client, secret)
    api.get("/contractors")  # records the use
    # token lookup (with its user, office and company), the list itself: no UPDATE.
    with django_assert_num_queries(2):
        assert api.get("/contractors").status_code == 200


def test_another_person_cannot_revoke_my_token(client, contractor_a_user, contractor_b_user):
    token, secret = create_api_token(user=contractor_a_user, name="ERP")
    client.force_login(contractor_b_user)

    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 404
    assert "ERP" not in client.get(TOKENS).content.decode()
    assert ApiClient(client, secret).get("/contractors").status_code == 200


def test_a_live_token_name_is_unique_per_person(client, contractor_a_user):
    client.force_login(contractor_a_user)
    create_on_page(client, "ERP")
    response, secret = create_on_page(client, "erp")

    assert secret is None
    assert (
        "Anda sudah memiliki token dengan nama ini." in response.content.decode()
    )  # in Indonesian


def test_office_staff_have_tokens_too(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    _response, secret = create_on_page(client)

    assert ApiClient(client, secret).get("/projects").status_code == 200


def test_anonymous_is_sent_to_log_in(client, reference_data):
    response = client.get(TOKENS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_menu_links_to_the_tokens_page(client, contractor_a_user):
    client.force_login(contractor_a_user)
    assert f'href="{TOKENS}"' in client.get("/projects/").content.decode()


def test_the_admin_lists_tokens_read_only(client, superuser, contractor_a_user):
    token, _secret = create_api_token(user=contractor_a_user, name="ERP")
    client.force_login(superuser)

    assert "ERP" in client.get("/admin/accounts/apitoken/").content.decode()
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert 'name="name"' not in page
