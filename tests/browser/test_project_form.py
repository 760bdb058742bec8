"""The project form in real Chromium, on a phone-width screen: the contribution appears as the
value is typed, from the calculator endpoint, with no inline script."""

import re

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contribution_appears_while_typing_the_value(page, reference_data, contractor_a_user):
    log_in(page, contractor_a_user.username)
    page.goto(page.base_url + "/projects/new/")

    page.fill("input[name=spk_date]", "2026-03-02")
    page.fill("input[name=start_date]", "2026-04-01")
    page.fill("input[name=contract_value]", "832.500.000")
    page.check("input[name=includes_ppn]")

    preview = page.locator("#contribution-preview")
    # Rp750 juta before PPN: JKK 1.215.000 + JKM 160.000 (Permenaker 5/2021 tiers).
    preview.locator("[data-out=total]").filter(has_text="Rp1.375.000").wait_for()
    assert preview.locator("[data-out=base_value]").inner_text() == "Rp750.000.000"
    assert "27 Maret 2026" in preview.locator("[data-out=registration_due_on]").inner_text()
    assert preview.locator("table.slices tbody tr").count() == 3


def test_the_kecamatan_list_follows_the_kab_kota_chosen(page, reference_data, contractor_a_user):
    from projects.models import Project
    from reference.models import Region

    log_in(page, contractor_a_user.username)
    page.goto(page.base_url + "/projects/new/")
    districts = page.locator("select[name=district] option")
    bekasi = Region.objects.districts().filter(parent__code="32.75")
    assert districts.count() == bekasi.count() + 1  # and the empty choice

    # Another kab/kota: the list is refilled with its kecamatan, without saving first.
    page.select_option("select[name=regency]", "63.10")
    tanah_bumbu = Region.objects.districts().filter(parent__code="63.10").order_by("name")
    kecamatan = tanah_bumbu.first()
    page.locator(f"select[name=district] option[value='{kecamatan.code}']").wait_for(
        state="attached"
    )
    assert districts.count() == tanah_bumbu.count() + 1
    page.select_option("select[name=district]", kecamatan.code)

    page.fill("input[name=name]", "Jembatan Sungai Kusan")
    page.fill("input[name=owner_name]", "Dinas PUPR Tanah Bumbu")
    page.fill("input[name=spk_number]", "600/12/PUPR/2026")
    page.fill("input[name=spk_date]", "2026-03-02")
    page.fill("input[name=start_date]", "2026-04-01")
    page.fill("input[name=end_date]", "2026-10-31")
    page.fill("input[name=contract_value]", "1.500.000.000")
    page.select_option("select[name=funding_source]", "apbd_kab")
    page.locator("form.stacked button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))

    project = Project.objects.get(spk_number="600/12/PUPR/2026")
    assert project.district == kecamatan and project.regency.code == "63.10"
    assert kecamatan.name in page.locator("dl.facts").inner_text()


def test_a_kecamatan_list_that_cannot_load_says_so(page, reference_data, contractor_a_user):
    log_in(page, contractor_a_user.username)
    page.goto(page.base_url + "/projects/new/")
    page.route("**/api/v1/regions/**", lambda route: route.abort())
    page.expected_console_errors.append("net::ERR_FAILED")

    page.select_option("select[name=regency]", "63.10")

    problem = page.locator("select[name=district] + small.errors")
    problem.wait_for(state="visible")
    assert problem.inner_text().strip()
    assert page.locator("select[name=district] option").count() == 1  # the empty choice only
    assert page.locator("select[name=district]").get_attribute("aria-busy") is None
