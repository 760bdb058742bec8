"""Thin Celery task over procurement.services.run_import."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services import fail_import, run_import

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def import_procurement_task(run_id: int):
    """Apply a confirmed procurement file. Idempotent: run_import() compares-and-sets
    queued -> done in the import's own transaction, so a redelivered message writes nothing."""
    try:
        run = run_import(run_id)
    except SoftTimeLimitExceeded:
        fail_import(run_id, "SoftTimeLimitExceeded")
        raise
    except Exception as error:
        logger.exception("procurement import %s failed", run_id)
        fail_import(run_id, type(error).__name__)
        raise
    if run is not None:
        logger.info(
            "procurement import %s: %s new, %s changed", run_id, run.new_count, run.changed_count
        )
