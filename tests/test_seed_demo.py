"""The demo data command: users, regions, every compliance situation, idempotence, the guard."""

import io
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Exists, F, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Office, User
from compliance import rules
from compliance.demo import DEMO_PASSWORD, PROJECTS
from compliance.models import Registration
from compliance.services import contribution_due
from projects.models import Amendment, Contractor, Project
from reference.identifiers import nik_matches_person, parse_nik, validate_npwp
from reference.models import Region
from workers.models import Enrollment, Worker

BEKASI, TANBU = "32.75", "63.10"
WIB = ZoneInfo("Asia/Jakarta")


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_settings(settings, reference_data):
    settings.DEBUG = True
    # The engine is called directly here; no tasks for a worker.
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False
    return settings


@pytest.fixture
def seeded(demo_settings):
    return seed()


def situations(today: date) -> dict[str, bool]:
    """Each situation the demo must show, as a query on what is stored."""
    covering = Registration.objects.covering()
    covered = Exists(covering.filter(project=OuterRef("pk")))
    active_workers = Exists(Enrollment.objects.active().filter(project=OuterRef("pk")))
    running = Project.objects.filter(status=Project.Status.RUNNING)
    return {
        "covered and verified": covering.filter(status=Registration.Status.VERIFIED).exists(),
        "covered, awaiting verification": covering.filter(
            status=Registration.Status.SUBMITTED
        ).exists(),
        "rejected with a reason": Registration.objects.filter(status=Registration.Status.REJECTED)
        .exclude(rejection_reason="")
        .exists(),
        "started, unregistered and overdue": running.filter(
            parent=None, start_date__lte=today, registration_due_on__lt=today
        )
        .exclude(covered)
        .exists(),
        "not yet due": Project.objects.filter(
            status=Project.Status.PLANNED, registration_due_on__gt=today
        )
        .exclude(covered)
        .exists(),
        "an amendment raised the value": Amendment.objects.filter(
            project__current_base_value__gt=F("previous_base_value")
        ).exists(),
        "finished with a BAST date": Project.objects.filter(
            status=Project.Status.FINISHED, bast_date__isnull=False
        ).exists(),
        "a subcontract of a main project": Project.objects.filter(parent__isnull=False).exists(),
        "coverage ends before the project": covering.filter(
            project__status=Project.Status.RUNNING,
            coverage_end__lt=F("project__current_end_date"),
        ).exists(),
        "underpaid": any(
            registration.paid < contribution_due(registration.project) - Decimal(1000)
            for registration in covering.select_related("project").annotate(
                paid=Sum("payments__amount")
            )
        ),
        "running with no workers": running.filter(start_date__lt=today)
        .exclude(active_workers)
        .exists(),
    }


def test_seed_demo_creates_the_eight_users_with_roles_offices_and_a_usable_password(seeded, client):
    """Office staff get their office and role; the two company admins work for different
    contractors, each with projects in both regions; everyone can log in."""
    users = {u.username: u for u in User.objects.select_related("office__region")}
    assert set(users) == {
        "admin",
        "dinas.bekasi",
        "dinas.tanbu",
        "dinas.jabar",
        "inspektorat.bekasi",
        "bpjs.bekasi",
        "kontraktor.a",
        "kontraktor.b",
    }
    assert users["admin"].is_superuser and users["admin"].is_staff
    offices = {
        name: (u.office.region.code, u.office.kind, u.office_role, u.office.zoneinfo.key)
        for name, u in users.items()
        if u.office
    }
    assert offices == {
        "dinas.bekasi": (BEKASI, Office.Kind.LABOUR_OFFICE, "editor", "Asia/Jakarta"),
        "dinas.tanbu": (TANBU, Office.Kind.LABOUR_OFFICE, "editor", "Asia/Makassar"),
        "dinas.jabar": ("32", Office.Kind.LABOUR_OFFICE, "editor", "Asia/Jakarta"),
        "inspektorat.bekasi": (BEKASI, Office.Kind.INSPECTORATE, "read_only", "Asia/Jakarta"),
        "bpjs.bekasi": (BEKASI, Office.Kind.BPJS_BRANCH, "editor", "Asia/Jakarta"),
    }
    assert users["dinas.bekasi"].office.name == "Dinas Ketenagakerjaan Kota Bekasi"
    assert users["dinas.tanbu"].office.name == (
        "Dinas Tenaga Kerja dan Transmigrasi Kabupaten Tanah Bumbu"
    )
    for office in Office.objects.all():
        assert office.letterhead_government and office.letterhead_agency and office.letter_city
        assert office.head_name and office.email.endswith("@example.org")
    memberships = [users[name].contractor_membership for name in ("kontraktor.a", "kontraktor.b")]
    assert all(m.is_company_admin for m in memberships)
    assert memberships[0].contractor_id != memberships[1].contractor_id
    for username in ("kontraktor.a", "kontraktor.b"):
        visible = Project.objects.visible_to(users[username])
        assert set(visible.values_list("regency__code", flat=True)) == {BEKASI, TANBU}, username
    # Through the login page, as a person would (django-axes refuses client.login(), which
    # authenticates without a request).
    for username in users:
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.logout()
    assert DEMO_PASSWORD in seeded and "kontraktor.b" in seeded


def test_about_forty_projects_in_both_regions_by_contractors_with_valid_npwp_and_nib(seeded):
    projects = Project.objects.select_related("regency", "district", "province")
    assert 35 <= projects.count() <= 45
    by_regency = {code: projects.filter(regency__code=code).count() for code in (BEKASI, TANBU)}
    assert min(by_regency.values()) >= 15, by_regency
    assert {p.province.code for p in projects} == {"32", "63"}
    for project in projects:
        assert project.district.parent_id == project.regency_id, project
    for code in (BEKASI, TANBU):
        kecamatan = projects.filter(regency__code=code).values("district").distinct().count()
        assert kecamatan >= 6, code
    values = [p.contract_value for p in projects]
    assert Decimal("75000000") <= min(values) < Decimal("100000000")
    assert Decimal("20000000000") < max(values) <= Decimal("25000000000")
    funding = set(projects.values_list("funding_source", flat=True))
    assert {"apbd_kab", "apbd_prov", "dak", "apbn", "private"} <= funding
    assert projects.filter(funding_source="apbd_kab").count() > projects.count() / 2
    contractors = Contractor.objects.all()
    assert contractors.count() >= 6
    for contractor in contractors:
        assert validate_npwp(contractor.npwp) == contractor.npwp
        assert contractor.npwp.startswith("0") and len(contractor.npwp) == 16
        assert contractor.nib.isdigit() and len(contractor.nib) == 13


def test_every_situation_is_in_the_demo_and_the_rules_find_each_gap(seeded):
    missing = [name for name, present in situations(timezone.localdate()).items() if not present]
    assert missing == []
    clock = rules.Clock.at(timezone.now())
    found = {
        rule: set(check(clock).values_list("pk", flat=True)) for rule, check in rules.RULES.items()
    }
    assert [rule for rule, ids in found.items() if not ids] == []
    clean = Project.objects.get(name=PROJECTS[0].name)  # verified, paid in full, with workers
    assert [rule for rule, ids in found.items() if clean.pk in ids] == []


def test_worker_niks_are_valid_and_agree_with_birth_date_sex_and_region(seeded):
    enrollments = Enrollment.objects.select_related("worker", "project__regency")
    assert enrollments.count() >= 100
    for enrollment in enrollments:
        worker = enrollment.worker
        parts = parse_nik(worker.nik)
        assert nik_matches_person(parts, birth_date=worker.birth_date, sex=worker.sex) == []
        assert worker.birth_date.day == parts.birth_day and parts.is_female == (worker.sex == "F")
        regency, kecamatan = parts.region_codes[1:]
        assert regency == enrollment.project.regency.code
        assert Region.objects.filter(code=kecamatan, parent__code=regency).exists()
    assert Worker.objects.filter(sex="F").exists() and Worker.objects.filter(sex="M").exists()
    assert set(enrollments.values_list("employment_type", flat=True)) == {
        "harian_lepas",
        "borongan",
        "pkwt",
    }
    # A worker's identity is shared: someone from a finished project works on a new one.
    assert (
        Worker.objects.filter(enrollments__ended_on__isnull=False)
        .filter(enrollments__ended_on__isnull=True)
        .exists()
    )


def test_a_second_run_changes_no_row_counts(seeded):
    def counts():
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if model._meta.managed  # an unmanaged model (ScanDecision) has no table
        }

    before = counts()
    output = seed()
    assert counts() == before
    assert "created now: nothing" in output
    assert DEMO_PASSWORD not in output


def test_without_debug_or_force_it_refuses_and_creates_nothing(settings, reference_data):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.exists()
    assert not Project.objects.exists()


def test_force_runs_it_with_debug_off(settings, reference_data):
    settings.DEBUG = False
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False
    seed(force=True)
    assert User.objects.filter(username="kontraktor.a").exists()


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 22),  # a Sunday in the Idul Fitri holidays and cuti bersama
        date(2027, 1, 1),  # New Year's Day, a Friday
    ],
)
def test_the_demo_shows_every_situation_whatever_the_day(demo_settings, day):
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=WIB), tick=False):
        seed()
        assert timezone.localdate() == day
        missing = [name for name, present in situations(day).items() if not present]
        assert missing == []
        clock = rules.Clock.at(timezone.now())
        assert [rule for rule, check in rules.RULES.items() if not check(clock).exists()] == []
