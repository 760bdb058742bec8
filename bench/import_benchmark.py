#!/usr/bin/env python
"""Worker-import benchmark: N generated valid rows checked and imported through the task's path.

    python bench/import_benchmark.py [--rows N] [--database-url URL] [--format csv|xlsx]

Creates a fresh database (SQLite file by default, or the PostgreSQL database named in the URL,
dropped and recreated), writes a file of N valid workers, then runs exactly what a person's
upload and confirmation run: workers.services.create_import_job (the check behind the preview,
which also stores the file) and workers.services.run_import (what import_workers_task calls:
the check again, then multi-row INSERTs per batch in one transaction). Prints seconds, rows/s, peak
RSS (ru_maxrss) and the tracemalloc peak of each phase, against the targets of the issue
(< 30 s for check + import, < 300 MB). The last line of output is JSON.

tracemalloc slows Python down by about half, so it is measured in a first pass whose
transaction is rolled back; the timed pass runs without it and commits.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scan_benchmark import configure_django, database_config, recreate_database  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_MB = 300.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the file (50,000)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a SQLite file in a temporary directory",
    )
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument(
        "--skip-tracemalloc", action="store_true", help="only the timed pass (half the run time)"
    )
    return parser.parse_args(argv)


def nik_for(number: int) -> tuple[str, date, bool]:
    """A valid, unique NIK for row `number`: region 32.75.01, varied birth dates, half women."""
    born = date(1960, 1, 1) + timedelta(days=number // 9000)
    is_female = number % 2 == 1
    day = born.day + (40 if is_female else 0)
    serial = number % 9000 + 1
    return f"327501{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}", born, is_female


def rows(count: int):
    yield from _header()
    for number in range(count):
        nik, born, is_female = nik_for(number)
        yield [
            nik,
            f"Pekerja Uji {number:06d}",
            "01-09-2026",
            born.strftime("%d-%m-%Y"),
            "P" if is_female else "L",
            ("Tukang batu", "Tukang kayu", "Kenek", "Mandor")[number % 4],
            ("harian lepas", "borongan", "PKWT")[number % 3],
            "31-12-2026",
        ]


def _header():
    from workers.importing import TEMPLATE_HEADERS

    yield TEMPLATE_HEADERS


def write_file(path: Path, count: int, file_format: str) -> None:
    from workers.importing import csv_bytes, xlsx_bytes

    if file_format == "csv":
        with path.open("wb") as handle:
            for chunk in csv_bytes(rows(count)):
                handle.write(chunk)
    else:
        path.write_bytes(xlsx_bytes(rows(count), sheet_title="Pekerja"))


def make_project():
    from projects.models import Contractor, Project, WorkUnit
    from projects.services import save_project
    from reference.models import Region

    province = Region.objects.create(code="32", name="JAWA BARAT", level=1)
    regency = Region.objects.create(code="32.75", name="KOTA BEKASI", level=2, parent=province)
    places = {"province": province, "regency": regency}
    contractor = Contractor.objects.create(
        legal_name="PT Benchmark Konstruksi", npwp="0010000010407000", **places
    )
    work_unit = WorkUnit.objects.create(name="Dinas PUPR Kota Bekasi", **places)
    return save_project(
        project=Project(
            contractor=contractor,
            work_unit=work_unit,
            name="Benchmark: impor pekerja",
            spk_number="SPK/BENCH/2026",
            spk_date=date(2026, 8, 3),
            start_date=date(2026, 8, 17),
            end_date=date(2027, 1, 31),
            contract_value=750_000_000,
            funding_source=Project.FundingSource.APBD_REGENCY,
            **places,
        )
    )


def check_and_import(project, path: Path) -> tuple[dict, object]:
    """The upload (check + stored file), then the task's run_import."""
    from django.core.files import File

    from workers.models import ImportJob
    from workers.services import create_import_job, run_import

    started = time.perf_counter()
    with path.open("rb") as handle:
        job = create_import_job(
            project=project, upload=File(handle, name=path.name), user=None, language="en"
        )
    checked = time.perf_counter()
    # What confirm_import() does, minus sending the task: this process is the worker.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    done = run_import(job.pk)
    finished = time.perf_counter()
    assert done is not None and done.problems == [], done and done.problems[:5]
    return {"check_s": checked - started, "import_s": finished - checked}, done


def traced_pass(project, path: Path) -> float:
    """tracemalloc peak (MB) of check + import, in a transaction that is rolled back."""
    from django.db import transaction

    tracemalloc.start()
    with transaction.atomic():
        check_and_import(project, path)
        transaction.set_rollback(True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pantau-import-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    config = database_config(url)
    recreate_database(config)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    configure_django(url)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # configure_django() turns DEBUG on (no SECRET_KEY needed); a worker runs with it off, and
    # with it on every bulk INSERT would also be formatted into connection.queries.
    settings.DEBUG = False

    from workers.models import Enrollment, Worker

    call_command("migrate", verbosity=0)
    project = make_project()
    path = workdir / f"workers.{args.format}"
    write_file(path, args.rows, args.format)
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"{args.rows:,} rows, {args.format}, {size_mb:.1f} MB, on {connection.vendor}")

    traced_mb = None if args.skip_tracemalloc else traced_pass(project, path)
    figures, job = check_and_import(project, path)
    total = figures["check_s"] + figures["import_s"]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts_ok = (
        job.enrollment_count == job.new_worker_count == args.rows
        and Enrollment.objects.filter(project=project).count() == args.rows
        and Worker.objects.count() == args.rows
    )
    result = {
        "rows": args.rows,
        "format": args.format,
        "database": connection.vendor,
        "file_mb": round(size_mb, 1),
        "check_s": round(figures["check_s"], 2),
        "import_s": round(figures["import_s"], 2),
        "total_s": round(total, 2),
        "rows_per_s": round(args.rows / total),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "tracemalloc_peak_mb": round(traced_mb, 1) if traced_mb is not None else None,
        "counts_ok": counts_ok,
        "meets_targets": total < TARGET_SECONDS and peak_rss_mb < TARGET_MB,
    }
    print(f"check (preview) {result['check_s']:>7.2f} s")
    print(f"import (task)   {result['import_s']:>7.2f} s  (checks again, then inserts)")
    print(
        f"total           {total:>7.2f} s  {result['rows_per_s']:,} rows/s"
        f"  target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'MISSED'}"
    )
    print(
        f"peak RSS        {peak_rss_mb:>7.1f} MB  target < {TARGET_MB:.0f} MB: "
        f"{'met' if peak_rss_mb < TARGET_MB else 'MISSED'}"
    )
    if traced_mb is not None:
        print(f"tracemalloc     {traced_mb:>7.1f} MB  (peak of Python allocations, check + import)")
    print(json.dumps(result))
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)  # the file, the stored copy, the SQLite database
    return 0 if counts_ok else 1


if __name__ == "__main__":
    sys.exit(main())
