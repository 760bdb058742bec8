"""A counter in the shared cache that moves whenever open flags may have changed: every engine
run and every office or contractor action on a flag bumps it (flags_changed()).
Pages that rank by the flags (the office list) cache their ranking under the current value, so
a change shows at once and an unchanged ranking is not recomputed for every request."""

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

KEY = "compliance:flags-version"


def _fresh() -> int:
    """A starting value no earlier counter reached: when the key is evicted (Redis under
    maxmemory, the file cache's culling) and starts again, entries cached under the old values
    are never read as current."""
    return time.time_ns()


def flags_version() -> int | None:
    """The current value (None when the cache cannot be reached: callers skip caching)."""
    try:
        version = cache.get(KEY)
        if version is None:
            cache.add(KEY, _fresh(), timeout=None)
            version = cache.get(KEY)
        return version
    except Exception:  # the cache is never required for correctness
        logger.warning("flags version unavailable", exc_info=True)
        return None


def _bump() -> None:
    try:
        try:
            cache.incr(KEY)
        except ValueError:  # no value yet (a fresh, flushed or evicted cache)
            cache.add(KEY, _fresh(), timeout=None)
    except Exception:  # entries then expire by their timeout
        logger.warning("flags version not bumped", exc_info=True)


def flags_changed() -> None:
    """Bump the version now and again when the current transaction commits: a request that
    ranked the uncommitted state in between caches it under a version nobody reads again."""
    _bump()
    transaction.on_commit(_bump)
