#!/usr/bin/env python
"""Compliance-scan benchmark: N generated projects, the engine's full scan against bare SQL.

    python bench/scan_benchmark.py --projects N [--database-url URL] [--keep] [--repeat R]

Generates N projects over the 514 kab/kota (COPY on PostgreSQL, bulk_create on SQLite) with a
fixed seed and a fixed clock, then measures in one run: the bare SQL a human would write for the
`unregistered` rule (read-only anti-join and INSERT … SELECT … ON CONFLICT DO NOTHING), the
engine's `unregistered` part alone, the first full scan, the steady-state re-scan, the re-scan
after 100 changes, one marked project through the incremental path, and peak memory. Flag
counts are checked against reference counts from independent bare SQL (and against the counts
the generator planned); the script exits 1 on any mismatch. The last line of output is JSON.

See bench/README.md for what each figure means and the figures measured on this machine kind.
"""

# SQL here is built from constants and bound parameters only.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from bisect import bisect
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pantau_bench"
WIB = ZoneInfo("Asia/Jakarta")
# The fixed clock of every scan (a Wednesday) and the seed: two runs generate the same rows.
NOW = datetime(2026, 10, 14, 10, 0, tzinfo=WIB)
SEED = 20261014
DATASET_VERSION = "1"
META_TABLE = "pantau_bench_meta"
CHUNK = 25_000  # projects generated and written per transaction

# The targets of the issue, for 1,000,000 projects on the 2-core machine.
TARGETS = {
    "first_scan_s": ("first full scan", 10.0, "s"),
    "rescan_s": ("steady-state re-scan", 3.0, "s"),
    "unregistered_ratio": ("`unregistered` part / bare SQL", 1.5, "x"),
    "peak_rss_mb": ("peak RSS of the scan process", 300.0, "MB"),
    "incremental_ms": ("one marked project", 50.0, "ms"),
}

# What each generated project is, with its share of N; `covered` takes the rest.
MIX = (
    ("unregistered", 0.30),  # active, due date passed, no registration: violation
    ("warning", 0.02),  # active, due within the warning horizon (3 working days): warning
    ("not_yet_due", 0.02),  # active, due later than the horizon: nothing yet
    ("rejected", 0.03),  # rejected more than 7 days ago, nothing new: `rejected`
    ("rejected_recent", 0.01),  # rejected less than 7 days ago, due passed: `unregistered`
    ("coverage_gap", 0.04),  # an addendum moved the end date past the coverage
    ("underpaid", 0.04),  # paid more than Rp1,000 short (half of them after an addendum)
    ("unverified", 0.02),  # covered, submitted more than 10 working days ago, not verified
    ("no_workers", 0.02),  # covered, started over 30 working days ago, too few workers
    ("staffed", 0.01),  # covered, started long ago, workers enrolled: nothing
    ("subcontract", 0.02),  # subcontract of a covered main project, no own registration
    ("finished", 0.08),  # finished (BAST), half never registered: never flagged
    ("terminated", 0.01),  # terminated, never registered: never flagged
)
CATEGORIES = [name for name, _share in MIX] + ["covered"]

# Open flags the generator plans per rule and severity, from the categories.
PLANNED = {
    ("unregistered", "violation"): ("unregistered", "rejected_recent"),
    ("unregistered", "warning"): ("warning",),
    ("rejected", "violation"): ("rejected",),
    ("coverage_gap", "violation"): ("coverage_gap",),
    ("underpaid", "violation"): ("underpaid",),
    ("no_workers", "warning"): ("no_workers",),
    ("unverified", "warning"): ("unverified",),
}
RULES = ("unregistered", "rejected", "coverage_gap", "underpaid", "no_workers", "unverified")

# Permenaker 5/2021 tiers in hundredths of a percent (what migration 0002 loads), and the wage
# basis: written out here so the reference SQL does not reuse the engine's expression.
TIERS = (
    (100_000_000, 21, 3),
    (500_000_000, 17, 2),
    (1_000_000_000, 13, 2),
    (5_000_000_000, 11, 1),
    (None, 9, 1),
)
WAGE_RATES = (174, 30)

COLUMNS = {
    "contractor": (
        "id legal_name npwp npp qualification address contact_name email phone source "
        "created_at updated_at province_id regency_id"
    ),
    "work_unit": (
        "id name klpd_code satker_code ppk_name ppk_email created_at updated_at province_id "
        "regency_id"
    ),
    "worker": "id nik full_name birth_date sex address phone created_at updated_at",
    "project": (
        "id name spk_number spk_date start_date end_date status bast_date contract_value "
        "includes_ppn ppn_rate contribution_basis wage_total funding_source address kode_rup "
        "planned_workforce source current_base_value current_end_date registration_due_on "
        "created_at updated_at contractor_id parent_id province_id regency_id work_unit_id"
    ),
    "amendment": (
        "id project_id sequence signed_on document_number new_contract_value new_end_date "
        "previous_base_value previous_end_date created_at"
    ),
    "registration": (
        "id project_id bpjs_project_number registered_on coverage_start coverage_end tariff_id "
        "assessed_base_value contribution_assessed status rejection_reason verified_at "
        "created_at updated_at"
    ),
    "payment": "id registration_id kind amount paid_on receipt_number created_at",
    "enrollment": (
        "id project_id worker_id job_title employment_type started_on planned_end_on ended_on "
        "created_at updated_at"
    ),
}
COLUMNS = {table: tuple(columns.split()) for table, columns in COLUMNS.items()}
MODELS = {
    "contractor": "projects.Contractor",
    "work_unit": "projects.WorkUnit",
    "worker": "workers.Worker",
    "project": "projects.Project",
    "amendment": "projects.Amendment",
    "registration": "compliance.Registration",
    "payment": "compliance.Payment",
    "enrollment": "workers.Enrollment",
}
# Tables the engine writes: emptied before each measurement.
ENGINE_TABLES = (
    "compliance.FlagEvent",
    "compliance.WarningLetter",
    "compliance.Notification",
    "compliance.ComplianceFlag",
    "compliance.ScanRun",
    "compliance.RegionDailyRollup",
)


# --- Contribution, as plain integers --------------------------------------------------------


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def contribution_due(base_value: int, *, wages: int | None = None) -> int:
    """What compliance.contribution computes, in integers (fast for a million rows); checked
    against contribution_on_value / contribution_on_wages on a sample before generating."""
    if wages is not None:
        jkk_rate, jkm_rate = WAGE_RATES
        return _half_up(wages * jkk_rate, 10_000) + _half_up(wages * jkm_rate, 10_000)
    jkk = jkm = 0
    lower = 0
    for upper, jkk_rate, jkm_rate in TIERS:
        top = base_value if upper is None else min(base_value, upper)
        amount = max(top - lower, 0)
        jkk += amount * jkk_rate
        jkm += amount * jkm_rate
        if upper is None or base_value <= upper:
            break
        lower = upper
    return _half_up(jkk, 10_000) + _half_up(jkm, 10_000)


def check_contribution_arithmetic(rng: random.Random) -> None:
    from compliance.contribution import contribution_on_value, contribution_on_wages

    for _ in range(2_000):
        value = rng.randint(1, 60_000_000_000)
        expected = contribution_on_value(Decimal(value)).total
        assert contribution_due(value) == expected, (value, expected)
        assert contribution_due(0, wages=value) == contribution_on_wages(Decimal(value)).total


# --- Database preparation (before django.setup) ---------------------------------------------


def database_config(url: str) -> dict:
    import environ

    return environ.Env.db_url_config(url)


def is_sqlite(config: dict) -> bool:
    return config["ENGINE"] == "django.db.backends.sqlite3"


def _pg_connect(config: dict, dbname: str):
    import psycopg

    return psycopg.connect(
        dbname=dbname,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def read_meta(config: dict) -> dict | None:
    """The dataset recorded by a previous run, or None (no database, no table)."""
    query = f"SELECT key, value FROM {META_TABLE}"
    try:
        if is_sqlite(config):
            import sqlite3

            if not Path(config["NAME"]).exists():
                return None
            with sqlite3.connect(config["NAME"]) as connection:
                rows = connection.execute(query).fetchall()
        else:
            with _pg_connect(config, config["NAME"]) as connection:
                rows = connection.execute(query).fetchall()
    except Exception:
        return None
    return {key: json.loads(value) for key, value in rows}


def recreate_database(config: dict) -> None:
    if is_sqlite(config):
        path = Path(config["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from psycopg import sql

    name = sql.Identifier(config["NAME"])
    with _pg_connect(config, "postgres") as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def configure_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = url
    # The engine is called directly; a nudge on commit would queue real Celery tasks.
    os.environ["PANTAU_NUDGE_ENGINE_ON_COMMIT"] = "false"
    import django

    django.setup()


# --- Generation (runs in a child process, so its memory never counts as the scan's) ---------


@contextmanager
def explicit_timestamps(models):
    """bulk_create() would stamp auto_now/auto_now_add fields with the real time; the fixed
    clock needs the generated ones (created_at of a registration decides `unverified`)."""
    saved = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Writer:
    """COPY on PostgreSQL (psycopg 3 write_row), bulk_create on SQLite."""

    def __init__(self):
        from django.apps import apps
        from django.db import connection

        self.connection = connection
        self.copy = connection.vendor == "postgresql"
        self.models = {table: apps.get_model(label) for table, label in MODELS.items()}
        self.written = Counter()

    def write(self, table: str, rows: list[tuple], columns: tuple[str, ...] = ()) -> None:
        if not rows:
            return
        model, columns = self.models[table], columns or COLUMNS[table]
        if self.copy:
            statement = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
            with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
            with explicit_timestamps([model]):
                model.objects.bulk_create(objects, batch_size=500)
        self.written[table] += len(rows)

    def finish(self) -> None:
        if not self.copy:
            return
        with self.connection.cursor() as cursor:
            for model in self.models.values():
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
                    [table],
                )


class Generator:
    """Rows for every table, from a fixed seed and the fixed clock. Derived project columns
    (current_base_value, current_end_date, registration_due_on) are computed with the
    functions projects.services uses: value_before_ppn() and registration_due_date()."""

    def __init__(self, projects: int, seed: int):
        from compliance.models import Tariff
        from compliance.rules import Clock
        from reference.calendar import holidays_between
        from reference.models import Region

        self.n = projects
        self.rng = random.Random(seed)
        check_contribution_arithmetic(random.Random(seed))
        self.clock = Clock.at(NOW)
        self.today = self.clock.today
        self.holidays = holidays_between(
            self.today - timedelta(days=900), self.today + timedelta(days=400)
        )
        self.regencies = list(
            Region.objects.regencies().order_by("code").values_list("id", "parent_id")
        )
        assert len(self.regencies) == 514, f"{len(self.regencies)} kab/kota: run load_regions"
        self.tariff_id = Tariff.objects.in_force_on(self.today).pk
        self.contractors = max(50, projects // 20)
        self.work_units = max(50, projects // 40)
        self.workers = max(500, projects // 20)
        self.ids = Counter()
        self.planned = Counter()
        self.main_covered: list[int] = []
        self.due_cache: dict[tuple[date, date], date] = {}
        self.weights = []
        total = 0.0
        for _name, share in MIX:
            total += share
            self.weights.append(total)
        assert total < 1

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def stamp(self, day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, clock_time(hour), tzinfo=WIB)

    # Reference-like rows

    def contractor_rows(self):
        created = self.stamp(self.today - timedelta(days=800))
        for i in range(1, self.contractors + 1):
            regency, province = self.regencies[i % len(self.regencies)]
            yield (
                i, f"PT Konstruksi Bench {i}", f"{10**15 + i}", "", "medium", "", "", "", "",
                "office", created, created, province, regency,
            )  # fmt: skip

    def work_unit_rows(self):
        created = self.stamp(self.today - timedelta(days=800))
        for i in range(1, self.work_units + 1):
            regency, province = self.regencies[i % len(self.regencies)]
            yield (
                i, f"Dinas PUPR bench {i}", f"D{regency}", f"{i:06d}", "", "", created, created,
                province, regency,
            )  # fmt: skip

    def worker_rows(self):
        created = self.stamp(self.today - timedelta(days=400))
        for i in range(1, self.workers + 1):
            yield (
                i, f"{3_100_000_000_000_000 + i}", f"Pekerja {i}", None, "M", "", "", created,
                created,
            )  # fmt: skip

    # Projects

    def due_on(self, spk_date: date, start_date: date) -> date:
        from projects.services import registration_due_date

        key = (spk_date, start_date)
        if key not in self.due_cache:
            self.due_cache[key] = registration_due_date(
                spk_date, start_date, holidays=self.holidays
            )
        return self.due_cache[key]

    def category(self) -> str:
        index = bisect(self.weights, self.rng.random())
        return MIX[index][0] if index < len(MIX) else "covered"

    def dates(self, category: str) -> tuple[date, date]:
        """(spk_date, start_date) for a category; projects that started over 30 working days
        ago are only in no_workers, staffed and finished (the no_workers rule applies to them)."""
        rng, today = self.rng, self.today
        recent = (today - self.clock.no_workers_started_by).days - 1  # started since then
        horizon = (self.clock.warn_horizon - today).days
        if category in ("unregistered", "rejected", "rejected_recent", "terminated"):
            start = today - timedelta(days=rng.randint(1, recent))
            return start - timedelta(days=rng.randint(0, 20)), start
        if category == "warning":  # due = start, within the horizon
            start = today + timedelta(days=rng.randint(0, horizon))
            return start - timedelta(days=rng.randint(0, 10)), start
        if category == "not_yet_due":
            start = today + timedelta(days=horizon + rng.randint(1, 60))
            return start - timedelta(days=rng.randint(0, 10)), start
        if category in ("no_workers", "staffed"):
            start = self.clock.no_workers_started_by - timedelta(days=rng.randint(0, 250))
            return start - timedelta(days=rng.randint(0, 20)), start
        if category == "finished":
            start = today - timedelta(days=rng.randint(200, 600))
            return start - timedelta(days=rng.randint(0, 20)), start
        if category == "unverified":  # registered before the unverified threshold
            threshold = self.clock.unverified_created_before.date()
            spk = threshold - timedelta(days=rng.randint(3, 20))
            start = max(spk + timedelta(days=rng.randint(0, 20)), today - timedelta(days=recent))
            return spk, start
        start = today + timedelta(days=rng.randint(-recent, 10))
        return start - timedelta(days=rng.randint(0, 20)), start

    def project_rows(self, first: int, count: int) -> dict[str, list[tuple]]:
        from reference.rupiah import value_before_ppn

        rng, today = self.rng, self.today
        rows = defaultdict(list)
        for pk in range(first, first + count):
            category = self.category()
            if category == "subcontract" and not self.main_covered:
                category = "covered"
            self.planned[category] += 1
            spk, start = self.dates(category)
            if category == "finished":
                end = start + timedelta(days=rng.randint(60, 180))
            else:
                end = start + timedelta(days=rng.randint(60, 365))
                if end < today + timedelta(days=30):
                    end = today + timedelta(days=rng.randint(30, 300))
            status = "running" if start <= today else "planned"
            if category in ("finished", "terminated"):
                status = category
            value = int(math.exp(rng.uniform(math.log(5e7), math.log(5e10)))) // 1000 * 1000
            includes_ppn = rng.random() < 0.5
            base_value = int(value_before_ppn(value, includes_ppn=includes_ppn, ppn_rate=11))
            wages = None
            if category in ("covered", "underpaid") and rng.random() < 0.1:
                wages = base_value * rng.randint(20, 35) // 100_000 * 1000
            regency, province = self.regencies[rng.randrange(len(self.regencies))]
            parent = rng.choice(self.main_covered) if category == "subcontract" else None
            planned_workforce = None
            current_value, current_end = value, end
            paid_base = base_value  # the DPP the contribution was paid on

            raised = category == "underpaid" and wages is None and rng.random() < 0.5
            if category == "coverage_gap" or raised:
                # An addendum: the end date moves past the coverage, or the value goes up.
                amendment = self.next_id("amendment")
                new_value = new_end = None
                if category == "coverage_gap":
                    new_end = current_end = end + timedelta(days=rng.randint(30, 120))
                else:
                    new_value = current_value = value * rng.randint(110, 150) // 100_000 * 1000
                rows["amendment"].append(
                    (
                        amendment, pk, 1, min(today, start + timedelta(days=20)),
                        f"ADD/{pk}/1", new_value, new_end, base_value, end,
                        self.stamp(min(today, start + timedelta(days=20))),
                    )
                )  # fmt: skip
            current_base = int(
                value_before_ppn(current_value, includes_ppn=includes_ppn, ppn_rate=11)
            )
            due = contribution_due(current_base, wages=wages)
            paid_due = contribution_due(paid_base, wages=wages)
            if category == "underpaid":
                if wages is None and current_base != paid_base and due - paid_due > 1000:
                    paid = paid_due  # paid on the DPP before the addendum
                else:
                    paid = due - rng.randint(1500, max(1500, due // 3))
                assert paid > 0 and paid < due - 1000
            elif category == "covered" and rng.random() < 0.1:
                paid = due - rng.randint(1, 900)  # short, within the Rp1,000 tolerance
            else:
                paid = due

            if category == "no_workers":
                planned_workforce = rng.randint(10, 40)
            elif category == "staffed":
                planned_workforce = rng.choice([None, rng.randint(2, 10)])

            rows["project"].append(
                (
                    pk, f"Pembangunan jalan lingkungan {pk}", f"SPK/{pk}", spk, start, end,
                    status, end if status == "finished" else None, Decimal(value),
                    includes_ppn, Decimal(11), "wages" if wages else "contract_value",
                    Decimal(wages) if wages else None, "apbd_kab", "", "", planned_workforce,
                    "procurement", Decimal(current_base), current_end, self.due_on(spk, start),
                    self.stamp(min(spk, today)), self.stamp(min(spk, today)),
                    rng.randint(1, self.contractors), parent,
                    province, regency, rng.randint(1, self.work_units),
                )
            )  # fmt: skip

            registered = category in (
                "covered", "coverage_gap", "underpaid", "unverified", "no_workers", "staffed",
            ) or (category == "finished" and rng.random() < 0.5)  # fmt: skip
            if registered:
                self.registration(rows, pk, category, spk, start, end, paid_base, paid_due, paid)
            elif category in ("rejected", "rejected_recent"):
                self.rejection(rows, pk, category, spk, start, end, base_value)
            if category == "covered" and parent is None and len(self.main_covered) < 5000:
                self.main_covered.append(pk)
            self.enrollments(rows, pk, category, start, end, planned_workforce)
        return rows

    def registration(self, rows, pk, category, spk, start, end, base, assessed, paid):
        rng, today = self.rng, self.today
        registration = self.next_id("registration")
        if category == "unverified":
            registered_on = spk + timedelta(days=rng.randint(0, 2))
            status, created = "submitted", self.stamp(registered_on)
        elif category == "covered" and rng.random() < 0.15:  # waiting, but not for long
            registered_on = today - timedelta(days=rng.randint(0, 4))
            status, created = "submitted", self.stamp(registered_on, 8)
        else:
            registered_on = min(today, spk + timedelta(days=rng.randint(0, 10)))
            status, created = "verified", self.stamp(registered_on, 8)
        verified_at = None
        if status == "verified":
            verified_at = min(created + timedelta(days=2), NOW - timedelta(hours=1))
        rows["registration"].append(
            (
                registration, pk, f"{23 * 10**11 + registration:013d}", registered_on, start,
                end, self.tariff_id, Decimal(base), Decimal(assessed), status, "", verified_at,
                created, created,
            )
        )  # fmt: skip
        parts = [paid] if paid < 1000 or rng.random() < 0.7 else [paid // 2, paid - paid // 2]
        for number, amount in enumerate(parts, start=1):
            payment = self.next_id("payment")
            rows["payment"].append(
                (
                    payment, registration, "full" if len(parts) == 1 else "installment",
                    Decimal(amount), registered_on, f"KW{payment:010d}-{number}", created,
                )
            )  # fmt: skip

    def rejection(self, rows, pk, category, spk, start, end, base):
        rng = self.rng
        days = rng.randint(8, 60) if category == "rejected" else rng.randint(1, 6)
        verified_at = NOW - timedelta(days=days, hours=rng.randint(0, 12))
        registered_on = verified_at.date() - timedelta(days=rng.randint(1, 5))
        registration = self.next_id("registration")
        rows["registration"].append(
            (
                registration, pk, f"{23 * 10**11 + registration:013d}", registered_on, start,
                end, self.tariff_id, Decimal(base), Decimal(contribution_due(base)), "rejected",
                "Sertifikat tidak sesuai dengan kontrak", verified_at,
                self.stamp(registered_on), verified_at,
            )
        )  # fmt: skip

    def enrollments(self, rows, pk, category, start, end, planned_workforce):
        rng, today = self.rng, self.today
        if category == "no_workers":
            active = 0 if rng.random() < 0.5 else rng.randint(1, planned_workforce // 2 - 1)
            ended = 1 if rng.random() < 0.3 else 0
        elif category == "staffed":
            low = math.ceil(planned_workforce / 2) if planned_workforce else 1
            active, ended = rng.randint(low, planned_workforce or 3), rng.randint(0, 1)
        elif category == "covered" and start <= today and rng.random() < 0.05:
            active, ended = rng.randint(1, 2), 0
        else:
            return
        created = self.stamp(min(start, today))
        for number, worker in enumerate(rng.sample(range(1, self.workers + 1), active + ended)):
            ended_on = start + timedelta(days=rng.randint(1, 30)) if number >= active else None
            rows["enrollment"].append(
                (
                    self.next_id("enrollment"), pk, worker, "tukang", "harian_lepas", start, end,
                    ended_on, created, created,
                )
            )  # fmt: skip

    def expected(self) -> dict[str, dict[str, int]]:
        counts = {rule: {"violation": 0, "warning": 0} for rule in RULES}
        for (rule, severity), categories in PLANNED.items():
            counts[rule][severity] = sum(self.planned[c] for c in categories)
        return counts


def has_payments_total() -> bool:
    """Whether Registration stores the sum of its payments (a proposed denormalisation)."""
    from compliance.models import Registration

    return any(field.name == "payments_total" for field in Registration._meta.concrete_fields)


PAID_TOTAL_TRIGGER = "compliance_payment_payments_total"  # compliance migration 0004


def stored_payments_total(rows: dict) -> None:
    """If Registration has a payments_total column, fill it from the chunk's payments. Only with
    COPY, where generate() turns the database's trigger off; bulk_create (SQLite) leaves the sum
    to the triggers."""
    from django.db import connection

    if not has_payments_total() or connection.vendor != "postgresql":
        return
    paid = Counter()
    for row in rows["payment"]:
        paid[row[1]] += row[3]
    rows["registration"] = [(*row, paid[row[0]]) for row in rows["registration"]]
    rows["registration:columns"] = (*COLUMNS["registration"], "payments_total")


def generate(projects: int, seed: int) -> dict:
    """Write the dataset; returns what was written and planned (stored in META_TABLE too)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    generator = Generator(projects, seed)
    writer = Writer()
    trigger = writer.copy and has_payments_total()
    if trigger:  # the rows carry the sum (stored_payments_total): no UPDATE per payment
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE compliance_payment DISABLE TRIGGER {PAID_TOTAL_TRIGGER}")
    with transaction.atomic():
        writer.write("contractor", list(generator.contractor_rows()))
        writer.write("work_unit", list(generator.work_unit_rows()))
        writer.write("worker", list(generator.worker_rows()))
    for first in range(1, projects + 1, CHUNK):
        count = min(CHUNK, projects - first + 1)
        rows = generator.project_rows(first, count)
        stored_payments_total(rows)
        with transaction.atomic():
            for table in ("project", "amendment", "registration", "payment", "enrollment"):
                writer.write(table, rows[table], rows.get(f"{table}:columns", ()))
        done = first + count - 1
        if done % 200_000 < CHUNK or done == projects:
            elapsed = time.perf_counter() - started
            print(f"  generated {done:,} projects in {elapsed:.1f} s", flush=True)
    writer.finish()
    if trigger:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE compliance_payment ENABLE TRIGGER {PAID_TOTAL_TRIGGER}")
    meta = {
        "version": DATASET_VERSION,
        "projects": projects,
        "seed": seed,
        "planned_categories": dict(generator.planned),
        "planned_flags": generator.expected(),
        "rows": dict(writer.written),
        "max_ids": dict(generator.ids),
        "generate_s": round(time.perf_counter() - started, 2),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {META_TABLE} (key varchar(40) PRIMARY KEY, value text)")
        for key, value in meta.items():
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)",
                [key, json.dumps(value)],
            )
    return meta


# --- Measuring helpers ----------------------------------------------------------------------


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StatementLog:
    """connection.execute_wrapper: the time and row count of every statement."""

    def __init__(self):
        self.rows: list[tuple[float, str, int]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            rowcount = getattr(context["cursor"], "rowcount", -1)
            self.rows.append((time.perf_counter() - started, label(sql, params), rowcount))

    @property
    def seconds(self) -> float:
        return sum(row[0] for row in self.rows)

    def top(self, n: int = 8) -> list[dict]:
        return [
            {"s": round(seconds, 4), "rows": rowcount, "sql": name}
            for seconds, name, rowcount in sorted(self.rows, key=lambda r: -r[0])[:n]
        ]


WORDS = {*RULES, "opened", "resolved", "severity_changed", "letter_due", "warning", "violation"}


def label(sql: str, params) -> str:
    """A short, readable name for a statement: its verb and table, the rule or event kind
    among its parameters, and the start of its WHERE clause."""
    sql = " ".join(sql.split())
    match = re.match(r'(INSERT INTO|UPDATE|DELETE FROM|SELECT .{0,40}? FROM) "?(\w+)"?', sql)
    head = f"{match.group(1)[:20]} {match.group(2)}" if match else sql[:40]
    values = params.values() if isinstance(params, dict) else params or ()
    words = [v for v in values if isinstance(v, str) and v in WORDS]
    where = sql.find(" WHERE ")
    tail = sql[where + 7 : where + 70] if where >= 0 else ""
    return f"{head} [{' '.join(dict.fromkeys(words))}] {tail}"[:140]


def slowest_first(parts: dict) -> dict:
    """timed_parts' seconds per part, rounded, the slowest first."""
    return {k: round(v, 3) for k, v in sorted(parts.items(), key=lambda i: -i[1])}


@contextmanager
def timed_parts(parts: dict):
    """Time the engine's parts during a scan by wrapping its module functions (bench only)."""
    from compliance import notifications, rollups, scanning

    originals = {
        (scanning, "apply_rule"): lambda args: f"rule {args[0]}",
        (scanning, "materialize_decisions"): lambda args: "decisions (sweep)",
        (scanning, "escalate"): lambda args: "escalate",
        (scanning, "rescore"): lambda args: "rescore",
        (rollups, "refresh_rollups"): lambda args: "rollups",
        (notifications, "queue_scan_notifications"): lambda args: "notifications",
    }
    saved = []
    for (module, name), naming in originals.items():
        function = getattr(module, name, None)
        if function is None:  # an older engine, measured with this script
            continue
        saved.append((module, name, function))

        def wrapper(*args, _function=function, _naming=naming, **kwargs):
            started = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                key = _naming(args)
                parts[key] = parts.get(key, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)
    try:
        yield parts
    finally:
        for module, name, function in saved:
            setattr(module, name, function)


def reset_engine_tables() -> None:
    from django.apps import apps
    from django.db import connection

    tables = [apps.get_model(label)._meta.db_table for label in ENGINE_TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def analyze(tables: list[str] | None = None, *, vacuum: bool = False) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            command = "VACUUM ANALYZE" if vacuum else "ANALYZE"
            cursor.execute(f"{command} {', '.join(tables)}" if tables else command)
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


# --- Bare SQL: what a human would write ------------------------------------------------------


class BareSQL:
    """Hand-written SQL per rule, independent of compliance.rules (the reference)."""

    def __init__(self, clock):
        from django.conf import settings
        from django.db import connection

        self.connection = connection
        self.sqlite = connection.vendor == "sqlite"
        ops = connection.ops
        tolerance = settings.PANTAU_UNDERPAID_TOLERANCE
        self.params = {
            "today": ops.adapt_datefield_value(clock.today),
            "horizon": ops.adapt_datefield_value(clock.warn_horizon),
            "now": ops.adapt_datetimefield_value(clock.now),
            "rejected_before": ops.adapt_datetimefield_value(clock.rejected_before),
            "no_workers_started_by": ops.adapt_datefield_value(clock.no_workers_started_by),
            "unverified_before": ops.adapt_datetimefield_value(clock.unverified_created_before),
            "tolerance": float(tolerance) if self.sqlite else tolerance,
        }

    # Fragments over `projects_project p`.
    ACTIVE = "p.status IN ('planned', 'running')"
    # A rejection older than N days with no live registration since.
    UNANSWERED_REJECTION = (
        "EXISTS (SELECT 1 FROM compliance_registration r WHERE r.project_id = p.id "
        "AND r.status = 'rejected' AND r.verified_at <= %(rejected_before)s "
        "AND NOT EXISTS (SELECT 1 FROM compliance_registration l "
        "WHERE l.project_id = r.project_id AND l.status <> 'rejected'))"
    )

    @staticmethod
    def covering(project: str) -> str:
        """Covered: a registration that is not rejected, with at least one payment."""
        return (
            "EXISTS (SELECT 1 FROM compliance_registration r JOIN compliance_payment pay "
            f"ON pay.registration_id = r.id WHERE r.project_id = {project} "
            "AND r.status <> 'rejected')"
        )

    def not_covered(self) -> str:
        # NOT EXISTS side by side: anti-joins. (A main project's parent_id is NULL, which
        # matches no registration.)
        return f"NOT {self.covering('p.id')} AND NOT {self.covering('p.parent_id')}"

    def unregistered_where(self) -> str:
        return (
            f"{self.ACTIVE} AND p.registration_due_on <= %(horizon)s AND {self.not_covered()} "
            f"AND NOT {self.UNANSWERED_REJECTION}"
        )

    def due_expression(self) -> str:
        least, greatest = ("MIN", "MAX") if self.sqlite else ("LEAST", "GREATEST")
        jkk, jkm, lower = [], [], 0
        for upper, jkk_rate, jkm_rate in TIERS:
            top = (
                "p.current_base_value"
                if upper is None
                else f"{least}(p.current_base_value, {upper})"
            )
            amount = f"{greatest}({top} - {lower}, 0)"
            jkk.append(f"{amount} * {jkk_rate / 10_000}")
            jkm.append(f"{amount} * {jkm_rate / 10_000}")
            lower = upper
        on_value = f"ROUND({' + '.join(jkk)}) + ROUND({' + '.join(jkm)})"
        jkk_wages, jkm_wages = (rate / 10_000 for rate in WAGE_RATES)
        on_wages = f"ROUND(p.wage_total * {jkk_wages}) + ROUND(p.wage_total * {jkm_wages})"
        return (
            "CASE WHEN p.contribution_basis = 'wages' AND p.wage_total IS NOT NULL "
            f"THEN {on_wages} ELSE {on_value} END"
        )

    def queries(self) -> dict[str, str]:
        """rule -> SELECT severity, COUNT(*) of the projects the rule holds for."""
        violation_by_due = (
            "CASE WHEN p.registration_due_on < %(today)s THEN 'violation' ELSE 'warning' END"
        )
        paid = (
            "SELECT r.project_id, SUM(pay.amount) AS paid FROM compliance_registration r "
            "JOIN compliance_payment pay ON pay.registration_id = r.id "
            "WHERE r.status <> 'rejected' GROUP BY r.project_id"
        )
        workers = (
            "SELECT e.project_id, COUNT(*) AS n FROM workers_enrollment e "
            "WHERE e.ended_on IS NULL GROUP BY e.project_id"
        )
        return {
            "unregistered": (
                f"SELECT {violation_by_due}, COUNT(*) FROM projects_project p "
                f"WHERE {self.unregistered_where()} GROUP BY 1"
            ),
            "rejected": (
                "SELECT 'violation', COUNT(*) FROM projects_project p "
                f"WHERE {self.ACTIVE} AND {self.UNANSWERED_REJECTION} AND {self.not_covered()}"
            ),
            # At most one live registration per project (a constraint), so "the latest
            # covering registration" is the covering one.
            "coverage_gap": (
                "SELECT 'violation', COUNT(*) FROM projects_project p "
                f"WHERE {self.ACTIVE} AND EXISTS (SELECT 1 FROM compliance_registration r "
                "JOIN compliance_payment pay ON pay.registration_id = r.id "
                "WHERE r.project_id = p.id AND r.status <> 'rejected' "
                "AND (r.coverage_end < p.current_end_date OR r.coverage_end < %(today)s))"
            ),
            "underpaid": (
                f"SELECT 'violation', COUNT(*) FROM projects_project p JOIN ({paid}) t "
                f"ON t.project_id = p.id WHERE {self.ACTIVE} "
                f"AND t.paid < ({self.due_expression()}) - %(tolerance)s"
            ),
            "no_workers": (
                f"SELECT 'warning', COUNT(*) FROM projects_project p LEFT JOIN ({workers}) w "
                f"ON w.project_id = p.id WHERE {self.ACTIVE} "
                "AND p.start_date <= %(no_workers_started_by)s AND (COALESCE(w.n, 0) = 0 "
                "OR (p.planned_workforce IS NOT NULL "
                "AND COALESCE(w.n, 0) < p.planned_workforce * 0.5))"
            ),
            "unverified": (
                "SELECT 'warning', COUNT(*) FROM projects_project p "
                f"WHERE {self.ACTIVE} AND EXISTS (SELECT 1 FROM compliance_registration r "
                "WHERE r.project_id = p.id AND r.status = 'submitted' "
                "AND r.created_at < %(unverified_before)s)"
            ),
        }

    def reference_counts(self) -> dict[str, dict[str, int]]:
        counts = {}
        with self.connection.cursor() as cursor:
            for rule, query in self.queries().items():
                cursor.execute(query, self.params)
                found = {"violation": 0, "warning": 0}
                for severity, n in cursor.fetchall():
                    found[severity] += n
                counts[rule] = found
        return counts

    def count_unregistered(self) -> int:
        """The read-only anti-join: which projects the rule holds for (the floor)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM projects_project p WHERE {self.unregistered_where()}",
                self.params,
            )
            return cursor.fetchone()[0]

    def insert_unregistered(self, *, on_conflict: bool = True) -> int:
        """INSERT … SELECT … WHERE NOT EXISTS … ON CONFLICT DO NOTHING into the flag table (the
        reference of the ratio), or the same without ON CONFLICT (which the engine, under its
        lock, no longer writes: printed beside it)."""
        sql = (
            "INSERT INTO compliance_complianceflag (project_id, rule, severity, opened_at, "
            "violation_since, resolution, resolution_reason, waiver_reason, handling_note, "
            "escalation_step, letter_due_step, exposure_score, details) "
            "SELECT p.id, 'unregistered', CASE WHEN p.registration_due_on < %(today)s "
            "THEN 'violation' ELSE 'warning' END, %(now)s, CASE WHEN p.registration_due_on "
            "< %(today)s THEN %(now)s END, '', '', '', '', 0, 0, 0, '{}' "
            f"FROM projects_project p WHERE {self.unregistered_where()}"
            + (" ON CONFLICT DO NOTHING" if on_conflict else "")
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            return cursor.rowcount


def engine_session_settings() -> None:
    """The session settings the engine uses for its scan transaction (work_mem), so the bare
    SQL and the engine run alike."""
    from compliance import scanning

    tune = getattr(scanning, "_tune_for_bulk", None)
    if tune:
        tune()


def wal_bytes() -> int | None:
    """PostgreSQL: a CHECKPOINT, then the WAL position in bytes. The WAL a statement writes
    after a checkpoint (its rows, index entries and the first image of every page it touches)
    measures its work whatever the machine's speed: timings swung 2x from one run to the next
    on a shared host (bench/README.md). None on SQLite, or when the role may not checkpoint."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("CHECKPOINT")
        except DatabaseError:
            return None
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        return cursor.fetchone()[0]


def wal_mb(before: int | None) -> float | None:
    after = wal_bytes()
    return None if before is None or after is None else round((after - before) / 2**20, 1)


def timed_transaction(work) -> tuple[float, float, object]:
    """Run work() in a transaction; returns (seconds without commit, with commit, result)."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        engine_session_settings()
        result = work()
        statement = time.perf_counter() - started
    return statement, time.perf_counter() - started, result


def traced_first_scan() -> float:
    """(6) The tracemalloc peak of a first scan (the Python objects it held at once), in MB: the
    first scan again on empty engine tables, traced and rolled back. Not timed: tracing every
    allocation slows Python down."""
    from django.db import transaction

    from compliance import scanning

    with transaction.atomic():
        reset_engine_tables()
        gc.collect()
        tracemalloc.start()
        try:
            scanning.scan_projects(now=NOW)
            return round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
        finally:
            tracemalloc.stop()
            transaction.set_rollback(True)


def open_flag_counts() -> dict[str, dict[str, int]]:
    from django.db.models import Count

    from compliance.models import ComplianceFlag

    counts = {rule: {"violation": 0, "warning": 0} for rule in RULES}
    rows = (
        ComplianceFlag.objects.filter(resolved_at__isnull=True)
        .values_list("rule", "severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    for rule, severity, n in rows:
        counts.setdefault(rule, {"violation": 0, "warning": 0})[severity] = n
    return counts


def register(project_ids: list[int], *, at: datetime) -> None:
    """A registration paid in full for each project (what a contractor records), written
    without marking the projects: the full scan is measured here, not the incremental path."""
    from compliance.models import Payment, Registration, Tariff
    from projects.models import Project

    tariff = Tariff.objects.in_force_on(NOW.date())
    projects = Project.objects.filter(pk__in=project_ids).values_list(
        "pk", "start_date", "current_end_date", "current_base_value", "contribution_basis",
        "wage_total",
    )  # fmt: skip
    registrations, payments = [], []
    for pk, start, end, base, basis, wages in projects:
        due = contribution_due(int(base), wages=int(wages) if basis == "wages" else None)
        registration = Registration(
            project_id=pk,
            bpjs_project_number=f"{24 * 10**11 + pk:013d}",
            registered_on=at.date(),
            coverage_start=start,
            coverage_end=end,
            tariff=tariff,
            assessed_base_value=base,
            contribution_assessed=due,
            status=Registration.Status.VERIFIED,
            verified_at=at,
            created_at=at,
            updated_at=at,
        )
        registrations.append(registration)  # payments_total: the payment's trigger
        payments.append((registration, due))
    with explicit_timestamps([Registration, Payment]):
        Registration.objects.bulk_create(registrations)
        Payment.objects.bulk_create(
            Payment(
                registration=registration,
                amount=amount,
                paid_on=at.date(),
                receipt_number=f"KWB{registration.project_id}",
                created_at=at,
            )
            for registration, amount in payments
        )


def unregistered_violations(limit: int, *, after: int = 0) -> list[int]:
    from compliance.models import ComplianceFlag

    return list(
        ComplianceFlag.objects.filter(
            rule="unregistered",
            severity="violation",
            resolved_at__isnull=True,
            project_id__gt=after,
        )
        .order_by("project_id")
        .values_list("project_id", flat=True)[:limit]
    )


def undo_changes(meta: dict) -> None:
    """Remove the registrations the benchmark added (and any mark and contractor address), so
    --keep starts from the generated dataset again."""
    from compliance.models import Payment, Registration
    from projects.models import Contractor, Project

    max_ids = meta["max_ids"]
    Contractor.objects.exclude(email="").update(email="")
    Payment.objects.filter(pk__gt=max_ids.get("payment", 0)).delete()
    Registration.objects.filter(pk__gt=max_ids.get("registration", 0)).delete()
    Project.objects.filter(needs_evaluation_at__isnull=False).update(needs_evaluation_at=None)


def unstamp_future(meta: dict) -> None:
    """Datasets generated before the generator capped them stamped projects with a later SPK
    date in the future of the clock; a delta scan reads those as changed rows. Stamp them at
    today 09:00, as the generator now does (idempotent)."""
    from projects.models import Project

    today = datetime.combine(NOW.date(), clock_time(9), tzinfo=WIB)
    Project.objects.filter(updated_at__gt=today).update(created_at=today, updated_at=today)


# --- The run --------------------------------------------------------------------------------


def prepare(args, config: dict) -> tuple[dict, bool]:
    """Create/migrate the database and generate the dataset unless --keep finds it."""
    from django.core.management import call_command
    from django.db import connections

    meta = read_meta(config) if args.keep else None
    reuse = (
        meta is not None
        and meta.get("version") == DATASET_VERSION
        and meta.get("projects") == args.projects
        and meta.get("seed") == args.seed
    )
    if not reuse:
        recreate_database(config)
    configure_django(args.database_url)
    call_command("migrate", verbosity=0)
    if reuse:
        print(f"reusing the dataset in {config['NAME']} (--keep)")
        undo_changes(meta)
        unstamp_future(meta)
        return meta, False
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    call_command("load_holidays", from_year=2024, to_year=2027, stdout=io.StringIO())
    connections.close_all()
    print(f"generating {args.projects:,} projects (seed {args.seed}) ...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        stats = Path(folder) / "generated.json"
        command = [
            sys.executable, str(Path(__file__).resolve()), "--phase", "generate",
            "--projects", str(args.projects), "--seed", str(args.seed),
            "--database-url", args.database_url, "--stats-file", str(stats),
        ]  # fmt: skip
        subprocess.run(command, check=True, cwd=ROOT)
        meta = json.loads(stats.read_text())
    meta["generate_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    meta["vacuum_analyze_s"] = round(analyze(vacuum=True), 2)
    return meta, True


def measure(args, meta: dict) -> dict:
    from django.db import connection
    from django.db.models import CharField

    from compliance import scanning
    from compliance.models import ComplianceFlag
    from compliance.rules import Clock
    from projects.services import mark_for_evaluation

    n = args.projects
    clock = Clock.at(NOW)
    bare = BareSQL(clock)
    figures: dict = {"projects": n, "database": connection.vendor, "seed": args.seed}
    if args.contractor_emails:
        # Every company gets an address: the first scan then writes one summary per company with
        # a flag (the generated data has none, and notifications find nobody to write to).
        from django.db.models import Value
        from django.db.models.functions import Cast, Concat

        from projects.models import Contractor

        Contractor.objects.update(
            email=Concat(Value("kontraktor"), Cast("pk", CharField()), Value("@bench.example.id"))
        )
        figures["contractor_emails"] = True
    checks: list[tuple[str, bool, str]] = []
    reset_engine_tables()

    # (6, first half) Reference counts from bare SQL; this also warms the cache.
    started = time.perf_counter()
    reference = bare.reference_counts()
    figures["reference_sql_s"] = round(time.perf_counter() - started, 3)
    planned = meta["planned_flags"]
    checks.append(("reference SQL = generator's plan", reference == planned, ""))
    expected_unregistered = sum(reference["unregistered"].values())

    # (1) Bare SQL for `unregistered`, and (2, part) the engine's `unregistered` alone, in
    # turns, each committed (deferred foreign keys are checked at COMMIT) on an empty flag table.
    counts, inserts, plain_inserts, engine_parts = [], [], [], []
    engine_log = StatementLog()
    for turn in range(args.repeat):
        started = time.perf_counter()
        found = bare.count_unregistered()
        counts.append(time.perf_counter() - started)
        wal = wal_bytes()
        statement, committed, inserted = timed_transaction(bare.insert_unregistered)
        figures["bare_insert_wal_mb"] = wal_mb(wal)
        inserts.append((statement, committed))
        checks.append(
            (
                f"bare INSERT #{turn + 1} rows = reference",
                inserted == expected_unregistered,
                f"{inserted}",
            )
        )
        reset_engine_tables()
        statement, committed, inserted = timed_transaction(
            lambda: bare.insert_unregistered(on_conflict=False)
        )
        plain_inserts.append((statement, committed))
        checks.append(
            (
                f"bare INSERT without ON CONFLICT #{turn + 1} rows = reference",
                inserted == expected_unregistered,
                f"{inserted}",
            )
        )
        reset_engine_tables()
        log = engine_log if turn == args.repeat - 1 else StatementLog()
        wal = wal_bytes()
        with connection.execute_wrapper(log):
            statement, committed, outcome = timed_transaction(
                lambda: scanning.apply_rule(ComplianceFlag.Rule.UNREGISTERED, clock, None)
            )
        figures["engine_unregistered_wal_mb"] = wal_mb(wal)
        opened = outcome[0]  # (opened, resolved, …)
        engine_parts.append((statement, committed))
        checks.append(
            (
                f"engine `unregistered` #{turn + 1} opened = reference",
                opened == expected_unregistered,
                f"{opened}",
            )
        )
        reset_engine_tables()
    checks.append(("anti-join count = reference", found == expected_unregistered, f"{found}"))
    best_insert = min(inserts, key=lambda x: x[1])
    best_plain = min(plain_inserts, key=lambda x: x[1])
    best_engine = min(engine_parts, key=lambda x: x[1])
    figures.update(
        bare_count_s=round(min(counts), 3),
        bare_insert_statement_s=round(best_insert[0], 3),
        bare_insert_s=round(best_insert[1], 3),
        engine_unregistered_statements_s=round(best_engine[0], 3),
        engine_unregistered_s=round(best_engine[1], 3),
        unregistered_ratio=round(best_engine[1] / best_insert[1], 2),
        bare_insert_plain_s=round(best_plain[1], 3),
        unregistered_ratio_plain=round(best_engine[1] / best_plain[1], 2),
        unregistered_turns={
            "bare_count_s": [round(x, 3) for x in counts],
            "bare_insert_s": [round(x[1], 3) for x in inserts],
            "bare_insert_plain_s": [round(x[1], 3) for x in plain_inserts],
            "engine_unregistered_s": [round(x[1], 3) for x in engine_parts],
        },
        engine_unregistered_top=engine_log.top(8),
    )

    # (2) The first full scan, (6) with its peak RSS (tracemalloc slows Python down: its pass
    # comes at the end, rolled back).
    parts: dict[str, float] = {}
    scan_log = StatementLog()
    gc.collect()
    rss_before = maxrss_mb()
    wal = wal_bytes()
    with timed_parts(parts), connection.execute_wrapper(scan_log):
        started = time.perf_counter()
        first = scanning.scan_projects(now=NOW)
        first_s = time.perf_counter() - started
    figures.update(
        first_scan_s=round(first_s, 3),
        first_scan_wal_mb=wal_mb(wal),
        first_scan_rows_per_s=round(n / first_s),
        first_scan_result=first.as_json(),
        first_scan_parts=slowest_first(parts),
        first_scan_top=scan_log.top(10),
        first_scan_statements=len(scan_log.rows),
        first_scan_sql_s=round(scan_log.seconds, 3),
        unregistered_in_scan_s=round(parts.get("rule unregistered", 0.0), 3),
        rss_before_scan_mb=round(rss_before, 1),
        peak_rss_mb=round(maxrss_mb(), 1),
    )
    figures["first_scan_parts"]["other (counts, lock, COMMIT)"] = round(
        first_s - sum(parts.values()), 3
    )

    from compliance.models import Notification

    figures["first_scan_notifications"] = Notification.objects.count()

    # (6) Flags after the scan against the reference.
    flags = open_flag_counts()
    figures["flags"], figures["reference"], figures["planned"] = flags, reference, planned
    matching = all(flags.get(rule) == reference[rule] for rule in RULES)
    figures["counts_match"] = matching and reference == planned
    checks.append(("flag counts = reference (every rule)", matching, ""))
    checks.append(
        ("open_total = flags", first.open_total == sum(sum(v.values()) for v in flags.values()), "")
    )

    # Statistics on the new flag rows, as autovacuum would have gathered by the next run.
    if connection.vendor == "postgresql":
        figures["analyze_flags_s"] = round(
            analyze(["compliance_complianceflag", "compliance_flagevent"]), 2
        )

    # (3) Steady state: the same clock + 1 h, nothing changed.
    parts = {}
    with timed_parts(parts):
        started = time.perf_counter()
        again = scanning.scan_projects(now=NOW + timedelta(hours=1))
        figures["rescan_s"] = round(time.perf_counter() - started, 3)
    figures["rescan_parts"] = slowest_first(parts)
    figures["rescan_result"] = again.as_json()
    checks.append(
        (
            "steady re-scan changes nothing",
            (again.opened, again.resolved, again.escalated) == (0, 0, 0),
            f"{again.as_json()}",
        )
    )

    # (3) After 100 projects got registered.
    changed = unregistered_violations(100)
    register(changed, at=NOW + timedelta(hours=1, minutes=30))
    parts, delta_log = {}, StatementLog()
    with timed_parts(parts), connection.execute_wrapper(delta_log):
        started = time.perf_counter()
        after = scanning.scan_projects(now=NOW + timedelta(hours=2))
        figures["rescan_100_changed_s"] = round(time.perf_counter() - started, 3)
    figures["rescan_100_changed_result"] = after.as_json()
    figures["rescan_100_changed_parts"] = slowest_first(parts)
    figures["rescan_100_changed_top"] = delta_log.top(6)
    checks.append(
        (
            f"re-scan after {len(changed)} changes resolves them",
            (after.opened, after.resolved) == (0, len(changed)),
            f"{after.as_json()}",
        )
    )

    # (4) One marked project through the incremental path (three turns, median).
    turns, incremental_log = [], StatementLog()
    last = changed[-1] if changed else 0
    for turn in range(3):
        (project,) = unregistered_violations(1, after=last) or [None]
        if project is None:
            break
        last = project
        at = NOW + timedelta(hours=3, minutes=turn)
        register([project], at=at - timedelta(minutes=1))
        mark_for_evaluation([project])
        log = incremental_log if turn == 2 else StatementLog()
        with connection.execute_wrapper(log):
            started = time.perf_counter()
            result = scanning.evaluate_marked_projects(now=at)
            turns.append(time.perf_counter() - started)
        checks.append(
            (
                f"incremental #{turn + 1} resolves the registered project",
                (result.scanned, result.resolved) == (1, 1),
                f"{result.as_json()}",
            )
        )
    figures["incremental_ms"] = round(statistics.median(turns) * 1000, 1) if turns else None
    figures["incremental_turns_ms"] = [round(t * 1000, 1) for t in turns]
    figures["incremental_statements"] = len(incremental_log.rows)
    figures["incremental_sql_ms"] = round(incremental_log.seconds * 1000, 1)
    figures["incremental_top"] = incremental_log.top(6)

    # (5) The next day's first scan: a sweep (FULL_SWEEP_HOURS) with few changes. Every rule on
    # every project, every open flag rescored (its days overdue grew), every rollup rebuilt:
    # what production runs once a day, the other scans of the day being deltas like (3).
    from compliance.models import ScanRun

    next_day = NOW + timedelta(days=1)
    parts, sweep_log = {}, StatementLog()
    with timed_parts(parts), connection.execute_wrapper(sweep_log):
        started = time.perf_counter()
        sweep = scanning.scan_projects(now=next_day)
        figures["next_day_sweep_s"] = round(time.perf_counter() - started, 3)
    figures["next_day_sweep_result"] = sweep.as_json()
    figures["next_day_sweep_parts"] = slowest_first(parts)
    figures["next_day_sweep_top"] = sweep_log.top(6)
    swept = ScanRun.objects.get(pk=sweep.run_id).kind == ScanRun.Kind.FULL
    checks.append(("next day's scan is a sweep", swept, ""))
    expected = BareSQL(Clock.at(next_day)).reference_counts()
    checks.append(("next day's sweep: flag counts = reference", open_flag_counts() == expected, ""))

    # (6) Memory, before undo_changes: with --contractor-emails the traced scan writes the
    # companies' summaries too.
    figures["tracemalloc_peak_mb"] = traced_first_scan()
    undo_changes(meta)
    figures["checks"] = [{"check": c, "ok": ok, "got": got} for c, ok, got in checks]
    figures["ok"] = all(ok for _c, ok, _g in checks)
    figures["targets"] = {
        key: {
            "value": figures.get(key),
            "target": limit,
            "met": figures.get(key) is not None and figures[key] <= limit,
        }
        for key, (_label, limit, _unit) in TARGETS.items()
    }
    return figures


# --- Output ---------------------------------------------------------------------------------


def report(figures: dict, meta: dict) -> None:
    n = figures["projects"]
    print()
    print(
        f"Compliance scan benchmark: {n:,} projects on {figures['database']} (seed {figures['seed']}, clock {NOW:%Y-%m-%d %H:%M %Z})"
    )
    if "generate_s" in meta:
        rows = sum(meta["rows"].values())
        print(
            f"  generated {rows:,} rows in {meta['generate_s']} s ({rows / meta['generate_s']:,.0f} rows/s)"
        )
    print()
    print(f"  {'measure':<52} {'value':>12}   target at 1M")
    lines = [
        ("reference counts, bare SQL per rule", figures["reference_sql_s"], "s", ""),
        ("bare anti-join count, `unregistered` (read-only)", figures["bare_count_s"], "s", ""),
        ("bare INSERT … ON CONFLICT, statement", figures["bare_insert_statement_s"], "s", ""),
        ("bare INSERT … ON CONFLICT, with COMMIT", figures["bare_insert_s"], "s", ""),
        ("bare INSERT without ON CONFLICT, with COMMIT", figures["bare_insert_plain_s"], "s", ""),
        (
            "engine `unregistered` alone, statements",
            figures["engine_unregistered_statements_s"],
            "s",
            "",
        ),
        ("engine `unregistered` alone, with COMMIT", figures["engine_unregistered_s"], "s", ""),
        (
            "ratio engine / bare SQL (`unregistered`)",
            figures["unregistered_ratio"],
            "x",
            "unregistered_ratio",
        ),
        (
            "  ratio engine / bare INSERT without ON CONFLICT",
            figures["unregistered_ratio_plain"],
            "x",
            "",
        ),
        ("first full scan", figures["first_scan_s"], "s", "first_scan_s"),
        ("  rows/s", figures["first_scan_rows_per_s"], "", ""),
        (
            "  of which `unregistered` (wrapper, before COMMIT)",
            figures["unregistered_in_scan_s"],
            "s",
            "",
        ),
        ("steady-state re-scan (+1 h, nothing changed)", figures["rescan_s"], "s", "rescan_s"),
        ("re-scan after 100 projects registered", figures["rescan_100_changed_s"], "s", "rescan_s"),
        ("the next day's sweep (daily, few changes)", figures["next_day_sweep_s"], "s", ""),
        (
            "one marked project, evaluate_marked_projects",
            figures["incremental_ms"],
            "ms",
            "incremental_ms",
        ),
        ("peak RSS of this process (ru_maxrss)", figures["peak_rss_mb"], "MB", "peak_rss_mb"),
        ("  RSS before the scan", figures["rss_before_scan_mb"], "MB", ""),
        (
            "tracemalloc peak of a first scan (untimed pass)",
            figures["tracemalloc_peak_mb"],
            "MB",
            "",
        ),
    ]
    if figures.get("first_scan_wal_mb") is not None:
        lines += [
            ("WAL written: bare INSERT (`unregistered`)", figures["bare_insert_wal_mb"], "MB", ""),
            (
                "WAL written: engine `unregistered` alone",
                figures["engine_unregistered_wal_mb"],
                "MB",
                "",
            ),
            ("WAL written: first full scan", figures["first_scan_wal_mb"], "MB", ""),
        ]
    for name, value, unit, target in lines:
        shown = f"{value:,}" if isinstance(value, int) else f"{value}"
        verdict = ""
        if target:
            _label, limit, target_unit = TARGETS[target]
            met = value is not None and value <= limit
            verdict = f"≤ {limit:g} {target_unit}  {'ok' if met else 'MISSED'}"
        print(f"  {name:<52} {shown:>9} {unit:<2}   {verdict}")
    print()
    print(
        "  first scan by part (s):",
        ", ".join(f"{k} {v}" for k, v in figures["first_scan_parts"].items()),
    )
    print(
        "  next day's sweep by part (s):",
        ", ".join(f"{k} {v}" for k, v in figures["next_day_sweep_parts"].items()),
    )
    print(
        "  re-scan by part (s):   ",
        ", ".join(f"{k} {v}" for k, v in figures["rescan_parts"].items()),
    )
    print()
    print(f"  {'open flags':<14} {'engine':>18} {'reference SQL':>18} {'planned':>18}")
    for rule in RULES:
        cells = [figures[key].get(rule, {}) for key in ("flags", "reference", "planned")]
        text = [f"{c.get('violation', 0):,} v + {c.get('warning', 0):,} w" for c in cells]
        mark = "" if cells[0] == cells[1] == cells[2] else "  MISMATCH"
        print(f"  {rule:<14} {text[0]:>18} {text[1]:>18} {text[2]:>18}{mark}")
    print()
    print("  slowest statements of the engine's `unregistered` part:")
    for row in figures["engine_unregistered_top"][:6]:
        print(f"    {row['s']:>7} s {row['rows']:>9,} rows  {row['sql']}")
    print(
        f"  first full scan: {figures['first_scan_statements']} statements, "
        f"{figures['first_scan_sql_s']} s in the database; slowest:"
    )
    for row in figures["first_scan_top"][:8]:
        print(f"    {row['s']:>7} s {row['rows']:>9,} rows  {row['sql']}")
    print(
        f"  incremental path (last turn): {figures['incremental_statements']} statements, "
        f"{figures['incremental_sql_ms']} ms in the database; slowest:"
    )
    for row in figures["incremental_top"][:4]:
        print(f"    {row['s'] * 1000:>7.1f} ms {row['rows']:>8,} rows  {row['sql']}")
    print()
    for check in figures["checks"]:
        print(
            f"  [{'ok' if check['ok'] else 'FAILED'}] {check['check']} {'' if check['ok'] else check['got']}"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, help="default 1,000,000 (2,000 on SQLite)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the dataset if it matches")
    parser.add_argument("--repeat", type=int, default=2, help="turns of bare SQL vs engine")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--strict", action="store_true", help="also fail on a missed target")
    parser.add_argument(
        "--contractor-emails",
        action="store_true",
        help="give every contractor an address for the run, so the scan writes their summaries",
    )
    parser.add_argument("--phase", default="run", help=argparse.SUPPRESS)
    parser.add_argument("--stats-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = database_config(args.database_url)
    if args.projects is None:
        args.projects = 2_000 if is_sqlite(config) else 1_000_000
    args.repeat = max(1, args.repeat)

    if args.phase == "generate":
        configure_django(args.database_url)
        meta = generate(args.projects, args.seed)
        Path(args.stats_file).write_text(json.dumps(meta))
        return 0

    meta, generated = prepare(args, config)
    figures = measure(args, meta)
    figures["generated_now"] = generated
    for key in ("generate_s", "generate_peak_rss_mb", "vacuum_analyze_s", "rows"):
        if key in meta:
            figures[key] = meta[key]
    report(figures, meta)
    missed = [key for key, target in figures["targets"].items() if not target["met"]]
    print(json.dumps(figures, default=str))
    if not figures["ok"]:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
