"""The import corpus (tests/import_corpus/): each file is read, checked and previewed with the
stated messages, and nothing is enrolled before the person confirms."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workers.models import Enrollment, ImportJob, Worker

from .conftest import corpus_file, stored_files

pytestmark = pytest.mark.django_db


def upload(client, project, upload_file):
    return client.post(reverse("workers:import", args=[project.pk]), {"file": upload_file})


@pytest.fixture
def as_contractor_a(client, contractor_a_user):
    # Messages are asserted in English, the source language.
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save()
    client.force_login(contractor_a_user)
    return client


def checked(client, project, name) -> ImportJob:
    response = upload(client, project, corpus_file(name))
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = ImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.CHECKED
    # Checking saves no worker and no enrollment.
    assert not Worker.objects.exists() and not Enrollment.objects.exists()
    return job


def messages_of(job, column=None):
    return [p["message"] for p in job.problems if column is None or p["column"] == column]


@pytest.mark.parametrize(
    ("name", "rows", "file_format"),
    [
        ("utf8_bom_comma.csv", 3, "csv"),
        ("cp1252_semicolon.csv", 2, "csv"),
        ("english_headers.csv", 2, "csv"),
        ("workers.xlsx", 3, "xlsx"),
    ],
)
def test_good_files_are_read_whatever_their_encoding_delimiter_headers_or_format(
    as_contractor_a, project_of_contractor_a, settings, name, rows, file_format
):
    job = checked(as_contractor_a, project_of_contractor_a, name)
    assert job.problems == []
    assert (job.row_count, job.good_row_count, job.new_worker_count) == (rows, rows, rows)
    assert job.file_format == file_format
    assert len(stored_files(settings)) == 1


def test_windows_1252_names_survive(as_contractor_a, project_of_contractor_a):
    from workers.importing import check_file

    job = checked(as_contractor_a, project_of_contractor_a, "cp1252_semicolon.csv")
    assert job.good_row_count == 2
    with job.file.open("rb") as fileobj:
        report = check_file(fileobj, project=project_of_contractor_a)
    assert report.good_row_count == 2
    page = as_contractor_a.get(job.get_absolute_url()).content.decode()
    assert "2 rows can be imported" in page


def test_the_check_counts_in_the_singular_for_one(as_contractor_a, project_of_contractor_a):
    job = checked(as_contractor_a, project_of_contractor_a, "excel_damaged_niks.csv")
    assert (job.good_row_count, job.new_worker_count, job.reused_worker_count) == (1, 1, 0)
    page = as_contractor_a.get(job.get_absolute_url()).content.decode()
    assert f"{job.row_count} rows read." in page
    assert "1 row can be imported." in page
    assert "1 new worker will be registered." in page
    assert "0 workers are already known by their NIK." in page


def test_excel_damaged_niks_are_reported_with_how_to_fix_them(
    as_contractor_a, project_of_contractor_a
):
    job = checked(as_contractor_a, project_of_contractor_a, "excel_damaged_niks.csv")
    assert job.good_row_count == 1
    by_row = {p["row"]: p for p in job.problems}
    assert sorted(by_row) == [2, 3, 4]
    assert all(p["column"] == "NIK" for p in job.problems)
    assert "3.27501E+15" in by_row[2]["message"]
    for row in (2, 3):
        assert "Format the NIK column as Text" in by_row[row]["message"]
    assert "16 digits (this one has 15)" in by_row[4]["message"]
    assert "format the NIK column as Text" in by_row[4]["message"]


def test_niks_stored_as_numbers_in_a_workbook_are_reported(
    as_contractor_a, project_of_contractor_a
):
    job = checked(as_contractor_a, project_of_contractor_a, "numeric_niks.xlsx")
    assert job.good_row_count == 1
    assert [p["row"] for p in job.problems] == [2, 3]
    assert all("Format the NIK column as Text" in p["message"] for p in job.problems)


def test_a_nik_twice_in_the_file_is_a_problem_on_the_second_row(
    as_contractor_a, project_of_contractor_a
):
    job = checked(as_contractor_a, project_of_contractor_a, "duplicates.csv")
    assert job.good_row_count == 2
    assert job.problems == [
        {"row": 4, "column": "NIK", "message": "The same NIK is already on row 2 of this file."}
    ]


def test_every_problem_is_listed_by_row_and_column(as_contractor_a, project_of_contractor_a):
    job = checked(as_contractor_a, project_of_contractor_a, "mixed_problems.csv")
    assert job.row_count == 6 and job.good_row_count == 1
    found = {(p["row"], p["column"]) for p in job.problems}
    assert found == {
        (2, "NIK"),
        (3, "Tanggal lahir (DD-MM-YYYY)"),
        (4, "Nama lengkap"),
        (5, "Tanggal mulai kerja (DD-MM-YYYY)"),
        (6, "Jenis kelamin (L/P)"),
    }
    text = " ".join(messages_of(job))
    assert "A NIK contains digits only." in text
    assert "The birth date does not match the NIK" in text
    assert "Missing: this column must be filled." in text
    assert '"31-02-2026" is not a date' in text
    assert "The sex does not match the NIK" in text
    page = as_contractor_a.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "5 problems found" in page.content.decode()


def test_a_worker_already_enrolled_on_the_project_is_a_problem(
    as_contractor_a, project_of_contractor_a
):
    from workers.services import enroll_worker

    enroll_worker(
        project=project_of_contractor_a,
        nik="3275011708900001",
        full_name="Budi Santoso",
        started_on=date(2026, 8, 1),
    )
    response = upload(as_contractor_a, project_of_contractor_a, corpus_file("utf8_bom_comma.csv"))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.problems == [
        {
            "row": 2,
            "column": "NIK",
            "message": "This worker is already enrolled on this project.",
        }
    ]
    assert job.good_row_count == 2


def test_a_known_nik_with_another_name_is_refused_without_showing_the_stored_name(
    as_contractor_a, project_of_contractor_a, project_of_contractor_b
):
    from workers.services import enroll_worker

    enroll_worker(
        project=project_of_contractor_b,
        nik="3275015708900002",
        full_name="Nama Rahasia Perusahaan B",
        started_on=date(2026, 8, 1),
    )
    enroll_worker(
        project=project_of_contractor_b,
        nik="3275011708900001",
        full_name="BUDI  santoso",  # same name, other spelling: reused
        started_on=date(2026, 8, 1),
    )
    job = checked_after_existing(as_contractor_a, project_of_contractor_a)
    assert (job.good_row_count, job.reused_worker_count, job.new_worker_count) == (2, 1, 1)
    [problem] = job.problems
    assert problem["row"] == 3 and problem["column"] == "Nama lengkap"
    assert "registered under a different name" in problem["message"]
    page = as_contractor_a.get(job.get_absolute_url()).content.decode()
    assert "Rahasia" not in page


def checked_after_existing(client, project):
    response = upload(client, project, corpus_file("utf8_bom_comma.csv"))
    assert response.status_code == 302
    return ImportJob.objects.get()


REFUSALS = [
    ("missing_column.csv", 'The file has no column "Tanggal mulai kerja (DD-MM-YYYY)"'),
    ("not_a_spreadsheet.csv", "This file is not a CSV or XLSX file (it looks like image/png)"),
]


@pytest.mark.parametrize(("name", "message"), REFUSALS)
def test_unusable_files_are_refused_and_nothing_is_stored(
    as_contractor_a, project_of_contractor_a, settings, name, message
):
    response = upload(as_contractor_a, project_of_contractor_a, corpus_file(name))
    assert_refused(response, message, settings)


def assert_refused(response, message, settings):
    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()
    assert not Worker.objects.exists() and not Enrollment.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_row_limit_is_refused(as_contractor_a, project_of_contractor_a, settings):
    settings.PANTAU_IMPORT_MAX_ROWS = 2
    response = upload(as_contractor_a, project_of_contractor_a, corpus_file("utf8_bom_comma.csv"))
    assert_refused(response, "The file has more than 2 rows of workers", settings)


def test_a_file_over_the_size_limit_is_refused(as_contractor_a, project_of_contractor_a, settings):
    settings.PANTAU_IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"NIK;Nama lengkap\n" + b"x" * (1024 * 1024 + 1))
    response = upload(as_contractor_a, project_of_contractor_a, big)
    assert_refused(response, "The file is larger than 1 MB", settings)


def test_an_old_excel_file_is_refused_with_how_to_save_it(
    as_contractor_a, project_of_contractor_a, settings
):
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 600
    response = upload(as_contractor_a, project_of_contractor_a, SimpleUploadedFile("a.xls", ole))
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(
    as_contractor_a, project_of_contractor_a, settings
):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    response = upload(
        as_contractor_a, project_of_contractor_a, SimpleUploadedFile("w.xlsx", buffer.getvalue())
    )
    assert_refused(response, "cannot be opened as an Excel workbook", settings)


def test_the_preview_page_renders_in_indonesian_too(
    client, contractor_a_user, project_of_contractor_a
):
    client.force_login(contractor_a_user)
    response = upload(client, project_of_contractor_a, corpus_file("mixed_problems.csv"))
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="id">' in page


def test_a_long_problem_list_is_paginated(as_contractor_a, project_of_contractor_a):
    lines = ["NIK;Nama lengkap;Tanggal mulai kerja"]
    lines += [f"12345;Pekerja {n};01-09-2026" for n in range(250)]
    bad = SimpleUploadedFile("bad.csv", "\n".join(lines).encode())
    response = upload(as_contractor_a, project_of_contractor_a, bad)
    job = ImportJob.objects.get()
    assert job.problem_count == 250 and job.good_row_count == 0
    first = as_contractor_a.get(response["Location"]).content.decode()
    assert "page 1 of 3" in first
    assert first.count('<td class="num">') == 100
    last = as_contractor_a.get(response["Location"] + "?page=3").content.decode()
    assert last.count('<td class="num">') == 50
    assert '<td class="num">251</td>' in last
    assert "Confirm the import" not in last


def test_a_body_far_over_the_size_limit_is_refused_before_it_is_read(
    as_contractor_a, project_of_contractor_a, settings
):
    settings.PANTAU_IMPORT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"NIK;Nama lengkap\n" + b"x" * (3 * 1024 * 1024))
    response = upload(as_contractor_a, project_of_contractor_a, big)
    assert response.status_code == 200
    assert "The file is larger than 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_a_file_in_no_encoding_we_read_is_refused_with_how_to_save_it(
    as_contractor_a, project_of_contractor_a, settings
):
    # 0x81 is neither UTF-8 nor Windows-1252.
    unreadable = SimpleUploadedFile("x.csv", b"NIK;Nama lengkap\x81;Tanggal mulai\n1;2;3\n")
    response = upload(as_contractor_a, project_of_contractor_a, unreadable)
    assert_refused(response, "CSV UTF-8", settings)


def test_a_start_before_the_projects_spk_is_a_problem_on_its_row(
    as_contractor_a, project_of_contractor_a
):
    project = project_of_contractor_a  # SPK 2 March 2026
    rows = (
        "NIK,Full name,Start date,Birth date,Sex,Job title,Employment type\n"
        "3275011708900006,Joko Widodo,2019-01-07,,,Welder,daily\n"
        "3275015708900007,Rina Wati,2026-03-02,,,Helper,daily\n"
    )
    upload(as_contractor_a, project, SimpleUploadedFile("w.csv", rows.encode(), "text/csv"))
    job = ImportJob.objects.get()
    assert job.good_row_count == 1
    assert job.problems == [
        {
            "row": 2,
            "column": "Start date",
            "message": "The start cannot be before the project's SPK date (2 March 2026).",
        }
    ]
