"""Queries compiled once per process (reference.prepared): the same rows as the queryset they
stand for, fresh data on every call, one statement per shape, and every prepared query of the
pages bindable on this database."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import USER_WITH_SCOPE
from compliance.models import ComplianceFlag, Payment, Registration
from projects import pages
from projects.models import Project, ProjectNote, project_scope
from reference.prepared import PreparedQuery, _registry
from tests import factories
from workers.models import Enrollment

pytestmark = [pytest.mark.django_db]


def fields_of(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


@pytest.fixture
def projects(contractor_a, contractor_b):
    made = [factories.make_project(contractor=contractor_a) for _ in range(3)]
    made.append(factories.make_project(contractor=contractor_b))
    made.append(factories.make_project(contractor=contractor_a, regency="63.10"))
    for project in made[:2]:
        factories.make_registration(project)
    return made


def test_rows_equal_the_querysets_they_stand_for(projects, contractor_a_user):
    """Every model instance and every select_related object: the same fields."""
    kind, scope_id = project_scope(contractor_a_user)
    for project in projects:
        prepared = pages.PROJECT[kind].fetch(project_id=project.pk, scope_id=scope_id)
        plain = list(pages.PROJECT[kind].build(project_id=project.pk, scope_id=scope_id))
        assert [fields_of(p) for p in prepared] == [fields_of(p) for p in plain]
        for one, other in zip(prepared, plain, strict=True):
            for related in ("contractor", "work_unit"):
                assert fields_of(getattr(one, related)) == fields_of(getattr(other, related))
            assert one.parent is None and other.parent is None
    # contractor_b's project is not in contractor_a's scope
    assert pages.PROJECT[kind].fetch(project_id=projects[3].pk, scope_id=scope_id) == []


def test_statement_is_built_once_and_reads_fresh_rows(projects):
    query = PreparedQuery(
        "test: notes",
        lambda project_id: ProjectNote.objects.filter(project_id=project_id),
        "project_id",
    )
    first, second = projects[0], projects[1]
    assert query.fetch(project_id=first.pk) == []
    author = factories.make_office_user("penulis", region_code="32.75")
    note = ProjectNote.objects.create(project=first, author=author, text="Cek lapangan")
    assert [n.pk for n in query.fetch(project_id=first.pk)] == [note.pk]
    assert query.fetch(project_id=second.pk) == []
    assert len(query._statements) == 1
    ProjectNote.objects.filter(pk=note.pk).update(text="Cek ulang")
    assert query.fetch(project_id=first.pk)[0].text == "Cek ulang"


def test_a_list_gets_one_statement_per_length(projects):
    ids = [project.pk for project in projects]
    for count in (1, 2, 5):
        chosen = ids[:count]
        got = pages.REGISTRATIONS_OF.fetch(project_ids=chosen)
        plain = list(pages.REGISTRATIONS_OF.build(project_ids=chosen))
        assert [r.pk for r in got] == [r.pk for r in plain]
        assert {r.project_id for r in got} <= set(chosen)
    assert len(pages.REGISTRATIONS_OF._statements) >= 3


def test_shape_arguments_key_their_own_statement(contractor_a, contractor_a_user):
    made = [
        factories.make_project(contractor=contractor_a) for _ in range(pages.MY_PROJECTS_PAGE + 3)
    ]
    kind, scope_id = project_scope(contractor_a_user)
    first = pages.MY_PROJECTS[kind].fetch(scope_id=scope_id, offset=0)
    rest = pages.MY_PROJECTS[kind].fetch(scope_id=scope_id, offset=pages.MY_PROJECTS_PAGE)
    assert len(first) == pages.MY_PROJECTS_PAGE and len(rest) == 3
    assert {p.pk for p in first + rest} == {p.pk for p in made}


def test_a_probe_that_does_not_reach_the_parameters_compiles_each_time(projects, caplog):
    """A value computed from the argument cannot be found among the parameters: correct rows
    all the same, and a warning."""
    query = PreparedQuery(
        "test: shifted",
        lambda project_id: Project.objects.filter(pk=project_id + 1),
        "project_id",
    )
    with caplog.at_level(logging.WARNING, logger="reference.prepared"):
        assert not query.bindable(project_id=0)
    assert "compiles on every call" in caplog.text
    assert [p.pk for p in query.fetch(project_id=projects[0].pk - 1)] == [projects[0].pk]


def test_every_prepared_query_of_the_pages_is_bindable(projects):
    """On this database (SQLite or PostgreSQL), for the shapes the pages use."""
    ids = [project.pk for project in projects]
    for query in _registry:
        if query.name.startswith("test:"):
            continue
        values = {
            argument: (ids[:3] if argument.endswith("_ids") else 1) for argument in query.arguments
        }
        values.update(dict.fromkeys(query.shape, 0))
        assert query.bindable(**values), query.name


def test_the_user_of_each_request_comes_with_its_scope_in_one_query(contractor_a_user):
    with CaptureQueriesContext(connection) as queries:
        (user,) = USER_WITH_SCOPE.fetch(user_id=contractor_a_user.pk)
        assert user.contractor_membership.contractor.regency.code == "32.75"
    assert len(queries) == 1


def test_project_page_reads_each_part(projects, bekasi_office_user):
    project = projects[0]
    registration = project.registrations.get()
    document = factories.make_evidence(registration)
    worker = factories.make_worker()
    Enrollment.objects.create(project=project, worker=worker, started_on=project.start_date)
    page = pages.project_page(bekasi_office_user, project.pk)
    assert page.pk == project.pk
    assert [r.pk for r in page.portal_registrations] == [registration.pk]
    assert [p.pk for p in page.portal_registrations[0].payment_list] == list(
        Payment.objects.filter(registration=registration).values_list("pk", flat=True)
    )
    assert {f.pk for f in page.portal_open_flags} == set(
        ComplianceFlag.objects.open().filter(project=project).values_list("pk", flat=True)
    )
    assert [e.pk for e in page.portal_registrations[0].evidence_list] == [document.pk]
    assert page.workers_active == 1
    assert page.regency.code == "32.75"
    assert pages.project_page(bekasi_office_user, projects[4].pk) is None  # Tanah Bumbu


def test_a_superuser_sees_every_project_page(client, projects, superuser):
    """The "all" scope: no scope id among the parameters, any project found."""
    client.force_login(superuser)
    for project in (projects[3], projects[4]):  # contractor_b's, and one in Tanah Bumbu
        page = client.get(project.get_absolute_url())
        assert page.status_code == 200
        assert project.name in page.content.decode()
    listing = client.get("/projects/").content.decode()
    assert all(project.name in listing for project in projects)


def test_project_page_lists_registrations_by_their_date_newest_first(
    client, projects, bekasi_office_user
):
    """A registration recorded later with an earlier date (the real certificate, after a
    rejected one) comes after it: the page reads by creation but shows by date."""
    project = projects[2]
    rejected = factories.make_registration(
        project,
        status=Registration.Status.REJECTED,
        registered_on=project.spk_date + timedelta(days=6),
        rejection_reason="Nomor tidak cocok",
        verified_at=timezone.now(),
    )
    earlier = factories.make_registration(
        project, registered_on=project.spk_date + timedelta(days=2)
    )
    client.force_login(bekasi_office_user)
    html = client.get(project.get_absolute_url()).content.decode()
    assert html.index(rejected.bpjs_project_number) < html.index(earlier.bpjs_project_number)
