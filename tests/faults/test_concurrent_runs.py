"""Two scans at the same time, and the same file imported twice at the same time (a double
click, two colleagues), on a worker with two pool processes: the data ends as after one run.

A table lock taken by the test holds the first run in the middle until the second has reached
the point where the two meet, so they overlap every time.
"""

import pytest

from compliance.models import ScanRun
from compliance.scanning import scan_projects
from tests import factories
from workers.models import ImportJob
from workers.services import run_import

from .conftest import table_lock, using, waiting
from .outcomes import differences, outcome, portfolio, queued_import, workers_file
from .processes import wait_until

pytestmark = pytest.mark.faults

NO_NUDGES = {"PANTAU_NUDGE_ENGINE_ON_COMMIT": "false"}


def test_two_scans_at_the_same_time_leave_what_one_scan_leaves(database, start_worker, send_task):
    worker = start_worker(concurrency=2, wait=False)
    portfolio(projects=400)
    clean = database.copy(f"{database.name}_clean")
    worker.wait_ready()

    with table_lock(database, "compliance_flagevent"):
        send_task("compliance.tasks.scan_projects_task")
        send_task("compliance.tasks.scan_projects_task")
        # One scan holds the engine lock and waits for our table; the other waits for it.
        wait_until(
            lambda: waiting(database, "relation") and waiting(database, "advisory"),
            timeout=30,
            message="both scans",
        )

    wait_until(
        lambda: (
            ScanRun.objects.count() == 2
            and not ScanRun.objects.filter(status=ScanRun.Status.RUNNING).exists()
        ),
        timeout=60,
        message="both scans to end",
    )
    # The second ran after the first, on what changed since: nothing more to do.
    first, second = ScanRun.objects.order_by("finished_at").values_list("status", "opened")
    assert first[0] == second[0] == ScanRun.Status.FINISHED
    assert first[1] > 0 and second[1] == 0
    with using(clean):
        scan_projects()
        once = outcome()
    assert differences(outcome(), once) == {}


def test_the_same_file_imported_twice_at_the_same_time_enrolls_each_worker_once(
    database, start_worker, send_task
):
    worker = start_worker(concurrency=2, wait=False, **NO_NUDGES)
    contractor = factories.make_contractor()
    user = factories.make_contractor_user("kontraktor.impor", contractor=contractor)
    project = factories.make_project(contractor=contractor)
    content = workers_file(300)
    jobs = [queued_import(project, user, content) for _upload in range(2)]
    clean = database.copy(f"{database.name}_clean")
    worker.wait_ready()

    with table_lock(database, "workers_enrollment"):
        for job in jobs:
            send_task("workers.tasks.import_workers_task", job.pk)
        # One import waits for our table, the other for the first one's rows.
        wait_until(
            lambda: waiting(database, "relation") and waiting(database, "transactionid"),
            timeout=30,
            message="both imports",
        )

    wait_until(
        lambda: not ImportJob.objects.filter(status=ImportJob.Status.QUEUED).exists(),
        timeout=60,
        message="both imports to end",
    )
    # What the contractor sees: one import enrolled everyone, the other found them enrolled.
    first, second = ImportJob.objects.order_by("-enrollment_count")
    assert (first.status, first.enrollment_count) == (ImportJob.Status.DONE, 300)
    assert (second.status, second.enrollment_count) == (ImportJob.Status.DONE, 0)
    assert {problem["message"] for problem in second.problems} == {
        "Pekerja ini sudah terdaftar pada proyek ini."
    }
    with using(clean):
        for job in jobs:
            run_import(job.pk)
        once = outcome()
    assert differences(outcome(), once) == {}
