"""The monev report: per owner and funding source, unregistered list, PDF and XLSX, scoped."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from compliance.models import ComplianceFlag
from projects.models import Project
from tests import factories

pytestmark = [pytest.mark.django_db]
PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture
def world(contractor_a, contractor_b):
    dinas = factories.make_work_unit(name="Dinas PUPR Kota Bekasi")
    covered = factories.make_project(
        contractor=contractor_a, work_unit=dinas, contract_value=Decimal(750_000_000)
    )
    factories.make_registration(covered)
    late = factories.make_project(
        contractor=contractor_b,
        work_unit=dinas,
        name="Jembatan Kali Bekasi",
        funding_source=Project.FundingSource.APBN,
        contract_value=Decimal(250_000_000),
    )
    factories.make_project(contractor=contractor_b, regency="63.10", name="Elsewhere")
    return covered, late


@pytest.fixture
def office(client, bekasi_office_user):
    bekasi_office_user.preferred_language = "en"
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    return client


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_the_report_counts_packages_registered_and_value_per_owner(office, world):
    report = office.get(reverse("monitoring:monev"), PERIOD).context["report"]

    [owner] = report["by_owner"]
    assert owner["label"] == "Dinas PUPR Kota Bekasi"
    assert (owner["packages"], owner["registered"]) == (2, 1)
    assert owner["value"] == Decimal(1_000_000_000)
    assert owner["value_covered"] == Decimal(750_000_000)
    assert owner["paid"] == Decimal(1_375_000)
    assert str(owner["registered_percent"]) == "50.0"
    funding = {row["label"]: (row["packages"], row["registered"]) for row in report["by_funding"]}
    assert funding == {
        Project.FundingSource.APBD_REGENCY.label: (1, 1),
        Project.FundingSource.APBN.label: (1, 0),
    }


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_the_unregistered_list_names_the_contractor_and_days_overdue(office, world):
    _covered, late = world
    report = office.get(reverse("monitoring:monev"), PERIOD).context["report"]
    [item] = report["unregistered"]
    assert item["project"] == late
    assert item["days_overdue"] == (date(2026, 6, 1) - late.registration_due_on).days
    assert "Elsewhere" not in office.get(reverse("monitoring:monev"), PERIOD).content.decode()


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_pdf_and_xlsx_downloads(office, world):
    pdf = office.get(reverse("monitoring:monev_pdf"), PERIOD)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    xlsx = office.get(reverse("monitoring:monev_xlsx"), PERIOD)
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["Per owner", "Per funding source", "Unregistered"]
    rows = list(workbook["Unregistered"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["Jembatan Kali Bekasi"]


def test_a_period_that_ends_before_it_starts_is_refused(office):
    response = office.get(reverse("monitoring:monev"), {"start": "2026-05-01", "end": "2026-04-01"})
    assert response.context["report"] is None
    assert "The period ends before it starts." in response.content.decode()


def test_contractors_cannot_open_the_report(client, contractor_a_user):
    client.force_login(contractor_a_user)
    assert client.get(reverse("monitoring:monev_pdf"), PERIOD).status_code == 403


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_another_regions_office_gets_none_of_bekasis_rows_in_any_format(
    client, tanbu_office_user, world
):
    client.force_login(tanbu_office_user)
    xlsx = client.get(reverse("monitoring:monev_xlsx"), PERIOD)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[2]  # the unregistered list
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Elsewhere"]

    from pypdf import PdfReader

    pdf = client.get(reverse("monitoring:monev_pdf"), PERIOD)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Elsewhere" in text and "Jembatan Kali Bekasi" not in text

    export = client.get(reverse("monitoring:projects_csv"))
    rows = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Elsewhere" in rows and "Jembatan Kali Bekasi" not in rows


@pytest.mark.parametrize(
    ("language", "start", "end"), [("en", "From", "Until"), ("id", "Dari", "Sampai")]
)
def test_the_period_fields_are_labelled_in_the_users_language(
    client, bekasi_office_user, language, start, end
):
    bekasi_office_user.preferred_language = language
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    page = client.get(reverse("monitoring:monev")).content.decode()
    assert f'<label for="id_start">{start}</label>' in page
    assert f'<label for="id_end">{end}</label>' in page


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_the_escalation_step_is_named_on_the_page_and_in_the_files(office, world):
    _covered, late = world
    other = factories.make_project(contractor=late.contractor, name="Gedung Posyandu")
    ComplianceFlag.objects.create(
        project=other,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=timezone.now(),
        violation_since=timezone.now(),
        escalation_step=ComplianceFlag.Step.LETTER_1,
    )

    page = office.get(reverse("monitoring:monev"), PERIOD).content.decode()
    assert "<td>No letter yet</td>" in page  # step 0, not a bare "0"
    assert "<td>Warning letter I sent</td>" in page

    xlsx = office.get(reverse("monitoring:monev_xlsx"), PERIOD)
    sheet = load_workbook(io.BytesIO(xlsx.content))["Unregistered"]
    steps = {row[0]: row[8] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert steps == {
        "Jembatan Kali Bekasi": "No letter yet",
        "Gedung Posyandu": "Warning letter I sent",
    }


@time_machine.travel(date(2026, 6, 1), tick=False)
@pytest.mark.parametrize(
    ("language", "share", "other"), [("id", "50,0", "50.0"), ("en", "50.0", "50,0")]
)
def test_the_pdf_writes_percentages_the_users_way(
    client, bekasi_office_user, world, language, share, other
):
    from pypdf import PdfReader

    bekasi_office_user.preferred_language = language
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    pdf = client.get(reverse("monitoring:monev_pdf"), PERIOD)
    reader = PdfReader(io.BytesIO(pdf.content))
    cells = [line for page in reader.pages for line in page.extract_text().splitlines()]
    assert share in cells and other not in cells  # the owner's registered share, 1 of 2
