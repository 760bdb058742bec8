"""/readyz: 200 when the database and the broker answer, 503 naming the one that does not."""

import time

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_readyz_is_ok_on_the_configured_database_and_broker(client, django_assert_num_queries):
    # Its checks use connections of their own: none of the request's queries, nothing written.
    with django_assert_num_queries(0):
        response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "sessionid" not in response.cookies


@pytest.mark.services("postgres", "redis")
def test_readyz_is_ok_on_real_postgresql_and_redis(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    response = client.get(reverse("readyz"))
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_a_broker_that_does_not_answer_makes_readyz_503_quickly(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get(reverse("readyz"))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


def test_the_embedded_broker_is_ready_only_when_its_queue_folder_is_writable(
    client, settings, tmp_path
):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "queue")}
    assert client.get(reverse("readyz")).json()["broker"] == "ok"
    (tmp_path / "a-file").write_text("")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "a-file" / "q")}
    assert client.get(reverse("readyz")).json()["broker"] == "unavailable"


def test_a_database_that_does_not_answer_makes_readyz_503(client, monkeypatch, tmp_path):
    # Points the check's own connection elsewhere; the test's open connection is untouched.
    if connection.vendor == "postgresql":
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    else:
        monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "no" / "db.sqlite3"))
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_readyz_needs_no_login_and_no_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
