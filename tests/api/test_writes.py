"""Contractors' writes through the API: the portal's forms and services check them, so an error
is the web page's, as JSON with field-level messages in the caller's language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Registration
from tests import factories
from workers.models import Enrollment

from .conftest import api_for

pytestmark = pytest.mark.django_db


def project_body(**fields):
    return {
        "name": "Rehabilitasi gedung sekolah",
        "owner_name": "Dinas Pendidikan Kota Bekasi",
        "spk_number": "SPK/API/001/2026",
        "spk_date": "2026-03-02",
        "start_date": "2026-03-16",
        "end_date": "2026-08-29",
        "contract_value": "1.250.000.000",
        "includes_ppn": True,
        "funding_source": "apbd_kab",
        "regency": "32.75",
        **fields,
    }


def fields_of(response):
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid_parameters"
    return body["fields"]


def test_contractor_creates_a_project_like_on_the_portal(api_a, contractor_a):
    response = api_a.post("/projects", project_body(district="32.75.01"))

    assert response.status_code == 201, response.content
    project = contractor_a.projects.get()
    body = response.json()
    assert body["id"] == project.pk and body["owner"] == "Dinas Pendidikan Kota Bekasi"
    assert body["regency"] == "32.75" and body["province"] == "32"
    assert body["district"] == "32.75.01"
    assert project.current_base_value < project.contract_value  # before PPN, as on the portal
    assert body["registration_due_on"] == str(project.registration_due_on)
    assert project.needs_evaluation_at is not None  # the engine will look at it


def test_project_errors_are_per_field_in_the_callers_language(client, contractor_a_user):
    api = api_for(client, contractor_a_user, language="id")
    response = api.post(
        "/projects",
        project_body(start_date="2026-02-01", contract_value="banyak", regency="99.99"),
    )

    fields = fields_of(response)
    assert set(fields) >= {"start_date", "contract_value", "regency"}
    assert "SPK" in fields["start_date"][0]  # the form's own rule
    api.language = "en"
    fields = fields_of(api.post("/projects", project_body(start_date="2026-02-01")))
    assert fields["start_date"] == ["The start (SPMK) date cannot be before the SPK date."]


def test_a_badly_typed_body_is_a_400_with_the_field(api_a, reference_data):
    fields = fields_of(api_a.post("/projects", project_body(spk_date="kemarin", status="done")))
    assert fields["spk_date"] == ["Enter a valid date."]
    assert "status" in fields
    missing = fields_of(api_a.post("/projects", {"name": "x"}))
    assert missing["owner_name"] == ["This field is required."]


def test_a_value_or_workforce_beyond_any_project_is_refused_and_nothing_saved(api_a, contractor_a):
    body = project_body(contract_value="9999999999999999", planned_workforce=10**20)

    fields = fields_of(api_a.post("/projects", body))

    assert fields["contract_value"] == ["Enter an amount of at most Rp100,000,000,000,000."]
    assert fields["planned_workforce"] == [
        "The planned workforce cannot be more than 100,000 workers."
    ]
    assert not contractor_a.projects.exists()


def test_a_duplicate_spk_number_of_the_owner_is_refused(api_a, contractor_a):
    assert api_a.post("/projects", project_body()).status_code == 201
    fields = fields_of(api_a.post("/projects", project_body(name="Lain")))
    assert fields["spk_number"] == ["This owner already has a project with this SPK number."]


def test_registration_with_its_first_payment(api_a, project_of_contractor_a):
    response = api_a.post(
        f"/projects/{project_of_contractor_a.pk}/registrations",
        {
            "bpjs_project_number": "2300000000123",
            "registered_on": "2026-03-05",
            "coverage_start": "2026-03-16",
            "coverage_end": "2026-08-29",
            "amount": "1.375.000",
            "paid_on": "2026-03-05",
            "receipt_number": "KW-0001",
        },
    )

    assert response.status_code == 201, response.content
    registration = Registration.objects.get(project=project_of_contractor_a)
    assert response.json()["payments_total"] == "1375000"
    assert response.json()["payments"][0]["receipt_number"] == "KW-0001"
    assert registration.status == Registration.Status.SUBMITTED


def test_registration_payment_needs_all_three_parts(api_a, project_of_contractor_a):
    response = api_a.post(
        f"/projects/{project_of_contractor_a.pk}/registrations",
        {
            "bpjs_project_number": "2300000000123",
            "registered_on": "2026-03-05",
            "coverage_start": "2026-03-16",
            "coverage_end": "2026-03-01",
            "amount": "1375000",
        },
    )

    fields = fields_of(response)
    assert "paid_on" in fields and "receipt_number" in fields
    assert not Registration.objects.exists()


def test_registration_and_payment_dated_after_today_are_refused(api_a, project_of_contractor_a):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api_a.post(
        f"/projects/{project_of_contractor_a.pk}/registrations",
        {
            "bpjs_project_number": "2300000000123",
            "registered_on": tomorrow,
            "coverage_start": "2026-03-16",
            "coverage_end": "2027-08-29",
            "amount": "1375000",
            "paid_on": tomorrow,
            "receipt_number": "KW-0001",
        },
    )

    fields = fields_of(response)
    assert fields["registered_on"] == ["The registration date cannot be later than today."]
    assert fields["paid_on"] == ["The payment date cannot be later than today."]
    assert not Registration.objects.exists()


def test_a_second_live_registration_is_refused(api_a, project_of_contractor_a):
    factories.make_registration(project_of_contractor_a)
    response = api_a.post(
        f"/projects/{project_of_contractor_a.pk}/registrations",
        {
            "bpjs_project_number": "2300000000124",
            "registered_on": "2026-03-05",
            "coverage_start": "2026-03-16",
            "coverage_end": "2026-08-29",
        },
    )

    errors = fields_of(response)
    assert errors["__all__"] == ["This project already has a registration that is not rejected."]


def test_enrollment_and_its_checks(api_a, project_of_contractor_a):
    nik = factories.make_nik()
    path = f"/projects/{project_of_contractor_a.pk}/enrollments"
    response = api_a.post(
        path, {"nik": nik, "full_name": "Budi Santoso", "started_on": "2026-04-01"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["nik"] == nik
    assert Enrollment.objects.filter(project=project_of_contractor_a).count() == 1

    again = fields_of(
        api_a.post(path, {"nik": nik, "full_name": "Budi Santoso", "started_on": "2026-04-02"})
    )
    assert again["__all__"] == ["This worker is already enrolled on this project."]
    renamed = fields_of(
        api_a.post(path, {"nik": nik, "full_name": "Orang Lain", "started_on": "2026-04-02"})
    )
    assert "full_name" in renamed
    bad_nik = fields_of(
        api_a.post(path, {"nik": "123", "full_name": "Siti", "started_on": "2026-04-02"})
    )
    assert "nik" in bad_nik


def test_without_accept_language_errors_follow_the_users_language(client, contractor_a_user):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save(update_fields=["preferred_language"])
    api = api_for(client, contractor_a_user, language=None)

    fields = fields_of(api.post("/projects", project_body(start_date="2026-02-01")))
    assert fields["start_date"] == ["The start (SPMK) date cannot be before the SPK date."]

    contractor_a_user.preferred_language = "id"
    contractor_a_user.save(update_fields=["preferred_language"])
    fields = fields_of(api.post("/projects", project_body(start_date="2026-02-01")))
    assert fields["start_date"] != ["The start (SPMK) date cannot be before the SPK date."]


@pytest.mark.parametrize("district", ["63.10.01", "32.75.99"])
def test_a_kecamatan_outside_the_kab_kota_or_unknown_is_refused_on_its_field(api_a, district):
    from projects.models import Project

    response = api_a.post("/projects", project_body(district=district))

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["district"] == [
        "Choose a district of the regency/city chosen."
    ]
    assert not Project.objects.exists()
