"""Each rule at its boundaries (domain.md part 0), through the real scanner."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from compliance import services
from compliance.models import ComplianceFlag, Registration
from compliance.scanning import scan_projects
from projects.models import Project
from projects.services import record_amendment, save_project
from reference.calendar import add_working_days, subtract_working_days
from tests import factories
from workers.services import enroll_worker

from .conftest import at

Rule = ComplianceFlag.Rule
SPK = date(2026, 6, 8)  # a Monday


def open_flags(project, rule=None):
    flags = ComplianceFlag.objects.filter(project=project, resolved_at__isnull=True)
    return flags.filter(rule=rule) if rule else flags


def only(project, rule):
    flags = list(open_flags(project, rule))
    assert len(flags) == 1, flags
    return flags[0]


@pytest.fixture
def project(contractor_a):
    return factories.make_project(
        contractor=contractor_a,
        spk_date=SPK,
        start_date=SPK + timedelta(days=28),
        end_date=SPK + timedelta(days=200),
        planned_workforce=20,
    )


def register(project, *, paid=True, amount=None, coverage_end=None, on=None):
    registration = services.record_registration(
        project=project,
        bpjs_project_number="2300001078094",
        registered_on=on or project.spk_date,
        coverage_start=project.start_date,
        coverage_end=coverage_end or project.current_end_date,
    )
    if paid:
        services.record_payment(
            registration=registration,
            amount=amount if amount is not None else registration.contribution_assessed,
            paid_on=on or project.spk_date,
            receipt_number=f"R{registration.pk:014d}",
        )
    return registration


class TestUnregistered:
    def test_nothing_is_flagged_before_the_warning_window(self, project):
        due = project.registration_due_on
        scan_projects(now=at(subtract_working_days(due, 4)))
        assert not open_flags(project, Rule.UNREGISTERED).exists()

    def test_a_warning_opens_three_working_days_before_the_due_date(self, project):
        due = project.registration_due_on
        scan_projects(now=at(subtract_working_days(due, 3)))
        flag = only(project, Rule.UNREGISTERED)
        assert flag.severity == ComplianceFlag.Severity.WARNING
        assert flag.violation_since is None

    def test_on_the_due_date_it_is_still_a_warning_and_the_day_after_a_violation(self, project):
        due = project.registration_due_on
        scan_projects(now=at(due))
        assert only(project, Rule.UNREGISTERED).severity == "warning"
        scan_projects(now=at(due + timedelta(days=1)))
        flag = only(project, Rule.UNREGISTERED)
        assert flag.severity == "violation"
        assert flag.violation_since is not None
        # Changed in place: still the one flag, with its history.
        kinds = list(flag.events.values_list("kind", flat=True))
        assert kinds[:2] == ["opened", "severity_changed"]

    def test_a_registration_without_payment_does_not_cover(self, project):
        register(project, paid=False)
        scan_projects(now=at(project.registration_due_on + timedelta(days=1)))
        assert only(project, Rule.UNREGISTERED).severity == "violation"

    def test_paying_resolves_the_flag_automatically(self, project):
        now = project.registration_due_on + timedelta(days=5)
        scan_projects(now=at(now))
        flag = only(project, Rule.UNREGISTERED)
        register(project, on=now)
        result = scan_projects(now=at(now, hour=11))
        flag.refresh_from_db()
        assert flag.resolved_at is not None
        assert flag.resolution == ComplianceFlag.Resolution.AUTO
        assert result.resolved >= 1
        assert flag.events.filter(kind="resolved").count() == 1

    def test_a_subcontract_is_covered_by_its_main_projects_registration(self, project, settings):
        sub = factories.make_project(
            contractor=project.contractor,
            work_unit=project.work_unit,
            parent=project,
            spk_date=SPK,
            start_date=SPK + timedelta(days=28),
            end_date=SPK + timedelta(days=90),
        )
        register(project)
        now = at(sub.registration_due_on + timedelta(days=3))
        scan_projects(now=now)
        assert not open_flags(sub, Rule.UNREGISTERED).exists()
        settings.PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION = True
        scan_projects(now=now + timedelta(hours=1))
        assert only(sub, Rule.UNREGISTERED).severity == "violation"

    def test_a_finished_project_is_never_flagged_and_its_flags_resolve(self, project):
        late = at(project.registration_due_on + timedelta(days=3))
        scan_projects(now=late)
        assert open_flags(project).exists()
        project.status = Project.Status.FINISHED
        project.bast_date = project.start_date + timedelta(days=30)
        save_project(project=project)
        scan_projects(now=late + timedelta(hours=1))
        assert not open_flags(project).exists()


class TestRejected:
    def test_a_fresh_rejection_leaves_the_project_unregistered_not_rejected(
        self, project, bekasi_office_user
    ):
        registration = register(project)
        services.reject_registration(
            registration=registration, user=bekasi_office_user, reason="Sertifikat tidak terbaca"
        )
        scan_projects(now=at(project.registration_due_on + timedelta(days=2)))
        assert open_flags(project, Rule.UNREGISTERED).exists()
        assert not open_flags(project, Rule.REJECTED).exists()

    def test_after_seven_days_without_a_new_submission_rejected_replaces_unregistered(
        self, project, bekasi_office_user
    ):
        registration = register(project)
        services.reject_registration(
            registration=registration, user=bekasi_office_user, reason="Nilai kontrak salah"
        )
        rejected_at = Registration.objects.get(pk=registration.pk).verified_at
        scan_projects(now=rejected_at + timedelta(days=6))
        assert open_flags(project, Rule.UNREGISTERED).exists()
        scan_projects(now=rejected_at + timedelta(days=8))
        assert only(project, Rule.REJECTED).severity == "violation"
        assert not open_flags(project, Rule.UNREGISTERED).exists()

    def test_a_new_submission_resolves_the_rejected_flag(self, project, bekasi_office_user):
        registration = register(project)
        services.reject_registration(
            registration=registration, user=bekasi_office_user, reason="Nilai kontrak salah"
        )
        later = Registration.objects.get(pk=registration.pk).verified_at + timedelta(days=8)
        scan_projects(now=later)
        assert open_flags(project, Rule.REJECTED).exists()
        with time_machine.travel(later, tick=False):  # no registration is dated in the future
            register(project, on=timezone.localdate())
        scan_projects(now=later + timedelta(hours=1))
        assert not open_flags(project, Rule.REJECTED).exists()
        assert not open_flags(project, Rule.UNREGISTERED).exists()


class TestCoverageGap:
    def test_an_addendum_extending_the_project_beyond_the_coverage_opens_a_gap(self, project):
        register(project)
        now = project.start_date + timedelta(days=10)
        scan_projects(now=at(now))
        assert not open_flags(project, Rule.COVERAGE_GAP).exists()
        record_amendment(
            project=project,
            signed_on=now,
            document_number="ADD-01",
            new_end_date=project.end_date + timedelta(days=60),
        )
        scan_projects(now=at(now, 11))
        assert only(project, Rule.COVERAGE_GAP).severity == "violation"

    def test_coverage_that_lapsed_while_work_goes_on_is_a_gap(self, project):
        register(project, coverage_end=project.start_date + timedelta(days=30))
        scan_projects(now=at(project.start_date + timedelta(days=31)))
        assert open_flags(project, Rule.COVERAGE_GAP).exists()


class TestUnderpaid:
    def test_a_shortfall_above_the_tolerance_is_flagged_and_within_it_is_not(self, project):
        due = services.contribution_due(project)
        assert due == Decimal("1375000")  # Rp750 jt (domain.md §2.4 case B)
        short = factories.make_project(
            contractor=project.contractor,
            spk_date=SPK,
            start_date=SPK + timedelta(days=28),
            end_date=SPK + timedelta(days=200),
        )
        register(project, amount=due - 500)
        register(short, amount=due - 1001)
        scan_projects(now=at(project.start_date))
        assert not open_flags(project, Rule.UNDERPAID).exists()
        assert only(short, Rule.UNDERPAID).severity == "violation"

    def test_an_addendum_raising_the_value_makes_the_old_payment_short_until_topped_up(
        self, project
    ):
        register(project)
        now = project.start_date + timedelta(days=5)
        record_amendment(
            project=project,
            signed_on=now,
            document_number="ADD-02",
            new_contract_value=Decimal("1000000000"),
        )
        scan_projects(now=at(now))
        assert open_flags(project, Rule.UNDERPAID).exists()
        registration = Registration.objects.get(project=project)
        services.record_payment(
            registration=registration,
            amount=Decimal("375000"),
            paid_on=now,
            receipt_number="ADD-02-PAY",
            kind="addendum",
        )
        scan_projects(now=at(now, 11))
        assert not open_flags(project, Rule.UNDERPAID).exists()


class TestContributionDueInSql:
    """rules.contribution_due_expression (what `underpaid` and the rollups compare in SQL) gives
    the contribution of compliance.contribution to the rupiah: every tier edge, either side of
    it, values with sen, and the wage basis."""

    VALUES = [
        "1",
        "99999999.99",
        "100000000",
        "100000000.01",
        "123456789.55",
        "500000000",
        "500000001",
        "750000000",
        "999999999.49",
        "1000000000",
        "1000000000.50",
        "4999999999.99",
        "5000000000",
        "5000000000.01",
        "12345678901.23",
        "9999999999999.99",
    ]

    def due_in_sql(self, project):
        from compliance.rules import contribution_due_expression

        return (
            Project.objects.filter(pk=project.pk)
            .annotate(due=contribution_due_expression())
            .values_list("due", flat=True)
            .get()
        )

    def test_the_tiers_on_the_contract_value(self, project):
        from compliance.models import Tariff

        tariff = Tariff.objects.in_force_on(project.spk_date)
        for value in map(Decimal, self.VALUES):
            Project.objects.filter(pk=project.pk).update(current_base_value=value)
            expected = tariff.contribution_for_value(value).total
            assert self.due_in_sql(project) == expected, value

    def test_the_wage_basis(self, project):
        from compliance.models import Tariff

        tariff = Tariff.objects.in_force_on(project.spk_date)
        for wages in map(Decimal, ["1", "12345678.25", "250000000", "987654321.50"]):
            Project.objects.filter(pk=project.pk).update(
                contribution_basis=Project.ContributionBasis.WAGES, wage_total=wages
            )
            assert self.due_in_sql(project) == tariff.contribution_for_wages(wages).total, wages


class TestNoWorkers:
    def test_thirty_working_days_without_workers_is_a_warning_and_enrolling_resolves_it(
        self, project
    ):
        started = project.start_date
        assert started == date(2026, 7, 6)
        # Work days 1..30 are Mon 6 July .. Fri 14 August 2026 (no holiday in between): the
        # 30th is being worked on the 14th; from the 15th thirty working days have passed.
        scan_projects(now=at(date(2026, 8, 14)))
        assert not open_flags(project, Rule.NO_WORKERS).exists()
        day_30 = date(2026, 8, 15)
        scan_projects(now=at(day_30))
        assert only(project, Rule.NO_WORKERS).severity == "warning"
        for serial in range(10):
            enroll_worker(
                project=project,
                nik=factories.make_nik(serial=100 + serial),
                full_name=f"Pekerja {serial}",
                started_on=started,
            )
        scan_projects(now=at(day_30, 11))
        assert not open_flags(project, Rule.NO_WORKERS).exists()

    def test_fewer_than_half_the_planned_workforce_is_a_warning(self, project):
        for serial in range(9):  # planned 20: 9 is below half
            enroll_worker(
                project=project,
                nik=factories.make_nik(serial=200 + serial),
                full_name=f"Pekerja {serial}",
                started_on=project.start_date,
            )
        scan_projects(now=at(add_working_days(project.start_date, 31)))
        assert open_flags(project, Rule.NO_WORKERS).exists()


class TestUnverified:
    def test_a_registration_waiting_more_than_ten_working_days_warns_the_office(
        self, project, bekasi_office_user
    ):
        registration = register(project)
        created = registration.created_at.astimezone(at(SPK).tzinfo).date()
        scan_projects(now=at(add_working_days(created, 10)))
        assert not open_flags(project, Rule.UNVERIFIED).exists()
        scan_projects(now=at(add_working_days(created, 11)))
        assert only(project, Rule.UNVERIFIED).severity == "warning"
        services.verify_registration(registration=registration, user=bekasi_office_user)
        scan_projects(now=at(add_working_days(created, 11), 12))
        assert not open_flags(project, Rule.UNVERIFIED).exists()


@pytest.mark.services("postgres")
@pytest.mark.parametrize("rule", [Rule.UNREGISTERED, Rule.REJECTED])
def test_coverage_and_rejection_conditions_are_anti_joins_not_per_project_subplans(rule, db):
    """A NOT over OR'd EXISTS stays a subplan per project, which PostgreSQL costs as an index
    probe per row: over a million projects it then chose a dashboard index and read the table
    at random (bench/README.md, 2026-12-01). Written as NOT EXISTS side by side, each condition
    is a join whatever the table's size."""
    from django.db import connection

    from compliance import rules

    sql, params = rules.RULES[rule](rules.Clock.at(at(SPK)), None).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Anti Join" in plan
    assert "SubPlan" not in plan
