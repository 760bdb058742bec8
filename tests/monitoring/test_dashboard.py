"""The office dashboard reads the engine's rollups: the figures of its own scope, a 12-month
trend, breakdowns as SVG drawn on the server."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance.scanning import scan_projects
from projects.models import Project
from tests import factories

pytestmark = [pytest.mark.django_db]
URL = reverse("monitoring:dashboard")
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def bekasi_world(contractor_a, contractor_b):
    """Three main contracts in Kota Bekasi (one covered), one in Kabupaten Bogor, one in Tanah
    Bumbu; scans at the end of April and of May 2026."""
    covered = factories.make_project(contractor=contractor_a, name="Covered")
    factories.make_registration(covered)
    factories.make_project(contractor=contractor_a, name="Unregistered 1")
    factories.make_project(contractor=contractor_b, name="Unregistered 2")
    factories.make_project(contractor=contractor_a, regency="32.01", name="In Bogor")
    factories.make_project(contractor=contractor_b, regency="63.10", name="In Tanah Bumbu")
    scan_projects(now=datetime(2026, 4, 30, 10, tzinfo=WIB))
    scan_projects(now=datetime(2026, 5, 29, 10, tzinfo=WIB))


def english(client, user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    return client


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_a_kab_kota_office_sees_its_own_figures(client, bekasi_office_user, bekasi_world):
    response = english(client, bekasi_office_user).get(URL)

    totals = response.context["totals"]
    assert totals.figures["projects_total"] == 3
    assert totals.figures["projects_covered"] == 1
    assert str(totals.coverage_percent) == "33.3"
    assert dict(totals.flags_by_rule())["Not registered with BPJS Ketenagakerjaan"] == 2
    funding = [(r["label"], r["total"], r["covered"]) for r in response.context["funding"]["rows"]]
    assert funding == [("APBD kab/kota", 3, 1)]  # from the rollups, not a query of its own
    page = response.content.decode()
    assert "<svg" in page and "<script" not in page
    assert "Unregistered 1" in page  # overdue the longest
    assert "In Tanah Bumbu" not in page and "In Bogor" not in page


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_the_longest_overdue_show_their_days_overdue_as_a_number(
    client, bekasi_office_user, bekasi_world
):
    project = Project.objects.get(name="Unregistered 1")
    days = (date(2026, 6, 2) - project.registration_due_on).days
    assert days > 31  # more than a month: timesince would write "1 month, …"
    page = english(client, bekasi_office_user).get(URL).content.decode()
    row = page[page.index(">Unregistered 1</a>") :]
    row = row[: row.index("</tr>")]
    assert row.endswith(f'<td class="num">{days}</td>')


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_the_trend_has_a_point_at_each_month_end_with_data(
    client, bekasi_office_user, bekasi_world
):
    trend = english(client, bekasi_office_user).get(URL).context["trend"]
    values = {point["label"].strftime("%Y-%m"): point["value"] for point in trend["points"]}
    assert len(values) == 12
    assert str(values["2026-04"]) == "33.3" and str(values["2026-05"]) == "33.3"
    assert values["2026-03"] is None and values["2026-06"] is None


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_a_province_office_sees_each_kab_kota(client, jabar_office_user, bekasi_world):
    response = english(client, jabar_office_user).get(URL)
    assert response.context["totals"].figures["projects_total"] == 4
    rows = response.context["regencies"]["rows"]
    assert [(row["label"], row["total"], row["covered"]) for row in rows] == [
        (factories.region("32.01").name, 1, 0),
        (factories.region("32.75").name, 3, 1),
    ]


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_another_region_sees_none_of_bekasis_figures(client, tanbu_office_user, bekasi_world):
    totals = english(client, tanbu_office_user).get(URL).context["totals"]
    assert totals.figures["projects_total"] == 1


def test_before_any_scan_the_page_says_so(client, bekasi_office_user):
    page = english(client, bekasi_office_user).get(URL).content.decode()
    assert "No figures yet" in page


def test_contractors_and_anonymous_cannot_open_it(client, contractor_a_user):
    assert client.get(URL).status_code == 302
    client.force_login(contractor_a_user)
    assert client.get(URL).status_code == 403


def test_office_staff_land_on_the_dashboard(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    assert client.get(reverse("home"))["Location"] == URL


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_svg_coordinates_stay_numbers_on_the_indonesian_page(
    client, jabar_office_user, bekasi_world
):
    import re

    client.force_login(jabar_office_user)  # Indonesian writes 33,3: never inside SVG geometry
    page = client.get(URL).content.decode()
    assert re.search(r'\b(x|y|cx|cy|width|height)="[^"]*\d,\d', page) is None
    assert "(33,3%)" in page


# The rendered figures are cached per scope, day and language until a flag changes
# (PANTAU_DASHBOARD_CACHE_SECONDS; off in the other tests).


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_the_dashboard_is_rendered_once_until_the_engine_runs_again(
    client, bekasi_office_user, bekasi_world, settings
):
    from projects.models import Project

    settings.PANTAU_DASHBOARD_CACHE_SECONDS = 60
    office = english(client, bekasi_office_user)
    assert "Unregistered 2" in office.get(URL).content.decode()
    Project.objects.filter(name="Unregistered 2").update(name="Renamed since")

    with CaptureQueriesContext(connection) as queries:
        page = office.get(URL).content.decode()
    assert "Unregistered 2" in page  # as rendered before
    assert not any("compliance_regiondailyrollup" in query["sql"] for query in queries)

    scan_projects(now=datetime(2026, 6, 2, 9, tzinfo=WIB))  # a flag may have changed
    page = office.get(URL).content.decode()
    assert "Renamed since" in page and "Unregistered 2" not in page


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_the_cached_dashboard_follows_the_language_and_the_scope(
    client, bekasi_office_user, jabar_office_user, bekasi_world, settings
):
    settings.PANTAU_DASHBOARD_CACHE_SECONDS = 60
    assert "warning letters due" in english(client, bekasi_office_user).get(URL).content.decode()
    bekasi_office_user.preferred_language = "id"
    bekasi_office_user.save(update_fields=["preferred_language"])
    assert "warning letters due" not in client.get(URL).content.decode()
    province = english(client, jabar_office_user).get(URL).content.decode()
    assert "In Bogor" in province  # the province's own figures, not Bekasi's cached page


@time_machine.travel(datetime(2026, 6, 2, 9, tzinfo=WIB), tick=False)
def test_the_dashboard_works_without_a_cache(client, bekasi_office_user, bekasi_world, settings):
    settings.PANTAU_DASHBOARD_CACHE_SECONDS = 60
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert "Unregistered 1" in english(client, bekasi_office_user).get(URL).content.decode()
