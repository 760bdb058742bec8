"""Server time of the office workspace pages on a large database.

Runs against a database that bench/scan_benchmark.py filled and scanned (1,000,000 projects over
the 514 kab/kota by default, pantau_bench): the dashboard, the project list (first page and a
deep page reached by its keyset cursor), the contractor directory and a project's detail page,
each for a kab/kota office (Kota Bekasi, 32.75) and a province office (Jawa Barat, 32).

Server time is measured in-process with Django's test client (routing, middleware, queries and
template rendering; no network, no load generator). Each page is requested --repeat times after
one warm-up; the script prints p50, p95 and max in milliseconds and the query count, and, as its
last line, one JSON object. Targets (issue): p95 under 150 ms for a kab/kota, 500 ms for a
province.

    .venv/bin/python bench/scan_benchmark.py --keep          # data (once)
    .venv/bin/python bench/office_pages_benchmark.py         # then this
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pantau_bench"
TARGET_MS = {"kab/kota": 150, "province": 500}


def configure_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = url
    os.environ["PANTAU_NUDGE_ENGINE_ON_COMMIT"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


def office_user(username: str, region_code: str):
    from accounts.models import Office, User
    from reference.models import Region

    region = Region.objects.get(code=region_code)
    office, _ = Office.objects.get_or_create(
        region=region,
        kind=Office.Kind.LABOUR_OFFICE,
        name=f"Benchmark office {region_code}",
    )
    user, _ = User.objects.get_or_create(
        username=username, defaults={"office": office, "office_role": User.OfficeRole.EDITOR}
    )
    return user


def deep_cursor(user, depth: int) -> str | None:
    """The keyset cursor after `depth` rows, as the list's own 'next page' links give it (one
    page of `depth` rows)."""
    from monitoring.filters import filtered_projects, page_after
    from projects.models import Project

    return page_after(
        filtered_projects(Project.objects.visible_to(user), {}), None, depth
    ).next_cursor


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # warm-up, and the query count
    # Counted now: each request's start clears the connection's query log.
    query_count = len(queries)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)], 1),
        "max_ms": round(times[-1], 1),
        "queries": query_count,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--depth", type=int, default=1000, help="row of the deep list page")
    args = parser.parse_args(argv)
    configure_django(args.database_url)

    from django.test import Client

    from projects.models import Project

    results, ok = {}, True
    for scope, username, code in (
        ("kab/kota", "bench.kabkota", "32.75"),
        ("province", "bench.province", "32"),
    ):
        user = office_user(username, code)
        client = Client()
        client.force_login(user)
        project = Project.objects.visible_to(user).order_by("-pk").first()
        projects_in_scope = Project.objects.visible_to(user).count()
        cursor = deep_cursor(user, min(args.depth, max(projects_in_scope - 1, 0)))
        pages = {
            "dashboard": "/office/",
            "list, first page": "/office/projects/",
            "list, deep page": f"/office/projects/?after={cursor}" if cursor else None,
            "list, unregistered filter": "/office/projects/?rule=unregistered",
            "contractors": "/office/contractors/",
            "project detail": f"/projects/{project.pk}/" if project else None,
        }
        results[scope] = {"projects_in_scope": projects_in_scope, "pages": {}}
        print(f"\n{scope} ({code}): {projects_in_scope:,} projects in scope")
        print(f"  {'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
        for name, url in pages.items():
            if url is None:
                continue
            figures = measure(client, url, args.repeat)
            results[scope]["pages"][name] = figures
            met = figures["p95_ms"] <= TARGET_MS[scope]
            ok = ok and met
            print(
                f"  {name:28} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} "
                f"{figures['max_ms']:8.1f} {figures['queries']:8d}"
                f"  {'ok' if met else 'MISSED'} (p95 target {TARGET_MS[scope]} ms)"
            )
    print(json.dumps({"targets_ms": TARGET_MS, "targets_met": ok, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
