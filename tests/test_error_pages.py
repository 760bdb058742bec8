"""Error pages speak the user's language and keep the site's frame: a 404 for another tenant's
object (the access rule of every page), a 403 with its reason, the CSRF failure after a form
went stale, and the 500 page, which needs neither the database nor the session."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from config.views import server_error

pytestmark = pytest.mark.django_db


def test_another_companys_project_is_a_404_page_in_indonesian(
    client, contractor_a_user, project_of_contractor_b
):
    client.force_login(contractor_a_user)

    response = client.get(reverse("projects:detail", args=[project_of_contractor_b.pk]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "Halaman tidak ditemukan" in page
    assert "milik perusahaan atau wilayah lain" in page
    assert project_of_contractor_b.name not in page
    assert reverse("projects:list") in page  # the signed-in user's menu is there


def test_the_404_page_follows_a_user_who_chose_english(
    client, contractor_a_user, project_of_contractor_b
):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save(update_fields=["preferred_language"])
    client.force_login(contractor_a_user)

    response = client.get(reverse("projects:detail", args=[project_of_contractor_b.pk]))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_403_page_says_why(client, contractor_a_user):
    client.force_login(contractor_a_user)

    response = client.get(reverse("monitoring:dashboard"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Tidak diizinkan" in page
    assert "Halaman ini untuk petugas dinas ketenagakerjaan dan BPJS." in page


def test_a_stale_form_gets_a_csrf_page_in_indonesian():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert "Formulir sudah kedaluwarsa" in response.content.decode()


def test_the_500_page_renders_without_database_or_session(django_assert_num_queries):
    request = RequestFactory().get("/office/")  # no user, no session: they may be what failed
    request.id = "3f2b9c"
    with translation.override("id"), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.content.decode()
    assert "3f2b9c" in response.content.decode()


@pytest.mark.urls("tests.crashing_urls")
def test_a_crash_answers_the_500_page_with_the_reference_its_logs_carry():
    client = Client(raise_request_exception=False)

    response = client.get("/crash/")

    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()  # the id of the log lines
    assert "Rujukan untuk administrator Anda" in response.content.decode()
