"""Confirming an import: one transaction (all good rows or none), idempotent under redelivery,
progress in the cache, and once through a real Celery worker on the configured broker."""

import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from config.celery import app
from workers import importing
from workers.models import Enrollment, ImportJob, Worker
from workers.services import (
    confirm_import,
    create_import_job,
    enroll_worker,
    run_import,
    set_progress,
)
from workers.tasks import import_workers_task

from .conftest import corpus_file


def checked_job(project, user, name="utf8_bom_comma.csv") -> ImportJob:
    return create_import_job(project=project, upload=corpus_file(name), user=user, language="en")


@pytest.fixture
def queued_job(project_of_contractor_a, contractor_a_user):
    job = checked_job(project_of_contractor_a, contractor_a_user)
    assert confirm_import(job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    return job


@pytest.mark.django_db
def test_the_import_enrolls_every_good_row_once_and_marks_the_project(queued_job):
    job = run_import(queued_job.pk)
    assert job.status == ImportJob.Status.DONE
    assert (job.enrollment_count, job.new_worker_count, job.reused_worker_count) == (3, 3, 0)
    assert Enrollment.objects.filter(project=job.project).count() == 3
    siti = Enrollment.objects.get(worker__nik="3275015708900002")
    assert (siti.worker.sex, siti.employment_type, siti.created_by) == ("F", "pkwt", job.created_by)
    assert siti.worker.birth_date == date(1990, 8, 17)
    # History rows, as a save() would have written them.
    assert Worker.history.count() == 3 and Enrollment.history.count() == 3
    record = Enrollment.history.get(worker__nik="3275015708900002")
    assert (record.history_type, record.history_user, record.employment_type) == (
        "+",
        job.created_by,
        "pkwt",
    )
    assert Worker.history.get(nik="3275015708900002").full_name == "Siti Aminah"
    job.project.refresh_from_db()
    assert job.project.needs_evaluation_at is not None
    # A redelivered task finds the job done and imports nothing twice.
    assert run_import(job.pk) is None
    import_workers_task(job.pk)
    assert Enrollment.objects.count() == 3 and Worker.objects.count() == 3


@pytest.mark.django_db
def test_a_job_is_confirmed_once(queued_job):
    assert not confirm_import(job=queued_job)


@pytest.mark.django_db
def test_the_import_reuses_known_workers_and_rechecks_what_changed_since_the_preview(
    queued_job, project_of_contractor_b
):
    # Since the preview: Budi was enrolled here by a colleague, Agus by another company.
    enroll_worker(
        project=queued_job.project,
        nik="3275011708900001",
        full_name="Budi Santoso",
        started_on=date(2026, 8, 1),
    )
    enroll_worker(
        project=project_of_contractor_b,
        nik="3275010101850003",
        full_name="Agus Salim",
        started_on=date(2026, 8, 1),
    )
    job = run_import(queued_job.pk)
    assert (job.enrollment_count, job.new_worker_count, job.reused_worker_count) == (2, 1, 1)
    assert [p["row"] for p in job.problems] == [2]
    assert Worker.objects.count() == 3


@pytest.mark.django_db
def test_a_failure_in_a_later_batch_imports_nothing(queued_job, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 1)
    calls = []
    original = importing._insert

    def fail_on_the_third_batch(rows, **kwargs):
        calls.append(rows)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        original(rows, **kwargs)

    monkeypatch.setattr(importing, "_insert", fail_on_the_third_batch)
    with pytest.raises(RuntimeError):
        import_workers_task(queued_job.pk)
    assert len(calls) == 3
    assert not Worker.objects.exists() and not Enrollment.objects.exists()
    queued_job.refresh_from_db()
    assert queued_job.status == ImportJob.Status.FAILED
    assert queued_job.error == "RuntimeError"


@pytest.mark.django_db
def test_the_status_url_reports_the_progress_kept_in_the_cache(
    client, contractor_a_user, queued_job
):
    client.force_login(contractor_a_user)
    set_progress(queued_job.pk, done=1, total=4)
    data = client.get(reverse("workers:import_status", args=[queued_job.pk])).json()
    assert data == {
        "status": "queued",
        "done": 1,
        "total": 4,
        "percent": 25,
        "url": queued_job.get_absolute_url(),
    }
    page = client.get(queued_job.get_absolute_url()).content.decode()
    # Works without JavaScript: a refresh link; with it, the progress script from /static.
    assert f'href="{queued_job.get_absolute_url()}"' in page
    assert "js/workers-import-progress.js" in page
    assert 'value="25"' in page


@pytest.mark.django_db
def test_a_preview_without_good_rows_cannot_be_confirmed(
    client, contractor_a_user, project_of_contractor_a
):
    job = checked_job(project_of_contractor_a, contractor_a_user)
    ImportJob.objects.filter(pk=job.pk).update(good_row_count=0)
    client.force_login(contractor_a_user)
    client.post(reverse("workers:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


# --- Through a real worker ---------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_upload_confirm_and_result_through_a_real_worker(
    client, contractor_a_user, project_of_contractor_a, celery_worker
):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save()
    client.force_login(contractor_a_user)
    response = client.post(
        reverse("workers:import", args=[project_of_contractor_a.pk]),
        {"file": corpus_file("workers.xlsx")},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert "Confirm the import" in client.get(job.get_absolute_url()).content.decode()

    client.post(reverse("workers:import_confirm", args=[job.pk]))

    status_url = reverse("workers:import_status", args=[job.pk])
    assert wait_until(lambda: client.get(status_url).json()["status"] == "done")
    assert client.get(status_url).json()["percent"] == 100
    page = client.get(job.get_absolute_url()).content.decode()
    assert "3 workers enrolled on this project." in page
    assert "3 new workers registered." in page
    assert "0 workers were already known by NIK." in page
    assert Enrollment.objects.filter(project=project_of_contractor_a).count() == 3
