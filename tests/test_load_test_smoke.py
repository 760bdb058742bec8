"""The load test (bench/load_test.py) at a small size: gunicorn with the production settings on
loopback, every persona's pages answer 200, wrk measures each of them idle and while full scans
run, and nothing fails. CI runs only this; the 1,000,000-project figures are in the README."""

import shutil
import socket
from urllib.parse import quote

import pytest

from tests.benchmarks import run_bench_script


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.services("postgres")
@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")
def test_the_load_test_runs_idle_and_during_a_scan_without_errors():
    from django.conf import settings

    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "postgres", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    server = f"postgres://{credentials}@{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"
    run_bench_script(
        "scan_benchmark.py",
        "--projects",
        "1000",
        "--database-url",
        f"{server}/pantau_load_smoke_src",
    )

    figures = run_bench_script(
        "load_test.py",
        "--source-url", f"{server}/pantau_load_smoke_src",
        "--database", "pantau_load_smoke",
        "--fresh",
        "--enrollments", "5000",
        "--connections", "2",
        "--duration", "2",
        "--depth", "20",
        "--port", str(free_port()),
    )  # fmt: skip

    assert figures["enrollments"] >= 5000
    for phase in ("idle", "during_scan"):
        pages = figures[phase]
        assert {
            "kab/kota: dashboard",
            "province: list, deep page",
            "contractor: my projects",
        } <= set(pages)
        for name, page in pages.items():
            assert page["errors"] == 0, (phase, name, page)
            assert page["requests"] > 0, (phase, name, page)
