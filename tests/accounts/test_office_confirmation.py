"""The labour office confirms companies of its region that signed up."""

import pytest
from django.urls import reverse

from accounts import services
from projects.models import Contractor
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "accounts:contractor_confirmations"


@pytest.fixture
def signed_up_in_bekasi(reference_data):
    return factories.make_contractor(
        name="PT Baru Bekasi", regency="32.75", source=Contractor.Source.SIGN_UP
    )


@pytest.fixture
def signed_up_in_tanbu(reference_data):
    return factories.make_contractor(
        name="CV Baru Batulicin", regency="63.10", source=Contractor.Source.SIGN_UP
    )


def confirm(client, contractor):
    return client.post(reverse("accounts:contractor_confirm", args=[contractor.pk]))


def test_the_office_lists_unconfirmed_companies_of_its_region_only(
    client,
    bekasi_office_user,
    signed_up_in_bekasi,
    signed_up_in_tanbu,
    django_assert_max_num_queries,
):
    confirmed = factories.make_contractor(name="PT Sudah Dikonfirmasi", regency="32.75")
    services.confirm_contractor(
        contractor=confirmed, by=bekasi_office_user, now=confirmed.created_at
    )
    client.force_login(bekasi_office_user)
    with django_assert_max_num_queries(10):
        page = client.get(reverse(LIST)).content.decode()
    assert "PT Baru Bekasi" in page
    assert "CV Baru Batulicin" not in page
    assert "PT Sudah Dikonfirmasi" not in page


def test_the_bekasi_office_confirms_a_bekasi_company(
    client, bekasi_office_user, signed_up_in_bekasi
):
    client.force_login(bekasi_office_user)
    response = confirm(client, signed_up_in_bekasi)
    assert response["Location"] == reverse(LIST)
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_at is not None
    assert signed_up_in_bekasi.confirmed_by == bekasi_office_user
    confirm_url = reverse("accounts:contractor_confirm", args=[signed_up_in_bekasi.pk])
    assert confirm_url not in client.get(reverse(LIST)).content.decode()


def test_a_second_confirmation_keeps_the_first(
    client, bekasi_office_user, jabar_office_user, signed_up_in_bekasi
):
    client.force_login(bekasi_office_user)
    confirm(client, signed_up_in_bekasi)
    client.force_login(jabar_office_user)  # the province sees its kab/kota
    confirm(client, signed_up_in_bekasi)
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_by == bekasi_office_user


def test_the_province_office_confirms_in_its_kab_kota(
    client, jabar_office_user, signed_up_in_bekasi
):
    client.force_login(jabar_office_user)
    assert "PT Baru Bekasi" in client.get(reverse(LIST)).content.decode()
    confirm(client, signed_up_in_bekasi)
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_by == jabar_office_user


def test_another_regions_office_gets_404(client, tanbu_office_user, signed_up_in_bekasi):
    client.force_login(tanbu_office_user)
    assert confirm(client, signed_up_in_bekasi).status_code == 404
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_at is None


def test_the_read_only_office_sees_but_cannot_confirm(
    client, bekasi_readonly_user, signed_up_in_bekasi
):
    client.force_login(bekasi_readonly_user)
    page = client.get(reverse(LIST)).content.decode()
    assert "PT Baru Bekasi" in page
    assert reverse("accounts:contractor_confirm", args=[signed_up_in_bekasi.pk]) not in page
    assert confirm(client, signed_up_in_bekasi).status_code == 403
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_at is None


def test_a_contractor_cannot_confirm_even_its_own_company(client, contractor_a_user, contractor_a):
    client.force_login(contractor_a_user)
    assert client.get(reverse(LIST)).status_code == 403
    assert confirm(client, contractor_a).status_code == 403
    contractor_a.refresh_from_db()
    assert contractor_a.confirmed_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, signed_up_in_bekasi):
    for response in (client.get(reverse(LIST)), confirm(client, signed_up_in_bekasi)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    signed_up_in_bekasi.refresh_from_db()
    assert signed_up_in_bekasi.confirmed_at is None


def test_confirming_answers_only_post(client, bekasi_office_user, signed_up_in_bekasi):
    client.force_login(bekasi_office_user)
    response = client.get(reverse("accounts:contractor_confirm", args=[signed_up_in_bekasi.pk]))
    assert response.status_code == 405


def test_a_superuser_confirms_anywhere(client, superuser, signed_up_in_tanbu):
    client.force_login(superuser)
    confirm(client, signed_up_in_tanbu)
    signed_up_in_tanbu.refresh_from_db()
    assert signed_up_in_tanbu.confirmed_by == superuser


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_list_renders_in_both_languages(
    client, bekasi_office_user, signed_up_in_bekasi, language
):
    client.force_login(bekasi_office_user)
    response = client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
