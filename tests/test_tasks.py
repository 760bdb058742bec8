"""Each Celery task once through a real worker on the configured broker (the filesystem
transport by default, Redis when REDIS_URL is set, as in CI)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from reference.models import Holiday
from reference.tasks import refresh_holidays_task


@pytest.fixture
def celery_worker(transactional_db):
    # A worker thread in this process, consuming from the real broker; it sees the test
    # database because transactional tests commit.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_holiday_refresh_runs_on_a_real_worker_and_brings_back_next_years_holidays(
    reference_data, celery_worker
):
    next_year = timezone.localdate().year + 1
    Holiday.objects.filter(date__year=next_year).delete()

    refresh_holidays_task.delay()

    assert wait_until(lambda: Holiday.objects.filter(date__year=next_year).exists())
    # Idempotent: running it again adds nothing.
    count = Holiday.objects.count()
    refresh_holidays_task()
    assert Holiday.objects.count() == count


@pytest.mark.services("redis")
def test_ci_runs_the_worker_on_redis():
    assert app.connection_for_write().transport.driver_type == "redis"
