"""/office/audit/: an office reads who changed what in its region, newest first, read-only;
and the admin's history is read-only too."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from compliance import services as compliance_services
from compliance.models import ComplianceFlag
from monitoring import audit
from projects.models import Project
from reference.admin_history import ReadOnlyHistoryAdmin
from tests import factories
from workers.models import ImportJob
from workers.services import enroll_worker

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:audit")


def give_a_history(project, office_user, *, nik, label):
    """A change of the project, a registration, an enrollment, a waiver and an import."""
    project.name = f"Gedung {label} (diubah)"
    project.save()
    factories.make_registration(project)
    enroll_worker(project=project, nik=nik, full_name="Budi Santoso", started_on=project.spk_date)
    flag = ComplianceFlag.objects.create(
        project=project,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=timezone.now() - timedelta(days=3),
        violation_since=timezone.now() - timedelta(days=3),
    )
    compliance_services.waive_flag(flag=flag, user=office_user, reason=f"Alasan {label}")
    ImportJob.objects.create(
        project=project,
        file="worker-imports/x",
        original_name=f"pekerja-{label}.csv",
        file_format="csv",
        created_by=office_user,
    )


@pytest.fixture
def histories(
    project_of_contractor_a, project_of_contractor_b, bekasi_office_user, tanbu_office_user
):
    give_a_history(project_of_contractor_a, bekasi_office_user, nik="3275011708900001", label="A")
    give_a_history(project_of_contractor_b, tanbu_office_user, nik="6310011708900002", label="B")


def page_of(client, user, **params) -> str:
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_an_office_sees_every_kind_of_entry_of_its_region_only(
    client, histories, bekasi_office_user
):
    page = page_of(client, bekasi_office_user)
    assert page.count("Gedung A (diubah)") >= 5  # each entry links its project
    for kind in ["Project", "BPJS registration", "Worker enrollment", "Finding", "Worker import"]:
        assert f"<td>{kind} · " in page
    assert "Alasan A" in page
    assert "Gedung B" not in page and "Alasan B" not in page


def test_the_province_office_sees_its_kab_kota_but_not_another_province(
    client, histories, jabar_office_user
):
    page = page_of(client, jabar_office_user)
    assert "Gedung A (diubah)" in page
    assert "Gedung B" not in page


def test_a_change_shows_the_field_before_and_after(client, histories, tanbu_office_user):
    page = page_of(client, tanbu_office_user, kind="project")
    assert "Gedung B (diubah)" in page
    assert "→ Gedung B (diubah)" in page
    assert "pekerja-B.csv" not in page and "Alasan B" not in page


def test_the_date_filter_keeps_the_entries_of_those_days(client, histories, bekasi_office_user):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "No entry matches." in page_of(client, bekasi_office_user, since=tomorrow.isoformat())
    today = timezone.localdate().isoformat()
    assert "Alasan A" in page_of(client, bekasi_office_user, since=today, until=today)


def test_a_contractor_is_refused(client, contractor_a_user):
    client.force_login(contractor_a_user)
    assert client.get(URL).status_code == 403


def test_nothing_on_the_page_can_be_changed(client, histories, bekasi_readonly_user):
    page = page_of(client, bekasi_readonly_user)
    assert "Alasan A" in page  # read-only staff read it too
    content = page.split("<main>")[1]
    assert 'method="post"' not in content  # no form that changes anything (only GET filters)
    assert client.post(URL).status_code == 405


def test_pages_follow_each_other_without_gap_or_repeat(histories):
    everything = audit.audit_page(Project.objects.all(), size=1000).entries
    seen, cursor = [], None
    while True:
        page = audit.audit_page(Project.objects.all(), size=3, cursor=cursor)
        seen += page.entries
        if page.next_cursor is None:
            break
        cursor = audit.parse_cursor(page.next_cursor)
    assert [(e.kind, e.pk) for e in seen] == [(e.kind, e.pk) for e in everything]
    assert len(everything) == len({(e.kind, e.pk) for e in everything}) == 12


def test_the_page_costs_the_same_queries_whatever_its_length(
    client, histories, bekasi_office_user, project_of_contractor_a, django_assert_max_num_queries
):
    for serial in range(2, 12):
        enroll_worker(
            project=project_of_contractor_a,
            nik=f"327501170890{serial:04d}",
            full_name=f"Pekerja {serial}",
            started_on=project_of_contractor_a.spk_date,
        )
    client.force_login(bekasi_office_user)
    with django_assert_max_num_queries(16):
        assert client.get(URL).status_code == 200


def test_every_history_admin_is_read_only():
    history_admins = [a for a in admin.site._registry.values() if isinstance(a, SimpleHistoryAdmin)]
    assert history_admins
    assert all(isinstance(a, ReadOnlyHistoryAdmin) for a in history_admins)


def test_an_admin_cannot_revert_a_project_to_an_old_version(
    client, superuser, project_of_contractor_a
):
    old_name = project_of_contractor_a.name
    project_of_contractor_a.name = "Nama baru"
    project_of_contractor_a.save()
    first = project_of_contractor_a.history.earliest("history_date")
    url = reverse(
        "admin:projects_project_simple_history",
        args=[project_of_contractor_a.pk, first.history_id],
    )
    client.force_login(superuser)
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": old_name})
    assert response.status_code == 405
    project_of_contractor_a.refresh_from_db()
    assert project_of_contractor_a.name == "Nama baru"
