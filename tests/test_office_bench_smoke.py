"""The office pages benchmark (bench/office_pages_benchmark.py) at a small size: on a database
that bench/scan_benchmark.py filled and scanned, every page answers for a kab/kota and a
province office, and the script prints its figures. CI runs only this; the 1,000,000-project
figures are in the README."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"}
    }
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_office_pages_benchmark_runs_on_a_scanned_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'office-bench.sqlite3'}"
    run("scan_benchmark.py", "--projects", "1500", "--database-url", url)

    figures = run("office_pages_benchmark.py", "--database-url", url, "--repeat", "2")

    for scope in ("kab/kota", "province"):
        result = figures["results"][scope]
        assert result["projects_in_scope"] > 0
        pages = result["pages"]
        assert {"dashboard", "list, first page", "project detail"} <= set(pages)
        for page in pages.values():
            assert page["p95_ms"] > 0 and page["queries"] > 0
