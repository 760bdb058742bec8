"""compliance.status.all_tariffs: each web process keeps the tariffs for
PANTAU_TARIFF_BOOK_SECONDS, then reads them again (an admin's edit shows within that time)."""

import pytest

from compliance import status
from compliance.models import Tariff

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def kept(settings, monkeypatch):
    settings.PANTAU_TARIFF_BOOK_SECONDS = 60
    monkeypatch.setattr(status, "_kept_tariffs", None)
    clock = {"now": 1000.0}
    monkeypatch.setattr(status.time, "monotonic", lambda: clock["now"])
    return clock


def test_the_tariffs_are_read_once_then_kept(kept, django_assert_num_queries):
    with django_assert_num_queries(2):  # the tariffs and their tiers
        first = status.TariffBook()
    with django_assert_num_queries(0):
        second = status.TariffBook()
    assert [t.pk for t in second.tariffs] == [t.pk for t in first.tariffs]
    assert second.tariffs[0].tiers.all()  # the tiers came along


def test_an_edited_tariff_shows_once_the_time_is_up(kept, django_assert_num_queries):
    status.TariffBook()
    tariff = Tariff.objects.order_by("-valid_from").first()
    Tariff.objects.filter(pk=tariff.pk).update(name="Renamed by the admin")
    assert status.TariffBook().tariffs[0].name == tariff.name  # still the kept one
    kept["now"] += 61
    assert status.TariffBook().tariffs[0].name == "Renamed by the admin"


def test_zero_reads_them_for_every_page(settings, monkeypatch, django_assert_num_queries):
    settings.PANTAU_TARIFF_BOOK_SECONDS = 0
    monkeypatch.setattr(status, "_kept_tariffs", None)
    status.TariffBook()
    with django_assert_num_queries(2):
        status.TariffBook()
