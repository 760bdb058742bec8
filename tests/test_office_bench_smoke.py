"""The office pages benchmark (bench/office_pages_benchmark.py) at a small size: on a database
that bench/scan_benchmark.py filled and scanned, every page answers for a kab/kota and a
province office, and the script prints its figures. CI runs only this; the 1,000,000-project
figures are in the README."""

from tests.benchmarks import run_bench_script


def test_the_office_pages_benchmark_runs_on_a_scanned_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'office-bench.sqlite3'}"
    run_bench_script("scan_benchmark.py", "--projects", "1500", "--database-url", url)

    figures = run_bench_script("office_pages_benchmark.py", "--database-url", url, "--repeat", "2")

    for scope in ("kab/kota", "province"):
        result = figures["results"][scope]
        assert result["projects_in_scope"] > 0
        pages = result["pages"]
        assert {"dashboard", "list, first page", "project detail"} <= set(pages)
        for page in pages.values():
            assert page["p95_ms"] > 0 and page["queries"] > 0
