"""Readiness checks behind /readyz: can this process reach its database and its broker now?

Each check opens a connection of its own with a 2-second limit, so a dead or frozen server makes
the check fail quickly instead of hanging the probe, and the request's own connection (reused
for CONN_MAX_AGE) is never left with a changed timeout. Nothing is written.
"""

import logging
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2


def database_is_ready() -> bool:
    """The database answers SELECT 1 on a fresh connection within the timeout."""
    params = connection.get_connection_params()
    if connection.vendor == "postgresql":
        params |= {
            "connect_timeout": TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={TIMEOUT_SECONDS * 1000}",
        }
    elif connection.vendor == "sqlite":
        params["timeout"] = TIMEOUT_SECONDS
    try:
        raw = connection.get_new_connection(params)
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
        finally:
            raw.close()
    except Exception:
        logger.warning("readiness: the database does not answer", exc_info=True)
        return False


def broker_is_ready() -> bool:
    """The configured Celery broker answers: Redis a PING, the embedded filesystem broker (no
    REDIS_URL) a queue folder this process can write to (made as config/celery.py makes it),
    any other a connection."""
    url = settings.CELERY_BROKER_URL
    scheme = urlsplit(url).scheme
    try:
        if scheme in ("redis", "rediss"):
            return _redis_answers(url)
        if scheme == "filesystem":
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
            os.makedirs(folder, exist_ok=True)
            return os.access(folder, os.W_OK)
        return _kombu_connects(url)
    except Exception:
        logger.warning("readiness: the broker does not answer", exc_info=True)
        return False


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return client.ping()
    finally:
        client.close()


def _kombu_connects(url: str) -> bool:
    from kombu import Connection

    with Connection(url, connect_timeout=TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    return True
