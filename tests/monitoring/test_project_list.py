"""The office's project list: scope, filters in the URL, riskiest first with the reason, keyset
pages, and formula-safe exports."""

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from compliance.flag_version import flags_changed
from compliance.models import ComplianceFlag, Registration
from monitoring.views import explain_risk
from projects.models import Project
from tests import factories

pytestmark = [pytest.mark.django_db]
URL = reverse("monitoring:projects")


def flag(project, rule="unregistered", score=0, **fields):
    now = timezone.now()
    severity = fields.pop("severity", ComplianceFlag.Severity.VIOLATION)
    flags_changed()  # as the engine does when it writes flags
    return ComplianceFlag.objects.create(
        project=project,
        rule=rule,
        severity=severity,
        opened_at=now - timedelta(days=5),
        violation_since=now if severity == ComplianceFlag.Severity.VIOLATION else None,
        exposure_score=score,
        **fields,
    )


@pytest.fixture
def office(client, bekasi_office_user):
    bekasi_office_user.preferred_language = "en"
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    return client


def names(response):
    return [row["project"].name for row in response.context["rows"]]


def test_an_office_sees_only_its_kab_kota_riskiest_first(
    office, contractor_a, contractor_b, project_of_contractor_b
):
    low = factories.make_project(contractor=contractor_a, name="Low risk")
    high = factories.make_project(contractor=contractor_b, name="High risk")
    quiet = factories.make_project(contractor=contractor_a, name="Nothing open")
    flag(low, score=1_000)
    flag(high, score=90_000)

    response = office.get(URL)

    assert names(response) == ["High risk", "Low risk", "Nothing open"]
    assert project_of_contractor_b.name not in response.content.decode()  # Tanah Bumbu
    assert quiet.pk


def test_a_province_office_sees_all_its_kab_kota_and_can_filter_one(
    client, jabar_office_user, contractor_a
):
    factories.make_project(contractor=contractor_a, name="In Kota Bekasi", regency="32.75")
    factories.make_project(contractor=contractor_a, name="In Kab Bogor", regency="32.01")
    factories.make_project(contractor=contractor_a, name="In Tanah Bumbu", regency="63.10")
    client.force_login(jabar_office_user)

    assert sorted(names(client.get(URL))) == ["In Kab Bogor", "In Kota Bekasi"]
    bogor = factories.region("32.01")
    assert names(client.get(URL, {"regency": bogor.pk})) == ["In Kab Bogor"]


def test_each_row_says_why_it_ranks_there(office, contractor_a):
    project = factories.make_project(
        contractor=contractor_a, planned_workforce=40, contract_value=Decimal(750_000_000)
    )
    flag(project, score=123)
    page = office.get(URL).content.decode()
    assert "Rp750 million × 40 workers (planned)" in page
    assert "days past the registration due date" in page


def test_the_reason_counts_workers_and_days_as_the_score_caps_them(office, contractor_a):
    project = factories.make_project(contractor=contractor_a, contract_value=Decimal(10**14))
    project.registration_due_on = project.registration_due_on.replace(year=1800)
    project.save(update_fields=["registration_due_on"])
    flag(project, score=10**8 * 100_000 * 36_525)

    page = office.get(URL).content.decode()

    assert "100,000 workers (estimated from the value)" in page
    assert "36,525 days past the registration due date" in page


def test_the_reason_rounds_the_value_and_writes_numbers_and_plurals_the_users_way(contractor_a):
    project = factories.make_project(
        contractor=contractor_a, planned_workforce=1, contract_value=Decimal(12_435_135_135)
    )
    unregistered = ComplianceFlag(rule="unregistered", exposure_score=1)
    day_after = project.registration_due_on + timedelta(days=1)

    with translation.override("en"):
        assert explain_risk(project, unregistered, day_after) == (
            "Rp12,435 million × 1 worker (planned) × 1 day past the registration due date"
            " (Not registered with BPJS Ketenagakerjaan)"
        )
        project.planned_workforce = 1_250
        later = explain_risk(project, unregistered, day_after + timedelta(days=1))
        assert "× 1,250 workers (planned) × 2 days past" in later
    with translation.override("id"):
        assert explain_risk(project, unregistered, day_after).startswith("Rp12.435 juta × 1.250 ")


def test_filters_by_rule_registration_search_and_value(office, contractor_a):
    a = factories.make_project(
        contractor=contractor_a, name="Saluran Bintara", spk_number="SPK/A/1"
    )
    b = factories.make_project(
        contractor=contractor_a, name="Jalan Jatiasih", contract_value=Decimal(5_000_000_000)
    )
    factories.make_registration(b)
    flag(a, rule="unregistered", score=10)

    assert names(office.get(URL, {"rule": "unregistered"})) == ["Saluran Bintara"]
    assert names(office.get(URL, {"registration": "none"})) == ["Saluran Bintara"]
    assert names(office.get(URL, {"registration": "submitted"})) == ["Jalan Jatiasih"]
    assert names(office.get(URL, {"q": "SPK/A/1"})) == ["Saluran Bintara"]
    assert names(office.get(URL, {"q": contractor_a.npwp})) == ["Saluran Bintara", "Jalan Jatiasih"]
    assert names(office.get(URL, {"value_min": "1.000.000.000"})) == ["Jalan Jatiasih"]


def test_a_rejected_registration_shows_as_rejected_not_as_not_registered(office, contractor_a):
    project = factories.make_project(contractor=contractor_a, name="Saluran Bintara")
    factories.make_registration(
        project,
        status=Registration.Status.REJECTED,
        rejection_reason="Sertifikat tidak terbaca",
        verified_at=timezone.now(),
    )
    flag(project, rule="rejected", score=10)

    response = office.get(URL, {"registration": "rejected"})

    assert names(response) == ["Saluran Bintara"]
    [row] = response.context["rows"]
    assert row["registration"].status == Registration.Status.REJECTED
    cell = response.content.decode().split("Saluran Bintara</a>")[1].split("</tr>")[0]
    assert '<span class="badge todo">Rejected</span>' in cell
    assert "Not registered" not in cell


def test_keyset_pages_cover_every_project_once_and_stay_stable_under_inserts(
    office, contractor_a, monkeypatch
):
    monkeypatch.setattr("monitoring.filters.PAGE_SIZE", 3)
    projects = [factories.make_project(contractor=contractor_a) for _ in range(7)]
    for index, project in enumerate(projects[:4]):
        flag(project, score=(index + 1) * 100)

    seen, cursor = [], None
    while True:
        response = office.get(URL, {"after": cursor} if cursor else {})
        seen += [row["project"].pk for row in response.context["rows"]]
        cursor = response.context["next_cursor"]
        if cursor is None:
            break
        factories.make_project(contractor=contractor_a)  # a new, unflagged project mid-way

    assert seen[:4] == [p.pk for p in reversed(projects[:4])]
    assert len(seen) == len(set(seen))
    assert {p.pk for p in projects} <= set(seen)


def test_the_list_takes_the_same_queries_for_5_or_30_projects(office, contractor_a):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert office.get(URL).status_code == 200
        return len(queries)

    for _ in range(5):
        flag(factories.make_project(contractor=contractor_a), score=5)
    few = count()
    for _ in range(25):
        flag(factories.make_project(contractor=contractor_a), score=5)
    assert count() == few


def test_a_contractor_cannot_open_the_office_list(client, contractor_a_user):
    client.force_login(contractor_a_user)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("monitoring:projects_csv")).status_code == 403


def test_anonymous_goes_to_login(client):
    assert client.get(URL)["Location"].startswith(reverse("accounts:login"))


def test_the_csv_export_follows_the_filter_and_defuses_formulas(office, contractor_a):
    evil = factories.make_project(contractor=contractor_a, name='=HYPERLINK("http://x","klik")')
    factories.make_project(contractor=contractor_a, name="Not in the filter")
    flag(evil, score=7)

    response = office.get(reverse("monitoring:projects_csv"), {"rule": "unregistered"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[0][:3] == ["Project ID", "Project", "SPK number"]
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://x","klik")'
    assert rows[1][11] == "Not registered with BPJS Ketenagakerjaan"


def test_the_xlsx_export_opens_and_defuses_formulas(office, contractor_a):
    flag(factories.make_project(contractor=contractor_a, name="@SUM(A1)"), score=1)
    response = office.get(reverse("monitoring:projects_xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["'@SUM(A1)"]


def test_the_exports_speak_the_users_language_with_labels_numbers_and_dates(office, contractor_a):
    project = factories.make_project(
        contractor=contractor_a,
        name="Jalan Jatiasih",
        funding_source=Project.FundingSource.PRIVATE,
        contract_value=Decimal(5_000_000_000),
    )
    flag(project, score=7, escalation_step=ComplianceFlag.Step.LETTER_1)
    flag(project, rule="no_workers", severity=ComplianceFlag.Severity.WARNING)

    response = office.get(reverse("monitoring:projects_csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == [
        "Project ID",
        "Project",
        "SPK number",
        "SPK date",
        "Contractor",
        "NPWP",
        "Regency/city",
        "Funding source",
        "Project status",
        "Value before PPN (Rp)",
        "Registration due on",
        "Open findings",
        "Exposure score",
    ]
    assert row[7:9] == ["Private (swasta)", "Planned"]
    assert row[11] == (
        "Workers not enrolled; Not registered with BPJS Ketenagakerjaan (Warning letter I sent)"
    )

    response = office.get(reverse("monitoring:projects_xlsx"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Projects"]
    [cells] = workbook.active.iter_rows(min_row=2, values_only=True)
    assert cells[0] == project.pk and cells[1] == "Jalan Jatiasih"
    assert cells[3].date() == project.spk_date  # a date cell, not text
    assert cells[9] == 5_000_000_000  # a number
    assert cells[7:9] == ("Private (swasta)", "Planned")


def test_the_export_is_in_indonesian_for_an_indonesian_user(
    office, bekasi_office_user, contractor_a
):
    bekasi_office_user.preferred_language = "id"
    bekasi_office_user.save(update_fields=["preferred_language"])
    flag(factories.make_project(contractor=contractor_a), score=7)

    response = office.get(reverse("monitoring:projects_xlsx"))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Proyek"]
    header, row = workbook.active.iter_rows(values_only=True)
    assert header[1:3] == ("Proyek", "Nomor SPK")
    assert row[8] == "Direncanakan"
    assert row[11] == "Belum terdaftar di BPJS Ketenagakerjaan"


def test_the_contractor_directory_shows_each_companys_rate_in_the_region(
    office, contractor_a, contractor_b, project_of_contractor_b
):
    covered = factories.make_project(contractor=contractor_a)
    factories.make_registration(covered)
    flag(factories.make_project(contractor=contractor_a), score=3)

    response = office.get(reverse("monitoring:contractors"))
    rows = {row["contractor_id"]: row for row in response.context["page"]}

    assert set(rows) == {contractor_a.pk}  # contractor B works only in Tanah Bumbu
    row = rows[contractor_a.pk]
    assert (row["projects_total"], row["projects_covered"], row["open_findings"]) == (2, 1, 1)
    assert str(row["rate"]) == "50.0"
    link = reverse("monitoring:projects") + f"?contractor={contractor_a.pk}"
    assert link in response.content.decode()
    assert len(names(office.get(link))) == 2


def test_the_contractor_directory_finds_a_printed_npwp_as_the_project_list_does(
    office, contractor_a
):
    factories.make_project(contractor=contractor_a)
    npwp = contractor_a.npwp  # stored as 16 digits
    printed = f"{npwp[:2]}.{npwp[2:5]}.{npwp[5:8]}.{npwp[8:11]}-{npwp[11:13]}.{npwp[13:]}"

    assert len(names(office.get(URL, {"q": printed}))) == 1
    response = office.get(reverse("monitoring:contractors"), {"q": printed})
    assert [row["contractor_id"] for row in response.context["page"]] == [contractor_a.pk]
    assert contractor_a.legal_name in response.content.decode()


@pytest.mark.parametrize(
    ("sort", "key", "descending"),
    [("value", "current_base_value", True), ("overdue", "registration_due_on", False)],
)
def test_other_orders_page_by_keyset_through_every_project_once(
    office, contractor_a, monkeypatch, sort, key, descending
):
    from datetime import date

    monkeypatch.setattr("monitoring.filters.PAGE_SIZE", 2)
    for index in range(5):
        factories.make_project(
            contractor=contractor_a,
            contract_value=Decimal(100_000_000 * (index % 3 + 1)),  # ties on purpose
            spk_date=date(2026, 3, 2 + index % 2),
        )
    seen, cursor = [], None
    for _page in range(10):  # a cursor that does not advance must fail, not loop
        params = {"sort": sort, **({"after": cursor} if cursor else {})}
        response = office.get(URL, params)
        seen += [row["project"] for row in response.context["rows"]]
        cursor = response.context["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len({p.pk for p in seen}) == 5
    values = [getattr(p, key) for p in seen]
    assert values == sorted(values, reverse=descending)


# The ranking is cached under the flags version (compliance.flag_version).


def test_a_waiver_reorders_the_list_at_once_despite_the_cached_ranking(
    office, contractor_a, bekasi_office_user
):
    from compliance.services import waive_flag

    first = flag(factories.make_project(contractor=contractor_a, name="First"), score=90_000)
    flag(factories.make_project(contractor=contractor_a, name="Second"), score=1_000)
    assert names(office.get(URL)) == ["First", "Second"]

    with CaptureQueriesContext(connection) as queries:
        assert names(office.get(URL)) == ["First", "Second"]
    assert not any("MAX(" in query["sql"] for query in queries)  # the ranking came cached

    waive_flag(flag=first, user=bekasi_office_user, reason="Dispensasi Disnaker")
    assert names(office.get(URL)) == ["Second", "First"]  # waived: no longer ranks


def test_an_engine_run_drops_the_cached_ranking(office, contractor_a):
    from compliance.scanning import scan_projects

    project = factories.make_project(contractor=contractor_a, name="Finished since")
    flag(project, score=90_000)
    flag(factories.make_project(contractor=contractor_a, name="Still open"), score=1_000)
    assert names(office.get(URL)) == ["Finished since", "Still open"]

    project.status = project.Status.FINISHED
    project.bast_date = timezone.localdate()
    project.save(update_fields=["status", "bast_date"])
    scan_projects()  # resolves the finished project's flag

    assert names(office.get(URL))[0] == "Still open"


def test_the_list_works_without_a_cache(office, contractor_a, settings):
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    flag(factories.make_project(contractor=contractor_a, name="Ranked"), score=5)

    assert names(office.get(URL)) == ["Ranked"]


# The filter form is rendered once per scope, query and language (PANTAU_FILTER_FORM_CACHE_SECONDS).


@pytest.fixture
def filter_form_cache(settings):
    settings.PANTAU_FILTER_FORM_CACHE_SECONDS = 600
    return uuid.uuid4().hex[:8]  # a query no earlier run has cached


def test_the_filter_form_shows_each_query_and_comes_from_the_cache_the_second_time(
    office, contractor_a, filter_form_cache
):
    factories.make_project(contractor=contractor_a, name=f"Jalan {filter_form_cache}")
    query = {"q": filter_form_cache, "spk_from": "someday"}

    first = office.get(URL, query).content.decode()
    with CaptureQueriesContext(connection) as queries:
        second = office.get(URL, query).content.decode()

    assert f'value="{filter_form_cache}"' in first
    assert "Enter a valid date." in first
    form = first[
        first.index('<form method="get"') : first.index(
            "</form>", first.index('<form method="get"')
        )
    ]
    assert form in second  # the same form, values and error
    # Kota Bekasi's districts fill a select: rendered the first time only.
    district_choices = [
        query["sql"]
        for query in queries
        if 'FROM "reference_region"' in query["sql"] and '"parent_id" =' in query["sql"]
    ]
    assert district_choices == []
    other = office.get(URL, {"q": "another " + filter_form_cache}).content.decode()
    assert f'value="another {filter_form_cache}"' in other
    assert "Enter a valid date." not in other


def test_the_cached_filter_form_follows_the_language(office, bekasi_office_user, filter_form_cache):
    query = {"q": filter_form_cache}
    assert "Funding source" in office.get(URL, query).content.decode()
    bekasi_office_user.preferred_language = "id"
    bekasi_office_user.save(update_fields=["preferred_language"])
    assert "Sumber dana" in office.get(URL, query).content.decode()


def test_the_filter_form_shows_without_a_cache(office, settings, filter_form_cache):
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    content = office.get(URL, {"q": filter_form_cache}).content.decode()
    assert f'value="{filter_form_cache}"' in content


# A rendered page of rows is cached per scope, query and language under the flags version
# (PANTAU_LIST_CACHE_SECONDS; off in the other tests).


@pytest.fixture
def list_cache(settings):
    settings.PANTAU_LIST_CACHE_SECONDS = 60


def page_text(client, **query):
    return client.get(URL, query).content.decode()


def test_a_list_page_is_rendered_once_until_a_flag_changes(
    office, contractor_a, bekasi_office_user, list_cache
):
    from compliance.services import waive_flag

    first = flag(factories.make_project(contractor=contractor_a, name="First"), score=90_000)
    second = factories.make_project(contractor=contractor_a, name="Second")
    flag(second, score=1_000)
    assert page_text(office).index("First") < page_text(office).index("Second")

    second.name = "Second, renamed"
    second.save(update_fields=["name"])
    with CaptureQueriesContext(connection) as queries:
        page = page_text(office)
    assert "Second, renamed" not in page  # the cached page, for up to a minute
    assert not any('FROM "compliance_complianceflag"' in query["sql"] for query in queries)

    waive_flag(flag=first, user=bekasi_office_user, reason="Dispensasi Disnaker")
    page = page_text(office)  # a flag changed: rendered again, at once
    assert page.index("Second, renamed") < page.index("First")


def test_a_cached_list_page_follows_scope_query_and_language(
    client, office, contractor_a, bekasi_office_user, list_cache
):
    flag(factories.make_project(contractor=contractor_a, name="Jembatan Bekasi"), score=5)
    flag(factories.make_project(contractor=contractor_a, name="Gedung Bekasi"), score=3)
    assert "Jembatan Bekasi" in page_text(office)
    assert "Jembatan Bekasi" not in page_text(office, q="Gedung")
    english = page_text(office)
    bekasi_office_user.preferred_language = "id"
    bekasi_office_user.save(update_fields=["preferred_language"])
    assert page_text(office) != english  # "Not registered" → "Belum terdaftar", and so on

    # Kabupaten Bogor: the same language and time zone as Bekasi's office, another scope.
    bogor_office_user = factories.make_office_user("dinas.bogor", region_code="32.01")
    bogor_office_user.preferred_language = "id"
    bogor_office_user.save(update_fields=["preferred_language"])
    client.force_login(bogor_office_user)
    assert "Jembatan Bekasi" not in page_text(client)  # Bekasi's cached page is not Bogor's


def test_the_list_pages_work_without_a_cache(office, contractor_a, settings, list_cache):
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    flag(factories.make_project(contractor=contractor_a, name="Ranked"), score=5)
    assert "Ranked" in page_text(office)


def test_an_evicted_flags_version_never_returns_to_an_old_value(office, contractor_a):
    """Redis under maxmemory or the file cache's culling may drop the version's key: counting
    again from 1 would read rankings and pages cached under old values as current."""
    from django.core.cache import cache

    from compliance.flag_version import KEY, flags_version

    before = flags_version()
    cache.delete(KEY)  # evicted
    assert flags_version() > before
    flags_changed()
    cache.delete(KEY)
    flags_changed()  # a bump with no key starts a fresh value too
    assert flags_version() > before
