"""The procurement benchmark (bench/procurement_benchmark.py) at ~500 rows: it must run through
the task's path, create what it should, and a second preview must find nothing to write. CI
runs only this size; the 100,000-row figures are in README.md."""

from urllib.parse import quote

import pytest

from tests.benchmarks import run_bench_script

ROWS = 500


def run_benchmark(database_url: str) -> dict:
    figures = run_bench_script(
        "procurement_benchmark.py", "--rows", str(ROWS), "--database-url", database_url
    )
    assert figures["rows"] == ROWS
    assert figures["counts_ok"] is True
    assert figures["counts"]["new"] == 350 and figures["counts"]["rejected"] == 10
    for key in ("preview_s", "import_s", "rows_per_s", "peak_rss_mb"):
        assert figures[key] > 0, key
    return figures


def test_the_procurement_benchmark_runs_on_sqlite(tmp_path):
    figures = run_benchmark(f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    assert figures["database"] == "sqlite"


@pytest.mark.services("postgres")
def test_the_procurement_benchmark_runs_on_postgresql():
    from django.conf import settings

    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "postgres", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    figures = run_benchmark(f"postgres://{credentials}@{host}:{port}/pantau_procure_bench")
    assert figures["database"] == "postgresql"
