"""Rendered HTML kept in the shared cache, for fragments that many requests render alike."""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)


def cached_fragment(key: str, timeout: int, render: Callable[[], str]) -> SafeString:
    """The HTML stored under key, or render() stored there for timeout seconds. With timeout 0,
    or when the cache cannot be reached, render() every time: the cache is never required for
    correctness. render() must return our own templates' output (it is marked safe)."""
    html = None
    if timeout:
        try:
            html = cache.get(key)
        except Exception:
            logger.warning("fragment %s not cached", key.split(":", 2)[:2], exc_info=True)
            timeout = 0
    if html is None:
        html = render()
        if timeout:
            try:
                cache.set(key, html, timeout=timeout)
            except Exception:
                logger.warning("fragment %s not cached", key.split(":", 2)[:2], exc_info=True)
    return mark_safe(html)  # noqa: S308 - our own templates' output
