"""Thin Celery tasks over the set-based engine (compliance.scanning)."""

import logging

from celery import shared_task

from .scanning import evaluate_marked_projects, scan_projects

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def scan_projects_task():
    """Full scan (beat, hourly by default). Idempotent: a redelivery or overlap changes nothing."""
    result = scan_projects()
    logger.info("compliance scan: %s", result)


@shared_task(acks_late=True, ignore_result=True)
def evaluate_marked_projects_task():
    """Evaluate projects marked by a change (nudged on commit, and every minute by beat)."""
    result = evaluate_marked_projects()
    if result.scanned:
        logger.info("compliance evaluation of changed projects: %s", result)
