"""Gunicorn settings for the container, from the environment (see .env.example).

Defaults suit the 2-core machines the project runs on: 2 processes of 4 threads each. A request
that takes longer than GUNICORN_TIMEOUT seconds is killed; long work belongs in Celery.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections over
# them. On one shared socket the worker that wakes first accepts a burst of keep-alive
# connections and serves them all on one core while the other worker idles (bench/README.md:
# 25 against 43 req/s on the office list, 2 workers, wrk -c16).
reuse_port = _bool("GUNICORN_REUSE_PORT", True)
# Recycling workers is off by default: a worker that exits drops the connections waiting on its
# own socket unless the kernel hands them over (net.ipv4.tcp_migrate_req=1, set in compose). Set
# GUNICORN_MAX_REQUESTS to bound a slow leak, staggered by the jitter.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The heartbeat file on the container's overlay filesystem can block a worker: use memory.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented advice for containers
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
