"""Small builders for tests: real rows through the real services, sensible defaults."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from accounts.models import Office, User
from compliance.models import Payment, Registration, RegistrationEvidence, Tariff
from projects.models import Contractor, ContractorMembership, Project, WorkUnit
from projects.services import save_project
from reference.models import Region
from workers.models import Worker

_counter = itertools.count(1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


def make_npwp(seq: int | None = None) -> str:
    """A valid 16-digit entity NPWP (0 + 15 digits, Luhn over the 9-digit taxpayer number)."""
    seq = next(_counter) if seq is None else seq
    body = f"01{seq:06d}"
    return "0" + body + luhn_digit(body) + "407000"


def make_nik(*, district="327501", born=date(1990, 8, 17), female=False, serial=None) -> str:
    serial = next(_counter) if serial is None else serial
    day = born.day + (40 if female else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial % 10000 or 1:04d}"


def make_contractor(*, regency="32.75", name=None, **fields) -> Contractor:
    reg = region(regency)
    contractor = Contractor(
        legal_name=name or f"PT Konstruksi Uji {next(_counter)}",
        npwp=fields.pop("npwp", None) or make_npwp(),
        province=reg.parent,
        regency=reg,
        **fields,
    )
    contractor.full_clean()
    contractor.save()
    return contractor


def make_work_unit(*, regency="32.75", name=None, **fields) -> WorkUnit:
    reg = region(regency)
    return WorkUnit.objects.create(
        name=name or f"Dinas PUPR uji {next(_counter)}", province=reg.parent, regency=reg, **fields
    )


def make_project(*, contractor=None, work_unit=None, regency="32.75", **fields) -> Project:
    reg = region(regency)
    spk_date = fields.pop("spk_date", date(2026, 3, 2))
    project = Project(
        contractor=contractor or make_contractor(regency=regency),
        work_unit=work_unit or make_work_unit(regency=regency),
        name=fields.pop("name", f"Pembangunan saluran drainase {next(_counter)}"),
        spk_number=fields.pop("spk_number", f"SPK/{next(_counter)}/2026"),
        spk_date=spk_date,
        start_date=fields.pop("start_date", spk_date + timedelta(days=14)),
        end_date=fields.pop("end_date", spk_date + timedelta(days=180)),
        contract_value=fields.pop("contract_value", Decimal("750000000")),
        funding_source=fields.pop("funding_source", Project.FundingSource.APBD_REGENCY),
        province=reg.parent,
        regency=reg,
        **fields,
    )
    return save_project(project=project)


def make_registration(project, *, paid=True, status=Registration.Status.SUBMITTED, **fields):
    tariff = Tariff.objects.in_force_on(project.spk_date)
    due = tariff.contribution_for_value(project.current_base_value).total
    registration = Registration.objects.create(
        project=project,
        bpjs_project_number=fields.pop("bpjs_project_number", f"23{next(_counter):011d}"),
        registered_on=fields.pop("registered_on", project.spk_date),
        coverage_start=fields.pop("coverage_start", project.start_date),
        coverage_end=fields.pop("coverage_end", project.current_end_date),
        tariff=tariff,
        assessed_base_value=project.current_base_value,
        contribution_assessed=due,
        status=status,
        **fields,
    )
    if paid:
        Payment.objects.create(
            registration=registration,
            amount=due,
            paid_on=registration.registered_on,
            receipt_number=f"{next(_counter):015d}",
        )
    return registration


def make_evidence(registration, **fields) -> RegistrationEvidence:
    """An evidence row whose file is named by its (made-up) SHA-256; no file is written."""
    sha256 = fields.pop("sha256", "0" * 64)
    return RegistrationEvidence.objects.create(
        registration=registration,
        kind=fields.pop("kind", RegistrationEvidence.Kind.CERTIFICATE),
        file=fields.pop("file", f"evidence/{registration.project_id}/{sha256}"),
        original_name=fields.pop("original_name", "sertifikat.pdf"),
        content_type=fields.pop("content_type", "application/pdf"),
        size=fields.pop("size", 1234),
        sha256=sha256,
        **fields,
    )


def make_worker(**fields) -> Worker:
    worker = Worker(
        nik=fields.pop("nik", None) or make_nik(),
        full_name=fields.pop("full_name", "Budi Santoso"),
        **fields,
    )
    worker.full_clean()
    worker.save()
    return worker


def make_office_user(
    username, *, region_code, role=User.OfficeRole.EDITOR, kind=Office.Kind.LABOUR_OFFICE, name=None
) -> User:
    office, _created = Office.objects.get_or_create(
        region=region(region_code),
        kind=kind,
        name=name or f"Kantor {region_code} {kind}",
    )
    return User.objects.create_user(
        username, password="test-pass-2026", office=office, office_role=role
    )


def make_contractor_user(username, *, contractor, is_company_admin=True) -> User:
    user = User.objects.create_user(username, password="test-pass-2026")
    ContractorMembership.objects.create(
        user=user, contractor=contractor, is_company_admin=is_company_admin
    )
    return user
