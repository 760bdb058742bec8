"""Rendered HTML kept in the shared cache, for fragments that many requests render alike."""

import logging
import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

# While one request renders a missing fragment, the others that miss it wait this long for its
# result before rendering it themselves (the renderer may be slow or gone).
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.05


def cached_fragment(
    key: str, timeout: int, render: Callable[[], str], *, wait: float = WAIT_SECONDS
) -> SafeString:
    """The HTML stored under key, or render() stored there for timeout seconds. With timeout 0,
    or when the cache cannot be reached, render() every time: the cache is never required for
    correctness. render() must return our own templates' output (it is marked safe).

    One request renders a missing fragment while the others wait for it: when an engine run
    changes the flags version, every office user of a province asks for the same list page
    again, and each rendering it would cost ~0.8 s of CPU (the load test's cold province list).
    """
    if not timeout:
        return mark_safe(render())  # noqa: S308 - our own templates' output
    lock = f"{key}:rendering"
    try:
        html = cache.get(key)
        if html is None and not cache.add(lock, 1, timeout=int(wait) + 5):
            deadline = time.monotonic() + wait
            while html is None and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                html = cache.get(key)
    except Exception:
        logger.warning("fragment %s not cached", key.split(":", 2)[:2], exc_info=True)
        return mark_safe(render())  # noqa: S308
    if html is None:
        html = render()
        try:
            cache.set(key, html, timeout=timeout)
            cache.delete(lock)
        except Exception:
            logger.warning("fragment %s not cached", key.split(":", 2)[:2], exc_info=True)
    return mark_safe(html)  # noqa: S308
