"""The procurement benchmark (bench/procurement_benchmark.py) at ~500 rows: it must run through
the task's path, create what it should, and a second preview must find nothing to write. CI
runs only this size; the 100,000-row figures are in README.md."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "procurement_benchmark.py"
ROWS = 500


def run_benchmark(database_url: str) -> dict:
    # The script configures Django itself; nothing of the test run's settings may leak into it.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"}
    }
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", str(ROWS), "--database-url", database_url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
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
