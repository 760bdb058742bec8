"""A Celery worker dies in the middle of a scan or an import: a pool process SIGKILLed (the OOM
killer), or the main process (a host or container killed; its pool processes die with it). The
message comes back (acks_late + reject_on_worker_lost; after the visibility timeout when the main
process died) and the data ends exactly as after a clean run on a copy of the database: no
flag, event, mail, worker or enrollment missing, none twice.

The task is held in the middle by a table lock the test takes, so the kill lands inside the
task's transaction every time, not by luck of timing.
"""

import os
import signal

import pytest

from compliance.models import ScanRun
from compliance.scanning import scan_projects
from projects.models import Project
from tests import factories
from workers.models import ImportJob
from workers.services import run_import

from .conftest import table_lock, using, waiting
from .outcomes import differences, outcome, portfolio, queued_import, workers_file
from .processes import is_running, wait_until

pytestmark = pytest.mark.faults

SCAN = "compliance.tasks.scan_projects_task"
IMPORT = "workers.tasks.import_workers_task"
# The import tests look at the import alone: the engine's nudge after it is another test's.
NO_NUDGES = {"PANTAU_NUDGE_ENGINE_ON_COMMIT": "false"}


def clean_run(database, run) -> dict:
    """The same work, undisturbed, on the copy of the database taken before the faulty run."""
    with using(database):
        run()
        return outcome()


def import_ready(database) -> tuple[ImportJob, object]:
    """A queued import of 300 new workers into a project, and a copy of the database."""
    contractor = factories.make_contractor()
    user = factories.make_contractor_user("kontraktor.impor", contractor=contractor)
    project = factories.make_project(contractor=contractor)
    job = queued_import(project, user, workers_file(300))
    return job, database.copy(f"{database.name}_clean")


def test_a_scan_whose_pool_process_is_killed_is_redelivered_and_ends_as_a_clean_run(
    database, start_worker, send_task
):
    worker = start_worker(wait=False)
    portfolio(projects=400)
    clean = database.copy(f"{database.name}_clean")
    worker.wait_ready()

    with table_lock(database, "compliance_flagevent"):
        send_task(SCAN)
        # The scan is inside its transaction, holding the engine's lock, waiting for ours.
        wait_until(lambda: waiting(database, "relation"), timeout=30, message="the scan")
        [pool_process] = worker.pool_pids()
        os.kill(pool_process, signal.SIGKILL)
        # Redelivered at once to the new pool process, it finds the engine lock still held by
        # the dead process's session (PostgreSQL notices the client is gone when its statement
        # ends) and waits for it; it used to skip, and the scan was lost until the next beat.
        wait_until(
            lambda: waiting(database, "advisory") or ScanRun.objects.filter(status="skipped"),
            timeout=30,
            message="the redelivered scan to meet the engine lock",
        )

    wait_until(
        lambda: not ScanRun.objects.filter(status=ScanRun.Status.RUNNING).exists(),
        timeout=60,
        message="the redelivered scan to end",
    )
    # The killed run says it was interrupted; the redelivered one did the work.
    assert list(ScanRun.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "finished",
    ]
    assert differences(outcome(), clean_run(clean, scan_projects)) == {}


def test_an_import_whose_pool_process_is_killed_is_redelivered_and_enrolls_every_row_once(
    database, start_worker, send_task
):
    worker = start_worker(wait=False, **NO_NUDGES)
    job, clean = import_ready(database)
    worker.wait_ready()

    with table_lock(database, "workers_enrollment"):
        send_task(IMPORT, job.pk)
        # New workers are written; the enrollments wait for our lock.
        wait_until(lambda: waiting(database, "relation"), timeout=30, message="the import")
        [pool_process] = worker.pool_pids()
        os.kill(pool_process, signal.SIGKILL)
        # The redelivered import waits for the job row the dead session still holds.
        wait_until(
            lambda: waiting(database, "transactionid"),
            timeout=30,
            message="the redelivered import to wait for the job row",
        )

    wait_until(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.DONE).exists(),
        timeout=60,
        message="the redelivered import to finish",
    )
    result = outcome()
    assert result["enrollments"].total() == 300
    assert differences(result, clean_run(clean, lambda: run_import(job.pk))) == {}


def test_an_import_whose_worker_is_killed_comes_back_after_the_visibility_timeout(
    database, start_worker, send_task
):
    # A visibility timeout of seconds for this test; production keeps it above the longest
    # task (settings: CELERY_VISIBILITY_TIMEOUT).
    worker = start_worker(wait=False, CELERY_VISIBILITY_TIMEOUT="3", **NO_NUDGES)
    job, clean = import_ready(database)
    worker.wait_ready()

    with table_lock(database, "workers_enrollment"):
        send_task(IMPORT, job.pk)
        wait_until(lambda: waiting(database, "relation"), timeout=30, message="the import")
        [pool_process] = worker.pool_pids()
        os.kill(worker.pid, signal.SIGKILL)
        worker.process.wait(10)
        # Its pool process dies with it (prefork sets a parent-death signal).
        wait_until(lambda: not is_running(pool_process), timeout=10, message="the pool process")

    # Nobody took the message back: it waits, unacknowledged, in Redis.
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED
    worker.start()
    wait_until(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.DONE).exists(),
        timeout=180,  # generous: in CI another half of the suite runs beside it
        message="the restarted worker to import the file",
    )
    assert differences(outcome(), clean_run(clean, lambda: run_import(job.pk))) == {}
    assert Project.objects.get(pk=job.project_id).enrollments.count() == 300
