"""Thin Celery tasks over the set-based engine (compliance.scanning)."""

import logging

from celery import shared_task
from django.utils import timezone

from .notifications import deliver_pending, queue_office_digests
from .rollups import refresh_stale_rollups
from .scanning import evaluate_marked_projects, scan_projects

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def scan_projects_task():
    """Full scan (beat, hourly by default). Idempotent: a redelivery or overlap changes nothing."""
    result = scan_projects()
    logger.info("compliance scan: %s", result)


@shared_task(acks_late=True, ignore_result=True)
def evaluate_marked_projects_task():
    """Evaluate projects marked by a change (nudged on commit, and every minute by beat), then
    rebuild the rollups of their kab/kota: the status first, the dashboards' figures next."""
    result = evaluate_marked_projects()
    if result.scanned:
        logger.info("compliance evaluation of changed projects: %s", result)
    if refreshed := refresh_stale_rollups():
        logger.info("rollups rebuilt after changes: %s kab/kota", refreshed)


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications_task():
    """Send due outbox rows (beat, every minute). At least once: claims are compare-and-set, so
    a redelivered or overlapping run never sends a row twice while it is being sent; a failed
    message stays pending with backoff and never fails the task."""
    result = deliver_pending()
    if any(result.values()):
        logger.info("notification delivery: %s", result)


@shared_task(acks_late=True, ignore_result=True)
def send_office_digests_task():
    """Write today's office digests (beat, daily at 07:00 WIB); deliver_notifications_task
    sends them within a minute. A redelivery writes nothing new: the keys carry the day, the
    office and the address."""
    queued = queue_office_digests(timezone.localdate())
    logger.info("office digests queued: %s", queued)
