"""The compliance-scan benchmark (bench/scan_benchmark.py) at a small size: it must run, and the
engine's flag counts must equal the reference counts of its independent bare SQL.

CI runs only this small size; the 1,000,000-project figures are in bench/README.md.
"""

from urllib.parse import quote

import pytest

from tests.benchmarks import run_bench_script

PROJECTS = 3000


def run_benchmark(database_url: str) -> dict:
    figures = run_bench_script(
        "scan_benchmark.py", "--projects", str(PROJECTS), "--database-url", database_url
    )
    assert figures["projects"] == PROJECTS
    return figures


def assert_counts_match(figures: dict) -> None:
    assert figures["counts_match"] is True
    assert figures["ok"] is True
    assert figures["flags"] == figures["reference"] == figures["planned"]
    # The mix is there: about 30 % unregistered violations, and every rule fires.
    unregistered = figures["reference"]["unregistered"]["violation"]
    assert 0.25 * PROJECTS < unregistered < 0.40 * PROJECTS
    for rule, counts in figures["reference"].items():
        assert sum(counts.values()) > 0, rule
    for key in ("first_scan_s", "rescan_s", "incremental_ms", "peak_rss_mb", "bare_insert_s"):
        assert figures[key] is not None and figures[key] > 0, key


def test_the_benchmark_runs_on_sqlite(tmp_path):
    figures = run_benchmark(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    assert figures["database"] == "sqlite"
    assert_counts_match(figures)


@pytest.mark.services("postgres")
def test_the_benchmark_runs_on_postgresql():
    from django.conf import settings

    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "postgres", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    figures = run_benchmark(f"postgres://{credentials}@{host}:{port}/pantau_bench_smoke")
    assert figures["database"] == "postgresql"
    assert_counts_match(figures)
