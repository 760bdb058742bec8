"""The header on a phone (390 px wide, as an iPhone 12-15): every link of an office user's
navigation, the user's name and "Log out" stay on screen, wrapped onto more lines."""

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_header_wraps_on_a_phone_and_keeps_every_link_on_screen(
    page, bekasi_office_user
):
    bekasi_office_user.first_name, bekasi_office_user.last_name = "Dinas Tenaga Kerja", "Bekasi"
    bekasi_office_user.save(update_fields=["first_name", "last_name"])
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, bekasi_office_user.username)

    items = page.locator(".site-header nav > a, .site-header nav button")
    assert items.count() >= 9  # language, dashboard … new companies, API tokens, name, log out
    for index in range(items.count()):
        box = items.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, items.nth(
            index
        ).inner_text()
    header_width = page.evaluate("document.querySelector('.site-header').scrollWidth")
    assert header_width <= 390
