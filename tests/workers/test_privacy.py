"""NIKs in full only for those who need them (workers.privacy): the contractor's users and
labour-office editors on the pages; masked (3275********0001) for read-only staff, BPJS
branches, inspectorates, in the admin's lists and in every export an office downloads."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Office, User
from tests import factories
from workers.privacy import display_nik, mask_nik
from workers.services import enroll_worker

pytestmark = pytest.mark.django_db

NIK = "3275011708900001"
MASKED = "3275********0001"


@pytest.fixture
def enrollment(project_of_contractor_a):
    return enroll_worker(
        project=project_of_contractor_a,
        nik=NIK,
        full_name="Budi Santoso",
        started_on=date(2026, 4, 1),
    )


@pytest.fixture
def bpjs_branch_user(reference_data):
    return factories.make_office_user(
        "bpjs.bekasi", region_code="32.75", kind=Office.Kind.BPJS_BRANCH, name="BPJS Bekasi"
    )


def list_page(client, user, project) -> str:
    client.force_login(user)
    return client.get(reverse("workers:list", args=[project.pk])).content.decode()


def test_the_mask_keeps_the_first_and_last_four_digits():
    assert mask_nik(NIK) == MASKED
    assert mask_nik("") == ""


@pytest.mark.parametrize("persona", ["contractor_a_user", "bekasi_office_user", "superuser"])
def test_the_contractor_an_office_editor_and_admins_see_the_full_nik_on_the_list(
    client, request, enrollment, persona
):
    page = list_page(client, request.getfixturevalue(persona), enrollment.project)
    assert NIK in page


def test_a_bpjs_branch_sees_the_masked_nik(client, bpjs_branch_user, enrollment):
    page = list_page(client, bpjs_branch_user, enrollment.project)
    assert MASKED in page
    assert NIK not in page


def test_read_only_office_staff_see_the_masked_nik(client, bekasi_readonly_user, enrollment):
    page = list_page(client, bekasi_readonly_user, enrollment.project)
    assert MASKED in page
    assert NIK not in page


def test_a_read_only_labour_office_user_sees_the_masked_nik(reference_data):
    user = factories.make_office_user(
        "staf.bekasi", region_code="32.75", role=User.OfficeRole.READ_ONLY
    )
    assert display_nik(NIK, user) == MASKED


def exported_niks(client, user, project, file_format) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("workers:export", args=[project.pk, file_format]))
    assert response.status_code == 200
    if file_format == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_contractors_export_keeps_full_niks_so_it_can_be_imported_again(
    client, contractor_a_user, enrollment, file_format
):
    assert exported_niks(client, contractor_a_user, enrollment.project, file_format) == [NIK]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_offices_export_masks_the_niks_even_for_an_editor(
    client, bekasi_office_user, enrollment, file_format
):
    niks = exported_niks(client, bekasi_office_user, enrollment.project, file_format)
    assert niks == [MASKED]


def test_the_workers_name_in_the_admin_and_elsewhere_carries_the_masked_nik(enrollment):
    assert str(enrollment.worker) == f"Budi Santoso ({MASKED})"
