"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live test server.

Playwright's own browser download is never used (`playwright install` cannot reach its CDN
here): the executable is the system one. Without it the tests skip, unless REQUIRE_SERVICES=1
(CI installs chromium): then they fail.
"""

import os
import shutil

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but no Chromium at {CHROMIUM}", pytrace=False)
        pytest.skip("no Chromium installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(locale="id-ID", viewport={"width": 414, "height": 896})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.base_url = live_server.url
    # A test that makes a request fail on purpose names the console line it expects.
    page.expected_console_errors = []
    yield page
    context.close()
    # A script error or a CSP violation in the console is a failure the user would hit.
    unexpected = [e for e in errors if not any(x in e for x in page.expected_console_errors)]
    assert unexpected == []


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker thread on the configured broker: the engine's nudges get evaluated."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def log_in(page, username, password="test-pass-2026"):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
