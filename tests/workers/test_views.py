"""The workers pages as contractor A (owner), contractor B (another company), an anonymous
visitor and the labour offices: every URL, scoping by 404, bounded queries."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from tests import factories
from workers.models import Enrollment, ImportJob, Worker
from workers.services import create_import_job, enroll_worker

from .conftest import corpus_file

pytestmark = pytest.mark.django_db


def english(client, user):
    user.preferred_language = "en"
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def enrollment(project_of_contractor_a):
    return enroll_worker(
        project=project_of_contractor_a,
        nik="3275011708900001",
        full_name="Budi Santoso",
        started_on=date(2026, 9, 1),
    )


@pytest.fixture
def job(project_of_contractor_a, contractor_a_user):
    return create_import_job(
        project=project_of_contractor_a,
        upload=corpus_file("utf8_bom_comma.csv"),
        user=contractor_a_user,
        language="en",
    )


def urls_of(project, enrollment, job):
    """Every workers URL that names an object of contractor A, with the method to use."""
    return [
        ("get", reverse("workers:list", args=[project.pk])),
        ("get", reverse("workers:add", args=[project.pk])),
        ("post", reverse("workers:add", args=[project.pk])),
        ("get", reverse("workers:import", args=[project.pk])),
        ("post", reverse("workers:import", args=[project.pk])),
        ("get", reverse("workers:export", args=[project.pk, "csv"])),
        ("get", reverse("workers:export", args=[project.pk, "xlsx"])),
        ("get", reverse("workers:end", args=[enrollment.pk])),
        ("post", reverse("workers:end", args=[enrollment.pk])),
        ("get", reverse("workers:import_detail", args=[job.pk])),
        ("post", reverse("workers:import_confirm", args=[job.pk])),
        ("get", reverse("workers:import_status", args=[job.pk])),
    ]


def test_another_company_gets_404_on_every_url_of_contractor_a(
    client, contractor_b_user, project_of_contractor_a, enrollment, job
):
    client.force_login(contractor_b_user)
    for method, url in urls_of(project_of_contractor_a, enrollment, job):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    # Nothing changed: the enrollment is still active, the import still waits.
    enrollment.refresh_from_db()
    job.refresh_from_db()
    assert enrollment.ended_on is None
    assert job.status == ImportJob.Status.CHECKED


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_url(
    client, project_of_contractor_a, enrollment, job
):
    urls = urls_of(project_of_contractor_a, enrollment, job)
    urls.append(("get", reverse("workers:import_template", args=["csv"])))
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_the_regions_office_sees_the_workers_and_the_import_and_a_read_only_one_changes_nothing(
    client, bekasi_office_user, bekasi_readonly_user, project_of_contractor_a, enrollment, job
):
    for user in (bekasi_office_user, bekasi_readonly_user):
        client.force_login(user)
        assert (
            client.get(reverse("workers:list", args=[project_of_contractor_a.pk])).status_code
            == 200
        )
        assert client.get(job.get_absolute_url()).status_code == 200
    # Read-only: the change URLs do not exist for it.
    assert client.get(reverse("workers:add", args=[project_of_contractor_a.pk])).status_code == 404
    assert client.post(reverse("workers:end", args=[enrollment.pk])).status_code == 404
    assert client.post(reverse("workers:import_confirm", args=[job.pk])).status_code == 404


def test_an_office_of_another_region_gets_404(
    client, tanbu_office_user, project_of_contractor_a, job
):
    client.force_login(tanbu_office_user)
    assert client.get(reverse("workers:list", args=[project_of_contractor_a.pk])).status_code == 404
    assert client.get(job.get_absolute_url()).status_code == 404


def test_the_list_shows_active_then_ended_workers_with_links(
    client, contractor_a_user, project_of_contractor_a, enrollment
):
    ended = enroll_worker(
        project=project_of_contractor_a,
        nik="3275015708900002",
        full_name="Siti Aminah",
        started_on=date(2026, 9, 1),
    )
    ended.ended_on = date(2026, 9, 30)
    ended.save()
    page = (
        english(client, contractor_a_user)
        .get(reverse("workers:list", args=[project_of_contractor_a.pk]))
        .content.decode()
    )
    assert page.index("Budi Santoso") < page.index("Siti Aminah")
    assert "1 worker enrolled now." in page
    for name in ("workers:add", "workers:import"):
        assert reverse(name, args=[project_of_contractor_a.pk]) in page
    assert reverse("workers:export", args=[project_of_contractor_a.pk, "xlsx"]) in page


def test_the_list_needs_the_same_number_of_queries_for_5_or_60_workers(
    client, contractor_a_user, project_of_contractor_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(contractor_a_user)
    url = reverse("workers:list", args=[project_of_contractor_a.pk])
    counts = []
    for total in (5, 60):
        for serial in range(len(counts) * 5, total):
            worker = factories.make_worker(nik=factories.make_nik(serial=1000 + serial))
            Enrollment.objects.create(
                project=project_of_contractor_a, worker=worker, started_on=date(2026, 9, 1)
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get(url + "?page=2")


def test_a_contractor_adds_a_worker(client, contractor_a_user, project_of_contractor_a):
    response = english(client, contractor_a_user).post(
        reverse("workers:add", args=[project_of_contractor_a.pk]),
        {
            "nik": "3275 0117 0890 0001",
            "full_name": "Budi Santoso",
            "employment_type": "harian_lepas",
            "started_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.worker.nik == "3275011708900001"
    assert enrollment.worker.birth_date == date(1990, 8, 17)
    assert enrollment.created_by == contractor_a_user
    project_of_contractor_a.refresh_from_db()
    assert project_of_contractor_a.needs_evaluation_at is not None


def test_a_worker_cannot_start_before_the_projects_spk(
    client, contractor_a_user, project_of_contractor_a
):
    response = english(client, contractor_a_user).post(
        reverse("workers:add", args=[project_of_contractor_a.pk]),
        {
            "nik": "3275 0117 0890 0001",
            "full_name": "Budi Santoso",
            "employment_type": "harian_lepas",
            "started_on": "2019-01-07",
            "planned_end_on": "2035-12-31",
        },
    )
    assert response.status_code == 200
    assert (
        "The start cannot be before the project&#x27;s SPK date (2 March 2026)."
        in response.content.decode()
    )
    assert 'value="Budi Santoso"' in response.content.decode()  # what was typed stays
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nik": "12345"}, "A NIK has exactly 16 digits"),
        ({"birth_date": "1990-08-18"}, "The birth date does not match the NIK"),
        ({"sex": "F"}, "The sex does not match the NIK"),
    ],
)
def test_adding_a_worker_checks_the_nik_and_its_birth_date(
    client, contractor_a_user, project_of_contractor_a, fields, message
):
    data = {
        "nik": "3275011708900001",
        "full_name": "Budi Santoso",
        "employment_type": "harian_lepas",
        "started_on": "2026-09-01",
        **fields,
    }
    response = english(client, contractor_a_user).post(
        reverse("workers:add", args=[project_of_contractor_a.pk]), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Worker.objects.exists()


def test_a_known_worker_is_reused_not_duplicated_and_another_name_is_refused_without_a_leak(
    client, contractor_a_user, project_of_contractor_a, project_of_contractor_b
):
    enroll_worker(
        project=project_of_contractor_b,
        nik="3275011708900001",
        full_name="Budi Santoso",
        started_on=date(2026, 8, 1),
    )
    english(client, contractor_a_user)
    url = reverse("workers:add", args=[project_of_contractor_a.pk])
    data = {"nik": "3275011708900001", "employment_type": "pkwt", "started_on": "2026-09-01"}
    response = client.post(url, {**data, "full_name": "Bukan Budi"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "registered under a different name" in page
    assert "Budi Santoso" not in page
    assert client.post(url, {**data, "full_name": "budi SANTOSO"}).status_code == 302
    assert Worker.objects.count() == 1
    assert Enrollment.objects.filter(project=project_of_contractor_a).count() == 1


def test_enrolling_the_same_worker_twice_is_refused(
    client, contractor_a_user, project_of_contractor_a, enrollment
):
    response = english(client, contractor_a_user).post(
        reverse("workers:add", args=[project_of_contractor_a.pk]),
        {
            "nik": "3275011708900001",
            "full_name": "Budi Santoso",
            "employment_type": "harian_lepas",
            "started_on": "2026-09-02",
        },
    )
    assert response.status_code == 200
    assert "already enrolled on this project" in response.content.decode()


def test_ending_an_enrollment(client, contractor_a_user, project_of_contractor_a, enrollment):
    english(client, contractor_a_user)
    url = reverse("workers:end", args=[enrollment.pk])
    response = client.post(url, {"ended_on": "2026-08-01"})
    assert "An enrollment cannot end before it starts." in response.content.decode()
    assert client.post(url, {"ended_on": "2026-10-01"}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.ended_on == date(2026, 10, 1)


def test_an_office_editor_may_end_an_enrollment_in_its_region(
    client, bekasi_office_user, enrollment
):
    client.force_login(bekasi_office_user)
    url = reverse("workers:end", args=[enrollment.pk])
    assert client.post(url, {"ended_on": "2026-10-01"}).status_code == 302


# --- Exports and templates -------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def hostile_enrollments(project_of_contractor_a):
    for serial, text in enumerate(FORMULAS):
        enroll_worker(
            project=project_of_contractor_a,
            nik=factories.make_nik(serial=500 + serial),
            full_name=f"Pekerja {serial}",
            job_title=text,
            started_on=date(2026, 9, 1),
        )


def test_the_csv_export_neutralises_formulas(
    client, contractor_a_user, project_of_contractor_a, hostile_enrollments
):
    client.force_login(contractor_a_user)
    response = client.get(reverse("workers:export", args=[project_of_contractor_a.pk, "csv"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][0] == "NIK"
    jobs = {row[5] for row in rows[1:]}
    assert jobs == {"'" + text for text in FORMULAS}
    assert all(
        not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
    )


def test_the_xlsx_export_neutralises_formulas_and_keeps_niks_as_text(
    client, contractor_a_user, project_of_contractor_a, hostile_enrollments
):
    client.force_login(contractor_a_user)
    response = client.get(reverse("workers:export", args=[project_of_contractor_a.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    # XML stores a carriage return as a line feed; the apostrophe is what matters.
    assert {row[5] for row in rows[1:]} == {"'" + text.replace("\r", "\n") for text in FORMULAS}
    assert all(isinstance(row[0], str) and len(row[0]) == 16 for row in rows[1:])
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_export_can_be_imported_again_on_another_project(
    client, contractor_a_user, project_of_contractor_a, tanbu_project_of_contractor_a, enrollment
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    english(client, contractor_a_user)
    for file_format in ("csv", "xlsx"):
        response = client.get(
            reverse("workers:export", args=[project_of_contractor_a.pk, file_format])
        )
        content = b"".join(response.streaming_content) if file_format == "csv" else response.content
        client.post(
            reverse("workers:import", args=[tanbu_project_of_contractor_a.pk]),
            {"file": SimpleUploadedFile(f"export.{file_format}", content)},
        )
        job = ImportJob.objects.latest("pk")
        assert (job.problems, job.good_row_count, job.reused_worker_count) == ([], 1, 1)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_templates_carry_the_indonesian_column_names(client, contractor_a_user, file_format):
    client.force_login(contractor_a_user)
    response = client.get(reverse("workers:import_template", args=[file_format]))
    assert response.status_code == 200
    if file_format == "csv":
        header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        header = next(sheet.iter_rows(values_only=True))
    assert list(header[:3]) == ["NIK", "Nama lengkap", "Tanggal mulai kerja (DD-MM-YYYY)"]


def test_an_unknown_export_format_is_404(client, contractor_a_user, project_of_contractor_a):
    client.force_login(contractor_a_user)
    url = reverse("workers:export", args=[project_of_contractor_a.pk, "pdf"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_page_renders_in_both_languages(
    client, contractor_a_user, project_of_contractor_a, enrollment, job, language
):
    contractor_a_user.preferred_language = language
    contractor_a_user.save()
    client.force_login(contractor_a_user)
    for name, args in [
        ("workers:list", [project_of_contractor_a.pk]),
        ("workers:add", [project_of_contractor_a.pk]),
        ("workers:import", [project_of_contractor_a.pk]),
        ("workers:end", [enrollment.pk]),
        ("workers:import_detail", [job.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert f'<html lang="{language}">' in response.content.decode()
