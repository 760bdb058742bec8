"""Periodic upkeep of reference data."""

import logging

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def refresh_holidays_task():
    """Add this year's and next year's holidays from the `holidays` library (idempotent), so
    working-day deadlines stay right across the new year without an admin."""
    year = timezone.localdate().year
    call_command("load_holidays", from_year=year, to_year=year + 1, verbosity=0)
    logger.info("holidays refreshed for %s-%s", year, year + 1)
