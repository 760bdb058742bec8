"""Thin Celery task over workers.services.run_import."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services import fail_import, run_import

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def import_workers_task(job_id: int):
    """Import a confirmed file. Idempotent: run_import() compares-and-sets queued -> done in the
    import's own transaction, so a redelivered message (acks_late) imports nothing twice."""
    try:
        job = run_import(job_id)
    except SoftTimeLimitExceeded:
        fail_import(job_id, "SoftTimeLimitExceeded")
        raise
    except Exception as error:
        # Rolled back: record it so the page stops waiting (the technical name only).
        logger.exception("worker import %s failed", job_id)
        fail_import(job_id, type(error).__name__)
        raise
    if job is not None:
        logger.info("worker import %s: %s enrollments", job_id, job.enrollment_count)
