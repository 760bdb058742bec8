"""Every page of the workspace and the portal renders in Bahasa Indonesia (the default) and in
English, for the persona that uses it."""

import pytest
from django.urls import reverse

from compliance.scanning import scan_projects
from tests import factories

pytestmark = [pytest.mark.django_db]

OFFICE_PAGES = [
    ("monitoring:dashboard", None),
    ("monitoring:projects", None),
    ("monitoring:contractors", None),
    ("monitoring:monev", None),
    ("accounts:contractor_confirmations", None),
    ("procurement:list", None),
    ("procurement:upload", None),
    ("projects:detail", "project"),
    ("accounts:password_change", None),
    ("accounts:api_tokens", None),
]
CONTRACTOR_PAGES = [
    ("projects:list", None),
    ("projects:create", None),
    ("projects:detail", "project"),
    ("projects:edit", "project"),
    ("projects:amendment_create", "project"),
    ("compliance:registration_create", "project"),
    ("accounts:team", None),
    ("accounts:api_tokens", None),
]
LOG_OUT = {"id": "Keluar", "en": "Log out"}


@pytest.fixture
def project(project_of_contractor_a):
    scan_projects()
    return project_of_contractor_a


def render(client, user, name, arg, project, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    response = client.get(reverse(name, args=[project.pk] if arg else []))
    assert response.status_code == 200, (name, language, response.status_code)
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert LOG_OUT[language] in page
    return page


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("name", "arg"), OFFICE_PAGES)
def test_office_pages(client, bekasi_office_user, project, name, arg, language):
    render(client, bekasi_office_user, name, arg, project, language)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("name", "arg"), CONTRACTOR_PAGES)
def test_contractor_pages(client, contractor_a_user, project, name, arg, language):
    render(client, contractor_a_user, name, arg, project, language)


def test_the_dashboard_takes_the_same_queries_for_a_few_or_many_projects(
    client, bekasi_office_user, contractor_a
):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        scan_projects()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("monitoring:dashboard")).status_code == 200
        return len(queries)

    client.force_login(bekasi_office_user)
    for _ in range(3):
        factories.make_project(contractor=contractor_a)
    few = count()
    for _ in range(20):
        factories.make_project(contractor=contractor_a)
    assert count() == few
