"""The API's browsable docs in real Chromium: Swagger UI from django-ninja's bundled static
files (no CDN), under the site's CSP, listing the operations and taking a bearer token."""

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_from_local_files_only(page, reference_data):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    page.goto(page.base_url + "/api/v1/docs")

    page.locator(".swagger-ui .info .title").filter(has_text="Pantau Jakon API").wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/projects").first.wait_for()
    assert page.locator("button.authorize").count() == 1  # Bearer token for "Try it out"
    assert hosts == {urlparse(page.base_url).hostname}
