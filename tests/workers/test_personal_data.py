"""A worker's data on request (`worker_data --export`), erased on request (`--erase`) and
deleted when its retention ends (`--purge-expired`)."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from projects.models import Project
from workers.models import Enrollment, ImportJob, Worker
from workers.services import enroll_worker

from .conftest import corpus_file

pytestmark = pytest.mark.django_db

NIK = "3275011708900001"


def run(*args) -> str:
    out = io.StringIO()
    call_command("worker_data", *args, stdout=out)
    return out.getvalue()


def enroll(project, nik=NIK, name="Budi Santoso"):
    return enroll_worker(project=project, nik=nik, full_name=name, started_on=date(2026, 4, 1))


def finished_long_ago(project) -> Project:
    """A project that ended in 2019: past the five years of retention."""
    Project.objects.filter(pk=project.pk).update(
        spk_date=date(2018, 3, 1),
        start_date=date(2018, 3, 15),
        end_date=date(2019, 12, 31),
        current_end_date=date(2019, 12, 31),
        bast_date=date(2019, 12, 20),
        status=Project.Status.FINISHED,
    )
    return project


def test_the_export_holds_the_person_their_enrollments_and_their_history(
    project_of_contractor_a,
):
    enroll(project_of_contractor_a)
    data = json.loads(run("--export", NIK))
    assert data["worker"]["nik"] == NIK
    assert data["worker"]["full_name"] == "Budi Santoso"
    assert data["worker"]["birth_date"] == "1990-08-17"
    [enrollment] = data["enrollments"]
    assert enrollment["project"]["name"] == project_of_contractor_a.name
    assert enrollment["project"]["contractor"] == "PT Karya Bekasi Utama"
    assert enrollment["started_on"] == "2026-04-01"
    assert [row["nik"] for row in data["history"]["worker"]] == [NIK]
    assert len(data["history"]["enrollments"]) == 1


def test_an_unknown_nik_is_an_error():
    with pytest.raises(CommandError, match="No worker has this NIK"):
        run("--export", "3275011708909999")


def test_erasing_a_worker_of_a_running_project_anonymises_them_and_keeps_the_enrollment(
    project_of_contractor_a,
):
    enrollment = enroll(project_of_contractor_a)
    assert "anonymised: 0 enrollments deleted, 1 kept" in run("--erase", NIK)

    worker = Worker.objects.get(pk=enrollment.worker_id)
    assert worker.nik == f"{worker.pk:016d}"
    assert (worker.full_name, worker.birth_date, worker.sex) == ("ANONIM", None, "")
    assert Enrollment.objects.filter(project=project_of_contractor_a).count() == 1
    assert not Worker.history.filter(id=worker.pk).exists()
    assert not Worker.objects.filter(nik=NIK).exists()


def test_erasing_a_worker_whose_projects_are_past_retention_deletes_everything(
    project_of_contractor_a,
):
    enrollment = enroll(finished_long_ago(project_of_contractor_a))
    assert "deleted: 1 enrollments deleted, 0 kept" in run("--erase", NIK)
    assert not Worker.objects.filter(pk=enrollment.worker_id).exists()
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert not Worker.history.filter(id=enrollment.worker_id).exists()
    assert not Enrollment.history.filter(id=enrollment.pk).exists()


def test_erasing_drops_the_stored_files_of_finished_imports_on_their_projects(
    settings, tmp_path, project_of_contractor_a, contractor_a_user
):
    settings.MEDIA_ROOT = tmp_path
    enroll(project_of_contractor_a)
    job = ImportJob.objects.create(
        project=project_of_contractor_a,
        file=corpus_file("utf8_bom_comma.csv"),
        original_name="pekerja.csv",
        file_format="csv",
        status=ImportJob.Status.DONE,
    )
    stored = tmp_path / job.file.name
    assert stored.exists()
    run("--erase", NIK)
    job.refresh_from_db()
    assert not stored.exists()
    assert job.file.name == ""


def test_the_purge_deletes_only_what_is_past_retention_and_a_second_run_finds_nothing(
    project_of_contractor_a, tanbu_project_of_contractor_a
):
    old = enroll(finished_long_ago(tanbu_project_of_contractor_a), nik="3275014508920002")
    current = enroll(project_of_contractor_a)
    shared = enroll(tanbu_project_of_contractor_a)  # the same person on both projects
    ImportJob.objects.create(
        project=tanbu_project_of_contractor_a, original_name="lama.csv", file_format="csv"
    )

    assert run("--purge-expired").strip() == "Purged 2 enrollments and 1 workers."
    assert not Worker.objects.filter(pk=old.worker_id).exists()
    assert not Worker.history.filter(id=old.worker_id).exists()
    assert list(Enrollment.objects.values_list("pk", flat=True)) == [current.pk]
    assert not Enrollment.history.filter(id=shared.pk).exists()
    assert not ImportJob.objects.exists()
    assert run("--purge-expired").strip() == "Purged 0 enrollments and 0 workers."
