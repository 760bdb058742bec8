"""What the fault tests compare: the data a run leaves behind, and the data they start from."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from compliance.models import ComplianceFlag, FlagEvent, Notification, RegionDailyRollup
from projects.models import Project
from projects.services import refresh_derived_fields
from tests import factories
from workers.models import Enrollment, ImportJob, Worker
from workers.services import create_import_job


def outcome() -> dict:
    """Everything a scan or an import writes that a user could see, without ids and instants
    (a clean run on a copy of the database happens a few seconds apart). Counters, so a row
    written twice shows."""
    return {
        "flags": Counter(
            ComplianceFlag.objects.annotate(
                is_open=ExpressionWrapper(Q(resolved_at=None), output_field=BooleanField())
            ).values_list(
                "project_id",
                "rule",
                "severity",
                "is_open",
                "escalation_step",
                "letter_due_step",
                "next_letter_due_on",
                "exposure_score",
            )
        ),
        "flag events": Counter(
            FlagEvent.objects.values_list("flag__project_id", "flag__rule", "kind")
        ),
        "notifications": Counter(Notification.objects.values_list("kind", "recipient", "status")),
        "rollups": Counter(
            tuple(row.values())
            for row in RegionDailyRollup.objects.values(
                "regency_id", "day", "projects_total", "projects_covered", "letters_due"
            )
        ),
        "workers": Counter(Worker.objects.values_list("nik", "full_name", "birth_date")),
        "worker history": Counter(Worker.history.values_list("nik", "history_type")),
        "enrollments": Counter(
            Enrollment.objects.values_list("project_id", "worker__nik", "started_on", "ended_on")
        ),
        "enrollment history": Counter(
            Enrollment.history.values_list("project_id", "worker__nik", "history_type")
        ),
        "imports": Counter(
            ImportJob.objects.values_list(
                "status", "enrollment_count", "new_worker_count", "reused_worker_count"
            )
        ),
        "projects marked": Project.objects.filter(needs_evaluation_at__isnull=False).count(),
    }


def differences(actual: dict, expected: dict) -> dict:
    """Per part: (rows only in actual, rows only in expected), for a readable failure."""
    diff = {}
    for key in expected:
        if actual[key] != expected[key]:
            if isinstance(expected[key], Counter):
                diff[key] = (actual[key] - expected[key], expected[key] - actual[key])
            else:
                diff[key] = (actual[key], expected[key])
    return diff


def portfolio(*, projects: int) -> list[int]:
    """Projects of three companies in two kab/kota, most past their registration due date,
    some due within days (warnings), some not due yet, some registered; every company has a
    user with an address, so a scan writes their summaries. Bulk-created: a few statements."""
    today = timezone.localdate()
    companies = []
    for number, regency in enumerate(["32.75", "32.75", "63.10"], start=1):
        contractor = factories.make_contractor(regency=regency)
        user = factories.make_contractor_user(f"kontraktor.{number}", contractor=contractor)
        user.email = f"kontraktor.{number}@example.id"
        user.save(update_fields=["email"])
        companies.append((contractor, factories.make_work_unit(regency=regency)))
    spk_dates = [date(2026, 3, 2), today - timedelta(days=16), today - timedelta(days=3), today]
    templates = {}
    for spk_date in spk_dates:
        project = Project(spk_date=spk_date, start_date=spk_date + timedelta(days=30))
        project.end_date = spk_date + timedelta(days=200)
        project.contract_value = Decimal("750000000")
        refresh_derived_fields(project)
        templates[spk_date] = project
    rows = []
    for number in range(projects):
        contractor, work_unit = companies[number % len(companies)]
        template = templates[spk_dates[number % len(spk_dates)]]
        rows.append(
            Project(
                contractor=contractor,
                work_unit=work_unit,
                name=f"Peningkatan jalan lingkungan {number}",
                spk_number=f"SPK/{number}/2026",
                spk_date=template.spk_date,
                start_date=template.start_date,
                end_date=template.end_date,
                contract_value=template.contract_value,
                current_base_value=template.current_base_value,
                current_end_date=template.current_end_date,
                registration_due_on=template.registration_due_on,
                funding_source=Project.FundingSource.APBD_REGENCY,
                province_id=contractor.province_id,
                regency_id=contractor.regency_id,
            )
        )
    ids = [project.pk for project in Project.objects.bulk_create(rows, batch_size=2000)]
    for project in Project.objects.filter(pk__in=ids[::20]):
        factories.make_registration(project)
    return ids


def workers_file(rows: int) -> bytes:
    """A CSV of `rows` new workers, in the layout of the import template."""
    lines = [
        "NIK,Nama lengkap,Tanggal mulai kerja (DD-MM-YYYY),Tanggal lahir (DD-MM-YYYY),"
        "Jenis kelamin (L/P),Jabatan,Jenis pekerja (harian lepas/borongan/PKWT),"
        "Rencana selesai (DD-MM-YYYY)"
    ]
    for number in range(1, rows + 1):
        nik = factories.make_nik(serial=number)
        lines.append(f"{nik},Pekerja Nomor {number},01-09-2026,,,Tukang,harian lepas,")
    return ("\n".join(lines) + "\n").encode()


def queued_import(project, user, content: bytes, name: str = "pekerja.csv") -> ImportJob:
    """A checked upload, confirmed: the compare-and-set of workers.services.confirm_import,
    without its nudge (this process's broker is not the private one; the test sends the task)."""
    upload = SimpleUploadedFile(name, content, "text/csv")
    job = create_import_job(project=project, upload=upload, user=user, language="id")
    assert job.good_row_count == job.row_count, job.problems[:3]
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.QUEUED, queued_at=timezone.now()
    )
    return job
