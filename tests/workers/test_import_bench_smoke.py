"""The import benchmark (bench/import_benchmark.py) at ~500 rows: it must run through the
task's path and import every row. CI runs only this size; the 50,000-row figures are in
bench/README.md."""

from urllib.parse import quote

import pytest

from tests.benchmarks import run_bench_script

ROWS = 500


def run_benchmark(*args: str) -> dict:
    figures = run_bench_script("import_benchmark.py", "--rows", str(ROWS), *args, timeout=300)
    assert figures["rows"] == ROWS
    assert figures["counts_ok"] is True
    for key in ("check_s", "import_s", "rows_per_s", "peak_rss_mb"):
        assert figures[key] > 0, key
    return figures


def test_the_import_benchmark_runs_on_sqlite(tmp_path):
    figures = run_benchmark("--database-url", f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    assert figures["database"] == "sqlite"
    assert figures["tracemalloc_peak_mb"] > 0


def test_the_import_benchmark_reads_xlsx_too(tmp_path):
    figures = run_benchmark(
        "--format", "xlsx", "--skip-tracemalloc", "--database-url", f"sqlite:///{tmp_path / 'b.db'}"
    )
    assert figures["format"] == "xlsx"


@pytest.mark.services("postgres")
def test_the_import_benchmark_runs_on_postgresql():
    from django.conf import settings

    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "postgres", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    url = f"postgres://{credentials}@{host}:{port}/pantau_bench_import_smoke"
    figures = run_benchmark("--skip-tracemalloc", "--database-url", url)
    assert figures["database"] == "postgresql"
