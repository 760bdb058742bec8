"""Each persona's scope through the API is the web pages': a contractor its own company's data,
an office its region; another tenant's object is a 404; no token is a 401."""

import pytest

from compliance.models import ComplianceFlag
from tests import factories
from workers.services import enroll_worker

pytestmark = pytest.mark.django_db

LISTS = ["/projects", "/contractors", "/registrations", "/enrollments", "/flags"]


@pytest.fixture
def world(project_of_contractor_a, tanbu_project_of_contractor_a, project_of_contractor_b):
    """Contractor A: a project in Bekasi and one in Tanah Bumbu; contractor B: one in Tanah
    Bumbu. Each project has a registration, an enrollment and an open flag."""
    projects = [project_of_contractor_a, tanbu_project_of_contractor_a, project_of_contractor_b]
    objects = {}
    for project in projects:
        objects[project.pk] = {
            "registration": factories.make_registration(project),
            "enrollment": enroll_worker(
                project=project,
                nik=factories.make_nik(),
                full_name="Budi Santoso",
                started_on=project.start_date,
            ),
            "flag": ComplianceFlag.objects.create(
                project=project, rule="no_workers", severity="warning", opened_at=project.created_at
            ),
        }
    return objects


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def test_contractor_lists_only_its_own_company(api_a, world, contractor_a, project_of_contractor_b):
    own = {pk for pk in world if pk != project_of_contractor_b.pk}
    assert ids(api_a.get("/projects")) == own
    assert ids(api_a.get("/contractors")) == {contractor_a.pk}
    assert ids(api_a.get("/registrations")) == {world[pk]["registration"].pk for pk in own}
    assert ids(api_a.get("/enrollments")) == {world[pk]["enrollment"].pk for pk in own}
    assert ids(api_a.get("/flags")) == {world[pk]["flag"].pk for pk in own}


def test_other_contractors_objects_are_404(api_b, world, project_of_contractor_a, contractor_a):
    theirs = world[project_of_contractor_a.pk]
    for path in [
        f"/projects/{project_of_contractor_a.pk}",
        f"/contractors/{contractor_a.pk}",
        f"/registrations/{theirs['registration'].pk}",
        f"/enrollments/{theirs['enrollment'].pk}",
        f"/flags/{theirs['flag'].pk}",
    ]:
        response = api_b.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_contractor_cannot_write_to_another_companys_project(api_b, project_of_contractor_a):
    enrollment = {"nik": factories.make_nik(), "full_name": "Siti", "started_on": "2026-04-01"}
    registration = {
        "bpjs_project_number": "2300000000999",
        "registered_on": "2026-03-05",
        "coverage_start": "2026-03-16",
        "coverage_end": "2026-08-29",
    }
    pk = project_of_contractor_a.pk
    assert api_b.post(f"/projects/{pk}/enrollments", enrollment).status_code == 404
    assert api_b.post(f"/projects/{pk}/registrations", registration).status_code == 404
    assert not project_of_contractor_a.enrollments.exists()
    assert not project_of_contractor_a.registrations.exists()


def test_office_reads_its_region_only(
    api_bekasi, world, project_of_contractor_a, tanbu_project_of_contractor_a, contractor_a
):
    assert ids(api_bekasi.get("/projects")) == {project_of_contractor_a.pk}
    assert ids(api_bekasi.get("/flags")) == {world[project_of_contractor_a.pk]["flag"].pk}
    assert ids(api_bekasi.get("/contractors")) == {contractor_a.pk}
    assert api_bekasi.get(f"/projects/{tanbu_project_of_contractor_a.pk}").status_code == 404
    assert api_bekasi.get(f"/projects/{project_of_contractor_a.pk}").json()["regency"] == "32.75"


def test_province_office_reads_every_regency_of_the_province(
    client, jabar_office_user, world, project_of_contractor_a
):
    from .conftest import api_for

    api = api_for(client, jabar_office_user)
    assert ids(api.get("/projects")) == {project_of_contractor_a.pk}


def test_office_cannot_write(api_bekasi, project_of_contractor_a):
    body = {"nik": factories.make_nik(), "full_name": "Siti", "started_on": "2026-04-01"}
    response = api_bekasi.post(f"/projects/{project_of_contractor_a.pk}/enrollments", body)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not project_of_contractor_a.enrollments.exists()


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_gets_401_in_the_error_shape(api_anonymous, path):
    response = api_anonymous.get(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_session_cookie_is_not_enough(client, contractor_a_user, project_of_contractor_a):
    """Token only: a logged-in browser cannot be made to read or write through the API."""
    client.force_login(contractor_a_user)

    assert client.get("/api/v1/projects").status_code == 401
    response = client.post(
        f"/api/v1/projects/{project_of_contractor_a.pk}/enrollments",
        {"nik": factories.make_nik(), "full_name": "Siti", "started_on": "2026-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_the_contribution_calculator_stays_public(api_anonymous, reference_data):
    assert api_anonymous.get("/contribution", {"contract_value": "750000000"}).status_code == 200


def test_filters_narrow_the_list(api_a, world, project_of_contractor_a):
    in_bekasi = api_a.get("/projects", {"regency": "32.75"})
    assert ids(in_bekasi) == {project_of_contractor_a.pk}
    flags = api_a.get("/projects", {"rule": "no_workers", "status": "planned"})
    assert project_of_contractor_a.pk in ids(flags)
    assert ids(api_a.get("/projects", {"rule": "unregistered"})) == set()
    assert ids(api_a.get("/flags", {"is_open": "false"})) == set()


@pytest.mark.parametrize(
    "since",
    # Found by the fuzz test: offsets PostgreSQL refuses, and dates at the calendar's edges.
    ["0400-04-10T12:10:32+16:57", "0001-01-01T00:00:00-05:00", "2026-01-01T00:00:00"],
)
def test_updated_since_takes_any_iso_moment(api_a, project_of_contractor_a, since):
    response = api_a.get("/projects", {"updated_since": since})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert ids(response) == {project_of_contractor_a.pk}


def test_updated_since_leaves_out_older_rows(api_a, project_of_contractor_a):
    later = project_of_contractor_a.updated_at.isoformat().replace("+00:00", "Z")
    assert ids(api_a.get("/projects", {"updated_since": later})) == {project_of_contractor_a.pk}
    assert ids(api_a.get("/projects", {"updated_since": "2999-01-01T00:00:00+07:00"})) == set()


def test_a_token_write_needs_no_csrf_token(contractor_a_user, project_of_contractor_a):
    from django.test import Client

    from .conftest import ApiClient, api_for

    api = api_for(Client(enforce_csrf_checks=True), contractor_a_user)
    assert isinstance(api, ApiClient)
    body = {"nik": factories.make_nik(), "full_name": "Siti Aminah", "started_on": "2026-04-01"}
    response = api.post(f"/projects/{project_of_contractor_a.pk}/enrollments", body)

    assert response.status_code == 201, response.content
