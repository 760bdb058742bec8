from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

WIB = ZoneInfo("Asia/Jakarta")


def at(day, hour=10):
    """An aware instant on `day` in WIB, for the engine's clock."""
    return datetime.combine(day, time(hour), tzinfo=WIB)


@pytest.fixture(autouse=True)
def _no_engine_nudges(settings):
    # The on-commit nudge would queue real tasks; these tests call the engine directly.
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False
