"""The kecamatan of a kab/kota: public reference data, read by the project form's script."""

import pytest

from reference.models import Region

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_kecamatan_of_a_kab_kota_in_name_order(client, reference_data):
    response = ApiClient(client).get("/regions/32.75/districts")

    assert response.status_code == 200
    body = response.json()
    expected = Region.objects.districts().filter(parent__code="32.75").order_by("name", "code")
    assert body == [{"code": r.code, "name": r.name} for r in expected]
    assert len(body) == 12  # Kota Bekasi's twelve kecamatan
    assert all(district["code"].startswith("32.75.") for district in body)


def test_an_unknown_kab_kota_is_not_found(client, reference_data):
    response = ApiClient(client).get("/regions/99.99/districts")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("code", ["32", "32.75.01", "bekasi"])
def test_a_code_that_is_not_a_kab_kota_code_is_refused(client, reference_data, code):
    response = ApiClient(client).get(f"/regions/{code}/districts")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]
