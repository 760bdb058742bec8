"""reference.fragments.cached_fragment: rendered once, shared, and one render when many requests
miss at the same moment; never required for correctness."""

import threading
import time
import uuid

import pytest
from django.core.cache import cache

from reference.fragments import cached_fragment


@pytest.fixture
def key():
    return f"test:fragment:{uuid.uuid4().hex}"


class Renderer:
    def __init__(self, html="<p>figures</p>", seconds=0.0):
        self.html, self.seconds, self.calls = html, seconds, 0
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.html


def test_rendered_once_then_read_from_the_cache(key):
    render = Renderer()
    assert cached_fragment(key, 60, render) == "<p>figures</p>"
    assert cached_fragment(key, 60, render) == "<p>figures</p>"
    assert render.calls == 1


def test_timeout_zero_renders_every_time(key):
    render = Renderer()
    cached_fragment(key, 0, render)
    cached_fragment(key, 0, render)
    assert render.calls == 2 and cache.get(key) is None


def test_a_miss_waits_for_the_request_already_rendering(key):
    cache.add(f"{key}:rendering", 1, timeout=10)  # another request is rendering
    threading.Timer(0.3, lambda: cache.set(key, "<p>theirs</p>", timeout=60)).start()
    render = Renderer("<p>mine</p>")
    assert cached_fragment(key, 60, render) == "<p>theirs</p>"
    assert render.calls == 0


def test_a_miss_renders_itself_when_the_other_request_never_delivers(key):
    cache.add(f"{key}:rendering", 1, timeout=10)  # a renderer that died
    render = Renderer("<p>mine</p>")
    started = time.monotonic()
    assert cached_fragment(key, 60, render, wait=0.3) == "<p>mine</p>"
    assert render.calls == 1 and time.monotonic() - started >= 0.3
    assert cache.get(key) == "<p>mine</p>"


@pytest.mark.services("redis")
def test_sixteen_requests_missing_at_once_render_once(key):
    render = Renderer(seconds=0.3)
    results = []

    def request():
        results.append(cached_fragment(key, 60, render))

    threads = [threading.Thread(target=request) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["<p>figures</p>"] * 16
    assert render.calls == 1


def test_renders_without_a_cache(key, settings):
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    render = Renderer()
    assert cached_fragment(key, 60, render) == "<p>figures</p>"
    assert cached_fragment(key, 60, render) == "<p>figures</p>"
    assert render.calls == 2
