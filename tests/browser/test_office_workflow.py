"""dinas.bekasi in real Chromium: dashboard → the unregistered projects → a warning letter as PDF
→ verifies another project's registration → its finding leaves the list (the engine's
incremental path on a real worker)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from compliance.models import ComplianceFlag, Registration
from compliance.scanning import scan_projects
from tests import factories

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bekasi(reference_data, contractor_a, contractor_b):
    unregistered = factories.make_project(
        contractor=contractor_a, name="Saluran Drainase Bintara Jaya"
    )
    waiting = factories.make_project(contractor=contractor_b, name="Gedung Posyandu Jakasampurna")
    registration = factories.make_registration(waiting)
    # Submitted a month ago and never verified: the engine flags it `unverified`.
    Registration.objects.filter(pk=registration.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    factories.make_project(contractor=contractor_b, regency="63.10", name="Outside Bekasi")
    scan_projects()
    assert ComplianceFlag.objects.open().filter(project=waiting, rule="unverified").exists()
    return unregistered, waiting


def test_dinas_bekasi_works_its_unregistered_projects(
    page, bekasi, bekasi_office_user, celery_worker
):
    unregistered, waiting = bekasi
    log_in(page, bekasi_office_user.username)

    # The dashboard (the landing page for staff) shows Kota Bekasi's figures only.
    assert page.url.endswith("/office/")
    kpis = page.locator(".kpi-value")
    assert kpis.first.inner_text() == "2"  # projects in Kota Bekasi, not the Tanah Bumbu one

    # Filter the unregistered projects.
    page.goto(page.base_url + "/office/projects/")
    page.locator("details.filters summary").click()
    page.select_option("select[name=rule]", "unregistered")
    page.locator("form.filter-grid button[type=submit]").click()
    page.wait_for_url("**rule=unregistered**")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1
    assert unregistered.name in rows.first.inner_text()

    # Open it and print warning letter I.
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/projects/{unregistered.pk}/")
    letter = page.locator("form.letter-form").first
    letter.locator("input[name=number]").fill("560/77/Disnaker")
    with page.expect_download() as download:
        letter.locator("button[value=pdf]").click()
    pdf = PdfReader(download.value.path())
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert unregistered.name in text and "560/77/Disnaker" in text

    # The folded timeline and change history load from the history page when opened.
    for part in ("timeline", "changes"):
        section = page.locator(f"details[data-part={part}]")
        section.locator("summary").click()
        section.locator("table.list tbody tr").first.wait_for(timeout=10_000)
        assert section.locator(f"a[href$='#{part}']").count() == 0  # the fallback link is gone
    with translation.override(page.locator("html").get_attribute("lang")):
        rule = str(ComplianceFlag.Rule.UNREGISTERED.label)
    assert rule in page.locator("details[data-part=timeline] tbody").inner_text()

    # Verify the other project's registration: its `unverified` finding leaves the list.
    page.goto(page.base_url + f"/projects/{waiting.pk}/")
    page.locator("form[action$='/verify/'] input[name=checked]").check()
    page.locator("form[action$='/verify/'] button").click()
    page.wait_for_url(f"**/projects/{waiting.pk}/")
    deadline = time.monotonic() + 30
    while True:
        page.goto(page.base_url + "/office/projects/?rule=unverified")
        if page.locator("table.list tbody tr").count() == 0:
            break
        assert time.monotonic() < deadline, "the finding did not resolve within 30 s"
        time.sleep(1)
    assert not ComplianceFlag.objects.open().filter(project=waiting, rule="unverified").exists()
