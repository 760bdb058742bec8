"""The project form in real Chromium, on a phone-width screen: the contribution appears as the
value is typed, from the calculator endpoint, with no inline script."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, password="test-pass-2026"):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


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
