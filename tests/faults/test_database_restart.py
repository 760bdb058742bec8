"""PostgreSQL restarts under a running gunicorn: while it is down, pages fail at once with a
server error (no hang) and the process stays up; once it is back, the very next request
succeeds on the same process, although it held a persistent connection (CONN_MAX_AGE) that the
restart broke: CONN_HEALTH_CHECKS replaces it at the start of the request."""

import pytest
from django.db import connections

from tests import factories

from .conftest import Browser
from .processes import child_pids

pytestmark = pytest.mark.faults


def test_pages_fail_cleanly_while_postgresql_restarts_and_work_again_without_an_app_restart(
    database, postgres_cluster, start_web
):
    contractor = factories.make_contractor()
    user = factories.make_contractor_user("kontraktor.a", contractor=contractor)
    project = factories.make_project(contractor=contractor, name="Rehabilitasi pasar kota")
    web = start_web()
    browser = Browser(web, user)
    page = project.get_absolute_url()
    assert browser.request("GET", page).status == 200
    [web_process] = child_pids(web.pid)

    postgres_cluster.stop("fast")
    try:
        for _attempt in range(3):
            response = browser.request("GET", page, timeout=10)
            assert response.status in (500, 503)
            assert response.seconds < 3
            assert "Rehabilitasi pasar kota" not in response.text
            assert "Terjadi kesalahan" in response.text  # templates/500.html, no database
        # The process is up all along (what an orchestrator's liveness probe asks).
        assert web.request("GET", "/healthz").status == 200
    finally:
        postgres_cluster.start()
    connections["default"].close()  # this process's own session died with the server too

    response = browser.request("GET", page)
    assert response.status == 200
    assert "Rehabilitasi pasar kota" in response.text
    assert child_pids(web.pid) == [web_process]  # the same gunicorn worker, never restarted
