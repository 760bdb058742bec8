#!/usr/bin/env python
"""Procurement-import benchmark: N generated e-contract rows checked and imported.

    python bench/procurement_benchmark.py [--rows N] [--database-url URL]

Creates a fresh database (SQLite file by default, or the PostgreSQL database named in the URL,
dropped and recreated) holding a region's earlier projects, writes a CSV of N rows in the
e-contract shape of domain.md §7, then runs what an office's upload and confirmation run:
procurement.services.create_import (the preview) and run_import (what the Celery task calls:
plan again, then bulk writes in one transaction). A second preview of the same file must find
nothing to write (idempotence). Prints seconds (wall and CPU), rows/s and peak RSS (ru_maxrss) against the
target of the issue (< 60 s for preview + import); the last line of output is JSON.

The mix of rows: 10 % match an earlier project by kode tender (half of them with a new value),
5 % by NPWP + name + value, 70 % are new contracted packages (of 5,000 companies, 2,000 known),
10 % plans without a contract, 3 % not construction, 2 % outside the region.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scan_benchmark import configure_django, database_config, recreate_database  # noqa: E402

TARGET_SECONDS = 60.0
HEADER = [
    "kd_tender",
    "kd_rup",
    "nama_paket",
    "jenis_pengadaan",
    "nama_penyedia",
    "npwp_penyedia",
    "npwp_16_penyedia",
    "no_kontrak",
    "tgl_kontrak",
    "tgl_spmk_spp",
    "tgl_selesai_pekerjaan",
    "nilai_kontrak",
    "kd_klpd",
    "nama_klpd",
    "jenis_klpd",
    "kd_satker_str",
    "nama_satker",
    "sumber_dana",
    "kd_kabupaten",
]
KNOWN_COMPANIES = 2000
COMPANIES = 5000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file (100,000)")
    parser.add_argument(
        "--database-url", default=None, help="default: a SQLite file in a temporary directory"
    )
    return parser.parse_args(argv)


def _luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 == 0 else 1)
        total += number - 9 if number > 9 else number
    return str((10 - total % 10) % 10)


def npwp(seq: int) -> str:
    body = f"03{seq:06d}"
    return "0" + body + _luhn_digit(body) + "432000"


def value_of(number: int) -> Decimal:
    # Spread widely, so a company's packages are rarely within 10 % of each other.
    return Decimal(200_000_000 + (number * 7919 % 20_000) * 1_000_000)


def kind_of(number: int, rows: int) -> str:
    share = number / rows
    for limit, kind in (
        (0.10, "code"),
        (0.15, "npwp"),
        (0.85, "new"),
        (0.95, "plan"),
        (0.98, "goods"),
    ):
        if share < limit:
            return kind
    return "outside"


def company_of(number: int, kind: str) -> int:
    """Rows matching an earlier project belong to a known company; the others to any."""
    return number % (KNOWN_COMPANIES if kind in ("code", "npwp") else COMPANIES)


def package_name(number: int) -> str:
    streets = ("Jalan Ahmad Yani", "Saluran Kali Bekasi", "Gedung Puskesmas", "Jembatan Cikeas")
    return f"Rehabilitasi {streets[number % 4]} Paket {number}"


def write_file(path: Path, rows: int) -> None:
    spk = date(2026, 3, 2)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            kind = kind_of(number, rows)
            value = value_of(number)
            if kind == "code" and number % 2 == 0:
                value = value * Decimal("1.05")  # an addendum the office did not know of
            company = company_of(number, kind)
            contracted = kind != "plan"
            writer.writerow(
                [
                    f"9{number:08d}",
                    f"5{number:08d}",
                    package_name(number),
                    "Pengadaan Barang" if kind == "goods" else "Pekerjaan Konstruksi",
                    f"PT Konstruksi Benchmark {company}",
                    npwp(company)[1:],
                    npwp(company),
                    f"SP/{number}/2026" if contracted else "",
                    (spk + timedelta(days=number % 200)).isoformat() if contracted else "",
                    (spk + timedelta(days=number % 200 + 7)).isoformat() if contracted else "",
                    (spk + timedelta(days=number % 200 + 180)).isoformat() if contracted else "",
                    f"{value:.0f}",
                    "D153",
                    "Kota Bekasi",
                    "PEMERINTAH DAERAH KOTA",
                    f"1.03.0.00.0.00.{number % 50:02d}.0000",
                    f"Dinas Teknis {number % 50}",
                    "APBD",
                    "32.16" if kind == "outside" else "32.75",
                ]
            )


def make_region_and_office():
    from accounts.models import Office, User
    from reference.models import Region

    province = Region.objects.create(code="32", name="Jawa Barat", level=1)
    bekasi = Region.objects.create(code="32.75", name="Kota Bekasi", level=2, parent=province)
    Region.objects.create(code="32.16", name="Kabupaten Bekasi", level=2, parent=province)
    office = Office.objects.create(name="Disnaker Kota Bekasi", region=bekasi)
    user = User.objects.create_user("dinas.bench", office=office, office_role="editor")
    return bekasi, user


def make_earlier_projects(regency, rows: int) -> None:
    """The region's projects before the import: known companies, and the projects that rows
    of kind "code" (with their kode tender) and "npwp" (without codes) will match."""
    from projects.models import Contractor, Project, WorkUnit

    places = {"province_id": regency.parent_id, "regency": regency}
    Contractor.objects.bulk_create(
        Contractor(legal_name=f"PT Konstruksi Benchmark {seq}", npwp=npwp(seq), **places)
        for seq in range(KNOWN_COMPANIES)
    )
    contractor_ids = dict(Contractor.objects.values_list("npwp", "pk"))
    unit = WorkUnit.objects.create(name="Dinas PUPR (entri kontraktor)", **places)
    projects = []
    spk = date(2026, 3, 2)
    for number in range(rows):
        kind = kind_of(number, rows)
        if kind not in ("code", "npwp"):
            continue
        company = company_of(number, kind)
        value = value_of(number)
        start = spk + timedelta(days=number % 200)
        projects.append(
            Project(
                contractor_id=contractor_ids[npwp(company)],
                work_unit=unit,
                name=package_name(number) + (" Kota Bekasi" if kind == "npwp" else ""),
                spk_number=f"SPK-KONTRAKTOR/{number}",
                spk_date=start,
                start_date=start + timedelta(days=7),
                end_date=start + timedelta(days=180),
                contract_value=value,
                includes_ppn=True,
                funding_source=Project.FundingSource.APBD_REGENCY,
                kode_tender=f"9{number:08d}" if kind == "code" else None,
                current_base_value=(value / Decimal("1.11")).quantize(Decimal("1")),
                current_end_date=start + timedelta(days=180),
                registration_due_on=start + timedelta(days=7),
                **places,
            )
        )
    Project.objects.bulk_create(projects, batch_size=2000)


def preview_and_import(user, path: Path):
    from django.core.files import File

    from procurement.models import ProcurementImport
    from procurement.services import create_import, run_import

    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        run = create_import(upload=File(handle, name=path.name), user=user, language="en")
    checked = time.perf_counter()
    ProcurementImport.objects.filter(pk=run.pk).update(status=ProcurementImport.Status.QUEUED)
    done = run_import(run.pk)
    finished = time.perf_counter()
    # CPU seconds of this process: on a shared machine, the wall time depends on the others.
    cpu = time.process_time() - cpu_started
    return {"preview_s": checked - started, "import_s": finished - checked, "cpu_s": cpu}, done


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pantau-procurement-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    config = database_config(url)
    recreate_database(config)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    configure_django(url)

    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False  # as a worker runs; with DEBUG every query would be kept in memory

    from procurement.services import create_import
    from projects.models import Contractor, Project

    call_command("migrate", verbosity=0)
    regency, user = make_region_and_office()
    make_earlier_projects(regency, args.rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have done on a live database
    projects_before = Project.objects.count()
    path = workdir / "ekontrak.csv"
    write_file(path, args.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    print(
        f"{args.rows:,} rows, {size_mb:.1f} MB, {projects_before:,} earlier projects, on {connection.vendor}"
    )

    figures, run = preview_and_import(user, path)
    total = figures["preview_s"] + figures["import_s"]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with path.open("rb") as handle:
        again = create_import(upload=File(handle, name=path.name), user=user, language="en")
    again_s = time.perf_counter() - started
    new_rows = [n for n in range(args.rows) if kind_of(n, args.rows) == "new"]
    companies = KNOWN_COMPANIES + len(
        {n % COMPANIES for n in new_rows} - set(range(KNOWN_COMPANIES))
    )
    expected_new = len(new_rows)
    result = {
        "rows": args.rows,
        "database": connection.vendor,
        "file_mb": round(size_mb, 1),
        "preview_s": round(figures["preview_s"], 2),
        "import_s": round(figures["import_s"], 2),
        "total_s": round(total, 2),
        "cpu_s": round(figures["cpu_s"], 2),
        "rows_per_s": round(args.rows / total),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "second_preview_s": round(again_s, 2),
        "counts": {
            key: getattr(run, f"{key}_count")
            for key in (
                "new",
                "changed",
                "matched",
                "plan",
                "rejected",
                "skipped",
                "new_contractor",
            )
        },
        "counts_ok": (
            run.new_count == expected_new
            and Project.objects.count() == projects_before + expected_new
            and Contractor.objects.count() == companies
            and again.new_count == again.changed_count == 0
        ),
        "meets_target": total < TARGET_SECONDS,
    }
    print(f"preview         {result['preview_s']:>7.2f} s")
    print(f"import (task)   {result['import_s']:>7.2f} s  (plans again, then bulk writes)")
    print(
        f"total           {total:>7.2f} s  {result['rows_per_s']:,} rows/s"
        f"  target < {TARGET_SECONDS:.0f} s: {'met' if result['meets_target'] else 'MISSED'}"
    )
    print(f"CPU time        {figures['cpu_s']:>7.2f} s  (this process; the rest waited on others)")
    print(f"peak RSS        {peak_rss_mb:>7.1f} MB")
    print(f"second preview  {again_s:>7.2f} s  (same file: nothing to write)")
    print(json.dumps(result))
    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if result["counts_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
