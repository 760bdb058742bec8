"""The database guards every invariant (house style): each CheckConstraint and UniqueConstraint of
each model refuses a write that breaks it, even when full_clean() is skipped.

Every constraint has a violation case below (a completeness test keeps it so); each case builds
valid rows, then returns the one write that breaks the rule. The tests run on whatever
DATABASE_URL says: SQLite by default, PostgreSQL in CI.
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import F, UniqueConstraint
from django.utils import timezone

from accounts.models import ApiToken, Invitation, Office, User
from compliance.models import (
    ComplianceFlag,
    Notification,
    Payment,
    RegionDailyRollup,
    Registration,
    RegistrationEvidence,
    Tariff,
    TariffTier,
    WarningLetter,
)
from projects.models import (
    MAX_PLANNED_WORKFORCE,
    Amendment,
    Contractor,
    Project,
    ProjectNote,
    WorkUnit,
)
from reference.models import Holiday, Region
from reference.rupiah import MAX_AMOUNT
from tests import factories
from workers.models import Enrollment, ImportJob, Worker

pytestmark = [pytest.mark.django_db]

OUR_APPS = {"accounts", "projects", "reference", "workers", "compliance"}
DAY = timedelta(days=1)
SEN = Decimal("0.01")
NOW = timezone.now()
_contract_numbers = itertools.count(1)


@pytest.fixture
def world(reference_data, settings):
    """One of each row the violation cases start from, all valid."""
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False
    project = factories.make_project(regency="32.75")
    registration = factories.make_registration(project)
    flag = ComplianceFlag.objects.create(
        project=project,
        rule=ComplianceFlag.Rule.UNDERPAID,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=NOW,
        violation_since=NOW,
    )
    return SimpleNamespace(
        project=project,
        registration=registration,
        payment=registration.payments.get(),
        flag=flag,
        worker=factories.make_worker(),
        tariff=Tariff.objects.in_force_on(project.spk_date),
        bekasi=Region.objects.get(code="32.75"),
        jabar=Region.objects.get(code="32"),
    )


# --- Row builders that skip full_clean() -----------------------------------------------------------


def new_project(world, **changes) -> Project:
    """A copy of the world's project with a fresh SPK number, inserted as is."""
    p = world.project
    fields = {
        "contractor": p.contractor,
        "work_unit": p.work_unit,
        "name": "Rehabilitasi jalan lingkungan",
        "spk_number": f"KONTRAK/{next(_contract_numbers)}/2026",  # never a factory number
        "spk_date": p.spk_date,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "contract_value": p.contract_value,
        "current_base_value": p.current_base_value,
        "current_end_date": p.current_end_date,
        "registration_due_on": p.registration_due_on,
        "funding_source": p.funding_source,
        "province": p.province,
        "regency": p.regency,
    }
    return Project.objects.create(**(fields | changes))


def new_amendment(world, **changes) -> Amendment:
    fields = {
        "project": world.project,
        "sequence": 1,
        "signed_on": world.project.start_date + 30 * DAY,
        "document_number": "ADD/1/2026",
        "new_contract_value": Decimal("900000000"),
        "previous_base_value": world.project.current_base_value,
        "previous_end_date": world.project.current_end_date,
    }
    return Amendment.objects.create(**(fields | changes))


def new_registration(world, **changes) -> Registration:
    r = world.registration
    fields = {
        "project": r.project,
        "bpjs_project_number": "2300009999999",
        "registered_on": r.registered_on,
        "coverage_start": r.coverage_start,
        "coverage_end": r.coverage_end,
        "tariff": r.tariff,
        "assessed_base_value": r.assessed_base_value,
        "contribution_assessed": r.contribution_assessed,
    }
    return Registration.objects.create(**(fields | changes))


def new_enrollment(world, **changes) -> Enrollment:
    fields = {
        "project": world.project,
        "worker": world.worker,
        "started_on": world.project.start_date,
    }
    return Enrollment.objects.create(**(fields | changes))


def new_flag(world, **changes) -> ComplianceFlag:
    fields = {
        "project": world.project,
        "rule": ComplianceFlag.Rule.NO_WORKERS,
        "severity": ComplianceFlag.Severity.WARNING,
        "opened_at": NOW,
    }
    return ComplianceFlag.objects.create(**(fields | changes))


def new_evidence(world, **changes) -> RegistrationEvidence:
    fields = {
        "registration": world.registration,
        "kind": RegistrationEvidence.Kind.CERTIFICATE,
        "file": "evidence/1/" + "a" * 64,
        "original_name": "sertifikat.pdf",
        "content_type": "application/pdf",
        "size": 1024,
        "sha256": "a" * 64,
    }
    return RegistrationEvidence.objects.create(**(fields | changes))


def new_tier(world, **changes) -> TariffTier:
    fields = {"tariff": world.tariff, "position": 9, "jkk_rate": 1, "jkm_rate": 1}
    return TariffTier.objects.create(**(fields | changes))


def new_notification(**changes) -> Notification:
    fields = {
        "kind": Notification.Kind.OFFICE_DIGEST,
        "dedupe_key": "digest:2026-03-02:1",
        "recipient": "disnaker@bekasikota.go.id",
        "subject": "Ringkasan harian",
        "body": "-",
        "next_attempt_at": NOW,
    }
    return Notification.objects.create(**(fields | changes))


# --- One violation per constraint ---------------------------------------------------------------

VIOLATIONS = {}


def violates(name):
    """Register a case: a function of the world returning the write that breaks `name`."""

    def register(case):
        VIOLATIONS[name] = case
        return case

    return register


# accounts


@violates("accounts_office_unique_name_per_region")
def second_office_with_the_same_name(world):
    Office.objects.create(region=world.bekasi, name="Disnaker Kota Bekasi")
    return lambda: Office.objects.create(region=world.bekasi, name="Disnaker Kota Bekasi")


@violates("accounts_user_office_role_with_office")
def office_role_without_an_office(world):
    return lambda: User.objects.create(username="tanpa.kantor", office_role="editor")


@violates("accounts_user_unique_email")
def second_account_with_the_same_email_in_another_case(world):
    User.objects.create(username="siti", email="siti@beton.co.id")
    return lambda: User.objects.create(username="siti.2", email="Siti@Beton.co.id")


def new_invitation(world, **fields):
    return Invitation.objects.create(
        contractor=world.project.contractor,
        email=fields.pop("email", "rina@karya.id"),
        token_hash=fields.pop("token_hash", f"{next(_contract_numbers):064d}"),
        expires_at=NOW + 7 * DAY,
        **fields,
    )


@violates("accounts_invitation_one_open_per_email")
def second_open_invitation_to_the_same_address(world):
    new_invitation(world, email="rina@karya.id")
    return lambda: new_invitation(world, email="RINA@karya.id")


@violates("accounts_invitation_not_accepted_and_revoked")
def invitation_accepted_and_revoked(world):
    return lambda: new_invitation(world, accepted_at=NOW, revoked_at=NOW)


def new_api_token(world, **fields):
    return ApiToken.objects.create(
        user=User.objects.get_or_create(username="pemilik.token")[0],
        name=fields.pop("name", "ERP"),
        prefix="pj_abcdef",
        token_hash=fields.pop("token_hash", f"{next(_contract_numbers):064x}"),
        **fields,
    )


@violates("accounts_apitoken_unique_live_name")
def second_live_token_with_the_same_name(world):
    new_api_token(world, name="ERP")
    return lambda: new_api_token(world, name="erp")


@violates("accounts_apitoken_name_not_empty")
def token_without_a_name(world):
    return lambda: new_api_token(world, name="")


@violates("accounts_apitoken_hash_is_sha256")
def token_with_its_secret_instead_of_a_hash(world):
    return lambda: new_api_token(world, token_hash="pj_the-secret-itself")


# projects


@violates("projects_contractor_npwp_16_digits")
def contractor_with_a_15_digit_npwp(world):
    return lambda: Contractor.objects.create(
        legal_name="CV Lima Belas",
        npwp="013000666091000",
        province=world.jabar,
        regency=world.bekasi,
    )


@violates("projects_workunit_unique_satker")
def second_work_unit_with_the_same_satker_code(world):
    unit = {"name": "Dinas PUPR", "klpd_code": "D197", "satker_code": "1.03.0.00.0.00.01.0000"}
    WorkUnit.objects.create(province=world.jabar, **unit)
    return lambda: WorkUnit.objects.create(province=world.jabar, **unit)


@violates("projects_project_unique_spk_per_owner")
def second_project_with_the_same_spk_for_the_same_owner(world):
    return lambda: new_project(world, spk_number=world.project.spk_number)


@violates("projects_project_value_positive")
def project_worth_nothing(world):
    return lambda: new_project(world, contract_value=0)


@violates("projects_project_base_value_positive")
def project_with_no_value_before_ppn(world):
    return lambda: new_project(world, current_base_value=0)


@violates("projects_project_value_max")
def project_worth_more_than_100_trillion(world):
    # Within numeric(18, 2), so it is the constraint that refuses it on PostgreSQL too.
    return lambda: new_project(world, contract_value=MAX_AMOUNT + SEN)


@violates("projects_project_base_value_max")
def project_with_a_value_before_ppn_above_100_trillion(world):
    return lambda: new_project(world, current_base_value=MAX_AMOUNT + SEN)


@violates("projects_project_wage_total_max")
def project_with_wages_above_100_trillion(world):
    return lambda: new_project(world, wage_total=MAX_AMOUNT + SEN)


@violates("projects_project_workforce_max")
def project_planning_3_billion_workers(world):
    # Within PostgreSQL's integer too (3e9 is not): the constraint refuses it, not the column.
    return lambda: new_project(world, planned_workforce=MAX_PLANNED_WORKFORCE + 1)


@violates("projects_project_ppn_rate_range")
def project_with_a_ppn_rate_above_100(world):
    return lambda: new_project(world, ppn_rate=Decimal("100.01"))


@violates("projects_project_end_after_start")
def project_ending_before_it_starts(world):
    return lambda: new_project(world, end_date=world.project.start_date - DAY)


@violates("projects_project_start_after_spk")
def project_starting_before_its_spk(world):
    return lambda: new_project(world, start_date=world.project.spk_date - DAY)


@violates("projects_project_finished_has_bast")
def finished_project_without_bast(world):
    return lambda: new_project(world, status=Project.Status.FINISHED)


@violates("projects_project_bast_after_start")
def bast_before_the_start(world):
    return lambda: new_project(world, bast_date=world.project.start_date - DAY)


@violates("projects_project_not_own_parent")
def project_that_is_its_own_main_project(world):
    return lambda: Project.objects.filter(pk=world.project.pk).update(parent=F("id"))


@violates("projects_project_wage_basis_has_wages")
def wage_basis_with_wages_of_zero(world):
    return lambda: new_project(
        world, contribution_basis=Project.ContributionBasis.WAGES, wage_total=0
    )


@violates("projects_project_workforce_positive")
def planned_workforce_of_zero(world):
    return lambda: new_project(world, planned_workforce=0)


@violates("projects_note_not_empty")
def empty_note(world):
    author = User.objects.create(username="penulis")
    return lambda: ProjectNote.objects.create(project=world.project, author=author, text="")


@violates("projects_amendment_unique_sequence")
def two_addenda_with_the_same_number(world):
    new_amendment(world)
    return lambda: new_amendment(world, document_number="ADD/1b/2026")


@violates("projects_amendment_sequence_positive")
def addendum_number_zero(world):
    return lambda: new_amendment(world, sequence=0)


@violates("projects_amendment_changes_something")
def addendum_changing_nothing(world):
    return lambda: new_amendment(world, new_contract_value=None, new_end_date=None)


@violates("projects_amendment_value_positive")
def addendum_to_a_value_of_zero(world):
    return lambda: new_amendment(world, new_contract_value=0)


@violates("projects_amendment_value_max")
def addendum_to_a_value_above_100_trillion(world):
    return lambda: new_amendment(world, new_contract_value=MAX_AMOUNT + SEN)


# reference


@violates("reference_region_parent_matches_level")
def regency_without_a_province(world):
    return lambda: Region.objects.create(code="32.98", name="Kota Tanpa Provinsi", level=2)


@violates("reference_region_code_format")
def region_code_without_dots(world):
    return lambda: Region.objects.create(code="3298", name="Kode Salah", level=1)


# workers


@violates("workers_worker_nik_16_digits")
def worker_with_a_15_digit_nik(world):
    return lambda: Worker.objects.create(nik="327501570890001", full_name="Siti Aminah")


@violates("workers_worker_kpj_11_digits")
def worker_with_a_10_digit_kpj(world):
    return lambda: Worker.objects.create(
        nik="3275015708900002", full_name="Siti Aminah", kpj_number="1234567890"
    )


@violates("workers_enrollment_one_active_per_project")
def second_active_enrollment_of_the_same_worker(world):
    new_enrollment(world)
    return lambda: new_enrollment(world, started_on=world.project.start_date + DAY)


@violates("workers_enrollment_end_after_start")
def enrollment_ending_before_it_starts(world):
    return lambda: new_enrollment(world, ended_on=world.project.start_date - DAY)


@violates("workers_enrollment_planned_end_after_start")
def enrollment_planned_to_end_before_it_starts(world):
    return lambda: new_enrollment(world, planned_end_on=world.project.start_date - DAY)


@violates("workers_importjob_status_valid")
def import_job_with_an_unknown_status(world):
    return lambda: ImportJob.objects.create(
        project=world.project, file="worker-imports/x", original_name="a.csv", status="lost"
    )


@violates("workers_importjob_good_rows_within_rows")
def import_job_with_more_good_rows_than_rows(world):
    return lambda: ImportJob.objects.create(
        project=world.project,
        file="worker-imports/x",
        original_name="a.csv",
        row_count=2,
        good_row_count=3,
    )


# compliance: tariffs


@violates("compliance_tariff_validity_in_order")
def tariff_ending_before_it_starts(world):
    return lambda: Tariff.objects.create(
        name="Tarif uji",
        legal_basis="-",
        valid_from=date(2030, 1, 1),
        valid_until=date(2029, 12, 31),
    )


@violates("compliance_tariff_unique_start")
def second_tariff_starting_the_same_day(world):
    return lambda: Tariff.objects.create(
        name="Tarif kembar", legal_basis="-", valid_from=world.tariff.valid_from
    )


@violates("compliance_tarifftier_unique_position")
def two_tiers_in_the_same_position(world):
    return lambda: new_tier(world, position=1)


@violates("compliance_tarifftier_rates_range")
def negative_tier_rate(world):
    # 100 % or more is refused too, by the column itself on PostgreSQL (numeric(6, 4)).
    return lambda: new_tier(world, jkm_rate=Decimal("-0.01"))


@violates("compliance_tarifftier_upper_positive")
def tier_with_an_upper_limit_of_zero(world):
    return lambda: new_tier(world, upper_bound=0)


# compliance: registrations, evidence, payments


@violates("compliance_registration_one_live_per_project")
def second_live_registration(world):
    return lambda: new_registration(world)


@violates("compliance_registration_coverage_in_order")
def coverage_ending_before_it_starts(world):
    return lambda: new_registration(
        world,
        status=Registration.Status.REJECTED,  # not live: only the coverage rule is broken
        rejection_reason="Dokumen tidak lengkap",
        verified_at=NOW,
        coverage_end=world.registration.coverage_start - DAY,
    )


@violates("compliance_registration_amounts_positive")
def registration_assessed_on_nothing(world):
    return lambda: Registration.objects.filter(pk=world.registration.pk).update(
        assessed_base_value=0
    )


@violates("compliance_registration_amounts_max")
def registration_assessing_a_contribution_above_100_trillion(world):
    return lambda: Registration.objects.filter(pk=world.registration.pk).update(
        contribution_assessed=MAX_AMOUNT + 1
    )


@violates("compliance_registration_rejection_has_reason")
def rejection_without_a_reason(world):
    return lambda: Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.REJECTED, verified_at=NOW
    )


@violates("compliance_registration_decision_has_time")
def verification_without_a_time(world):
    return lambda: Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.VERIFIED
    )


@violates("compliance_evidence_allowed_type")
def evidence_in_html(world):
    return lambda: new_evidence(world, content_type="text/html")


@violates("compliance_evidence_size_limit")
def evidence_over_5_mb(world):
    return lambda: new_evidence(world, size=5 * 1024 * 1024 + 1)


@violates("compliance_payment_amount_positive")
def payment_of_zero(world):
    return lambda: Payment.objects.create(
        registration=world.registration, amount=0, paid_on=NOW.date(), receipt_number="R-0"
    )


@violates("compliance_payment_amount_max")
def payment_above_100_trillion(world):
    return lambda: Payment.objects.create(
        registration=world.registration,
        amount=MAX_AMOUNT + 1,
        paid_on=NOW.date(),
        receipt_number="R-BIG",
    )


@violates("compliance_payment_unique_receipt")
def same_receipt_twice(world):
    return lambda: Payment.objects.create(
        registration=world.registration,
        kind=Payment.Kind.INSTALLMENT,
        amount=1000,
        paid_on=NOW.date(),
        receipt_number=world.payment.receipt_number,
    )


# compliance: flags and letters


@violates("compliance_flag_one_open_per_rule")
def second_open_flag_for_the_same_rule(world):
    return lambda: new_flag(world, rule=world.flag.rule)


@violates("compliance_flag_violation_has_since")
def violation_without_violation_since(world):
    return lambda: new_flag(world, severity=ComplianceFlag.Severity.VIOLATION)


@violates("compliance_flag_resolution_consistent")
def resolved_flag_without_a_resolution(world):
    return lambda: new_flag(world, resolved_at=NOW + DAY)


@violates("compliance_flag_waiver_has_reason")
def waiver_without_a_reason(world):
    return lambda: new_flag(world, waived_at=NOW)


@violates("compliance_flag_step_range")
def escalation_step_4(world):
    return lambda: ComplianceFlag.objects.filter(pk=world.flag.pk).update(escalation_step=4)


@violates("compliance_flag_letter_due_is_next")
def letter_ii_due_before_letter_i_was_sent(world):
    return lambda: ComplianceFlag.objects.filter(pk=world.flag.pk).update(
        escalation_step=0, letter_due_step=2
    )


@violates("compliance_letter_one_per_step")
def the_same_letter_twice(world):
    WarningLetter.objects.create(flag=world.flag, step=1, number="560/1", sent_on=NOW.date())
    return lambda: WarningLetter.objects.create(
        flag=world.flag, step=1, number="560/2", sent_on=NOW.date()
    )


@violates("compliance_letter_step_range")
def letter_step_4(world):
    return lambda: WarningLetter.objects.create(
        flag=world.flag, step=4, number="560/4", sent_on=NOW.date()
    )


@violates("compliance_rollup_one_per_regency_day")
def two_rollups_of_one_regency_and_day(world):
    row = {"regency": world.bekasi, "province": world.jabar, "day": date(2026, 3, 2)}
    RegionDailyRollup.objects.create(**row)
    return lambda: RegionDailyRollup.objects.bulk_create([RegionDailyRollup(**row)])


@violates("compliance_notification_sent_has_time")
def sent_notification_without_a_time(world):
    return lambda: new_notification(status=Notification.Status.SENT)


# --- The tests ----------------------------------------------------------------------------------


def declared_constraints():
    """{name: (model, constraint)} for every Meta.constraints entry of our apps."""
    return {
        constraint.name: (model, constraint)
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        for constraint in model._meta.constraints
    }


def assert_refused(write, name):
    """`write` raises IntegrityError, and the database names the constraint (or, for a unique
    constraint on SQLite, which only names columns, its columns)."""
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        write()
    model, constraint = declared_constraints()[name]
    message = str(info.value)
    if connection.vendor == "sqlite" and isinstance(constraint, UniqueConstraint):
        table = model._meta.db_table
        for field in constraint.fields:
            assert f"{table}.{model._meta.get_field(field).column}" in message, message
    else:
        assert name in message, message


def test_every_constraint_of_every_model_has_a_violation_case():
    assert set(VIOLATIONS) == set(declared_constraints())


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_the_database_refuses_a_write_that_breaks_the_constraint(world, name):
    write = VIOLATIONS[name](world)

    assert_refused(write, name)


def test_every_declared_constraint_exists_in_the_database():
    declared = declared_constraints()
    tables = {model._meta.db_table for model, _constraint in declared.values()}
    with connection.cursor() as cursor:
        in_database = {
            name
            for table in tables
            for name in connection.introspection.get_constraints(cursor, table)
        }

    assert set(declared) - in_database == set()


# --- Rows the constraints must still allow ------------------------------------------------------


def test_a_rejected_registration_plus_a_new_one_is_allowed(world):
    Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.REJECTED, rejection_reason="Nomor proyek salah", verified_at=NOW
    )

    new_registration(world)
    new_registration(
        world,
        status=Registration.Status.REJECTED,
        rejection_reason="Ganda",
        verified_at=NOW,
    )

    assert world.project.registrations.exclude(status=Registration.Status.REJECTED).count() == 1


def test_an_ended_enrollment_plus_a_new_active_one_is_allowed(world):
    start = world.project.start_date
    new_enrollment(world, started_on=start, ended_on=start + 10 * DAY)
    new_enrollment(world, started_on=start + 20 * DAY, ended_on=start + 30 * DAY)

    new_enrollment(world, started_on=start + 40 * DAY)

    assert world.worker.enrollments.filter(ended_on__isnull=True).count() == 1


def test_the_same_worker_may_be_active_on_two_projects(world):
    new_enrollment(world)

    new_enrollment(world, project=new_project(world))

    assert world.worker.enrollments.count() == 2


def test_a_resolved_flag_plus_an_open_one_for_the_same_rule_is_allowed(world):
    ComplianceFlag.objects.filter(pk=world.flag.pk).update(
        resolved_at=NOW + DAY, resolution=ComplianceFlag.Resolution.AUTO
    )

    new_flag(world, rule=world.flag.rule)

    assert world.project.flags.filter(rule=world.flag.rule).count() == 2


def test_the_same_spk_number_is_allowed_for_another_owner(world):
    new_project(world, spk_number=world.project.spk_number, work_unit=factories.make_work_unit())


def test_work_units_without_a_satker_code_may_share_a_klpd_code(world):
    WorkUnit.objects.create(name="Satker A", klpd_code="D197", province=world.jabar)
    WorkUnit.objects.create(name="Satker B", klpd_code="D197", province=world.jabar)


def test_the_same_receipt_number_is_allowed_on_another_registration(world):
    Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.REJECTED, rejection_reason="Salah", verified_at=NOW
    )
    other = new_registration(world)

    Payment.objects.create(
        registration=other,
        amount=1000,
        paid_on=NOW.date(),
        receipt_number=world.payment.receipt_number,
    )


def test_region_codes_of_the_three_levels_fit_the_format(world):
    province = Region.objects.create(code="99", name="Provinsi Uji", level=1)
    regency = Region.objects.create(code="99.01", name="Kabupaten Uji", level=2, parent=province)

    Region.objects.create(code="99.01.01", name="Kecamatan Uji", level=3, parent=regency)


def test_amounts_and_a_workforce_at_their_upper_bounds_are_allowed(world):
    project = new_project(
        world,
        contract_value=MAX_AMOUNT,
        current_base_value=MAX_AMOUNT,
        contribution_basis=Project.ContributionBasis.WAGES,
        wage_total=MAX_AMOUNT,
        planned_workforce=MAX_PLANNED_WORKFORCE,
    )
    new_amendment(world, project=project, new_contract_value=MAX_AMOUNT)
    Registration.objects.filter(pk=world.registration.pk).update(
        assessed_base_value=MAX_AMOUNT, contribution_assessed=MAX_AMOUNT
    )
    Payment.objects.create(
        registration=world.registration,
        amount=MAX_AMOUNT,
        paid_on=NOW.date(),
        receipt_number="R-MAX",
    )

    world.registration.refresh_from_db()
    assert world.registration.payments_total == world.payment.amount + MAX_AMOUNT


def test_a_wage_basis_project_with_wages_is_allowed(world):
    new_project(
        world, contribution_basis=Project.ContributionBasis.WAGES, wage_total=Decimal("50000000")
    )


# --- More shapes each constraint refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["3", "325", "3275", "32.7", "32.75.1", "32.75.01.1001", "32-75", "AB", "32.75."]
)
def test_a_region_code_of_another_shape_is_refused(world, code):
    assert_refused(
        lambda: Region.objects.create(code=code, name="Kode Salah", level=1),
        "reference_region_code_format",
    )


def test_a_province_with_a_parent_is_refused(world):
    assert_refused(
        lambda: Region.objects.create(code="99", name="Provinsi Anak", level=1, parent=world.jabar),
        "reference_region_parent_matches_level",
    )


@pytest.mark.parametrize("nik", ["32750157089000", "32750157089000AB", "3275.01.570890"])
def test_a_worker_nik_that_is_not_16_digits_is_refused(world, nik):
    assert_refused(
        lambda: Worker.objects.create(nik=nik, full_name="Siti Aminah"),
        "workers_worker_nik_16_digits",
    )


@pytest.mark.parametrize("npwp", ["3275015708900AB1", "01.300.066.6-091"])
def test_a_contractor_npwp_with_other_characters_is_refused(world, npwp):
    assert_refused(
        lambda: Contractor.objects.create(
            legal_name="CV Salah", npwp=npwp, province=world.jabar, regency=world.bekasi
        ),
        "projects_contractor_npwp_16_digits",
    )


def test_a_negative_ppn_rate_is_refused(world):
    assert_refused(lambda: new_project(world, ppn_rate=-1), "projects_project_ppn_rate_range")


def test_a_wage_basis_without_any_wages_is_refused(world):
    assert_refused(
        lambda: new_project(world, contribution_basis=Project.ContributionBasis.WAGES),
        "projects_project_wage_basis_has_wages",
    )


def test_a_negative_contribution_assessed_is_refused(world):
    assert_refused(
        lambda: new_registration(
            world,
            status=Registration.Status.REJECTED,
            rejection_reason="x",
            verified_at=NOW,
            contribution_assessed=-1,
        ),
        "compliance_registration_amounts_positive",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"resolution": ComplianceFlag.Resolution.AUTO},  # a resolution on an open flag
        {"resolved_at": NOW - DAY, "resolution": ComplianceFlag.Resolution.STAFF},  # before opening
    ],
)
def test_a_flag_whose_resolution_does_not_add_up_is_refused(world, changes):
    assert_refused(lambda: new_flag(world, **changes), "compliance_flag_resolution_consistent")


def test_an_empty_evidence_file_is_refused(world):
    assert_refused(lambda: new_evidence(world, size=0), "compliance_evidence_size_limit")


def test_a_staff_member_without_a_role_is_refused(world):
    office = Office.objects.create(region=world.bekasi, name="Disnaker Kota Bekasi")

    assert_refused(
        lambda: User.objects.create(username="tanpa.peran", office=office),
        "accounts_user_office_role_with_office",
    )


# --- Unique columns outside Meta.constraints ---------------------------------------------------


def assert_duplicate_refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_kode_tender_is_unique_but_many_projects_have_none(world):
    new_project(world, kode_tender="10012345000")
    new_project(world)
    new_project(world)

    assert_duplicate_refused(lambda: new_project(world, kode_tender="10012345000"))


def test_a_worker_nik_is_unique(world):
    assert_duplicate_refused(
        lambda: Worker.objects.create(nik=world.worker.nik, full_name="Orang Lain")
    )


def test_a_contractor_npwp_is_unique(world):
    contractor = world.project.contractor

    assert_duplicate_refused(
        lambda: Contractor.objects.create(
            legal_name="PT Kembar", npwp=contractor.npwp, province=world.jabar, regency=world.bekasi
        )
    )


def test_a_holiday_date_is_unique(world):
    assert_duplicate_refused(
        lambda: Holiday.objects.create(date=date(2026, 3, 20), name="Cuti bersama kedua")
    )


def test_a_notification_is_never_queued_twice_for_the_same_event(world):
    new_notification()

    assert_duplicate_refused(new_notification)


# --- PostgreSQL ------------------------------------------------------------------------------------


@pytest.mark.services("postgres")
def test_on_postgresql_the_partial_unique_index_refuses_a_second_live_registration(world):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["compliance_registration_one_live_per_project"],
        )
        (definition,) = cursor.fetchone()
    assert "UNIQUE" in definition
    assert "WHERE" in definition  # partial: rejected registrations do not count

    live = "compliance_registration_one_live_per_project"
    with pytest.raises(IntegrityError, match=live), transaction.atomic():
        new_registration(world)

    Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.REJECTED, rejection_reason="Salah", verified_at=NOW
    )
    assert new_registration(world).pk
