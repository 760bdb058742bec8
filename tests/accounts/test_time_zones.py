"""'Today' and the times shown follow the user's zone: the office's setting, or for a contractor
the zone of its company's kab/kota (Kota Bekasi WIB, Kabupaten Tanah Bumbu WITA)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.services import create_api_token
from reference.zones import WIB, WIT, WITA, zone_name
from tests import factories

pytestmark = pytest.mark.django_db

# 00:30 on 12 March in WITA, still 23:30 on 11 March in WIB.
AFTER_MIDNIGHT_IN_WITA = datetime(2026, 3, 11, 16, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "zone"),
    [("32.75", WIB), ("11", WIB), ("61.71", WIB), ("51.71", WITA), ("63.10", WITA),
     ("73.71.01", WITA), ("81.71", WIT), ("94.01", WIT), ("96", WIT)],
)  # fmt: skip
def test_each_province_has_its_zone(code, zone):
    assert zone_name(code) == zone


def _pay(client, registration, paid_on):
    return client.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {"kind": "full", "amount": "1.375.000", "paid_on": paid_on, "receipt_number": "K-77"},
    )


@time_machine.travel(AFTER_MIDNIGHT_IN_WITA, tick=False)
def test_a_contractor_in_wita_records_a_payment_of_its_own_today(
    client, contractor_a, contractor_b, project_of_contractor_b
):
    tanbu = factories.make_contractor_user("kontraktor.tanbu", contractor=contractor_b)
    registration = factories.make_registration(project_of_contractor_b, paid=False)
    client.force_login(tanbu)

    response = _pay(client, registration, "2026-03-12")

    assert response.status_code == 302
    assert registration.payments.get().paid_on == date(2026, 3, 12)


@time_machine.travel(AFTER_MIDNIGHT_IN_WITA, tick=False)
def test_the_same_date_is_still_tomorrow_for_a_contractor_in_wib(
    client, contractor_a, project_of_contractor_a, contractor_a_user
):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    client.force_login(contractor_a_user)

    response = _pay(client, registration, "2026-03-12")

    assert response.status_code == 200
    assert "paid_on" in response.context["form"].errors
    assert not registration.payments.exists()


@time_machine.travel(AFTER_MIDNIGHT_IN_WITA, tick=False)
def test_a_contractor_in_wita_sees_times_in_wita_on_the_web(
    client, contractor_b, project_of_contractor_b
):
    tanbu = factories.make_contractor_user("kontraktor.tanbu", contractor=contractor_b)
    client.force_login(tanbu)
    client.post(
        reverse("projects:note_create", args=[project_of_contractor_b.pk]), {"text": "Dicek"}
    )

    page = client.get(project_of_contractor_b.get_absolute_url()).content.decode()

    assert "12 Mar 2026 00:30 WITA" in page


@time_machine.travel(AFTER_MIDNIGHT_IN_WITA, tick=False)
@pytest.mark.parametrize(("who", "expected"), [("tanbu", 201), ("bekasi", 400)])
def test_the_api_takes_today_in_the_contractors_zone(
    client, contractor_a, contractor_b, who, expected
):
    contractor = contractor_b if who == "tanbu" else contractor_a
    project = factories.make_project(contractor=contractor, regency=contractor.regency.code)
    user = factories.make_contractor_user(f"api.{who}", contractor=contractor)
    _token, secret = create_api_token(user=user, name="ERP")
    body = {
        "bpjs_project_number": "2400000000077",
        "registered_on": "2026-03-12",
        "coverage_start": "2026-03-12",
        "coverage_end": "2026-12-31",
    }

    response = client.post(
        f"/api/v1/projects/{project.pk}/registrations",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert response.status_code == expected, response.content


def test_an_office_takes_the_zone_of_its_region(reference_data):

    from accounts.models import Office
    from reference.models import Region

    # Nothing to set or get wrong: the zone is read from the region.
    for code, zone in [("63.10", WITA), ("32.75", WIB), ("32", WIB), ("94.01", WIT)]:
        office = Office(name="Disnaker", region=Region.objects.get(code=code))
        assert office.zoneinfo.key == zone
