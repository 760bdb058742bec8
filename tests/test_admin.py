"""The Django admin: every page of every registered model renders for a superuser, searches
find what staff type, and saves go through the services (derived columns, due dates, letters)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.forms import MultiWidget
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Invitation, User
from accounts.services import create_api_token
from compliance.models import (
    ComplianceFlag,
    FlagEvent,
    Notification,
    RegionDailyRollup,
    RegistrationEvidence,
    ScanRun,
    UsedUploadLink,
    WarningLetter,
)
from procurement.models import ProcurementImport
from projects.models import Amendment, Contractor, Project
from projects.services import record_amendment
from reference.calendar import add_working_days
from reference.identifiers import format_npwp
from reference.models import Holiday
from workers.models import Enrollment, ImportJob

from . import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def english_superuser_client(superuser_client):
    # Forms posted back in English take ISO dates (the Indonesian input formats do not).
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return superuser_client


@pytest.fixture
def one_of_everything(superuser, contractor_a_user, project_of_contractor_a, bekasi_office_user):
    """At least one row of every model with an admin."""
    project = project_of_contractor_a
    record_amendment(
        project=project,
        signed_on=date(2026, 4, 1),
        document_number="ADD/01/2026",
        new_contract_value=Decimal("900000000"),
    )
    registration = factories.make_registration(project)
    factories.make_evidence(registration)
    worker = factories.make_worker()
    Enrollment.objects.create(project=project, worker=worker, started_on=date(2026, 3, 16))
    now = timezone.now()
    flag = ComplianceFlag.objects.create(
        project=project,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=now,
        violation_since=now,
        escalation_step=1,
    )
    run = ScanRun.objects.create(kind=ScanRun.Kind.FULL, started_at=now, finished_at=now)
    FlagEvent.objects.create(flag=flag, kind=FlagEvent.Kind.OPENED, at=now, scan_run=run)
    WarningLetter.objects.create(
        flag=flag,
        step=1,
        number="566/001/Disnaker",
        sent_on=date(2026, 4, 2),
        recorded_by=superuser,
    )
    RegionDailyRollup.objects.create(
        regency=factories.region("32.75"), province=factories.region("32"), day=date(2026, 4, 2)
    )
    Notification.objects.create(
        kind=Notification.Kind.PPK_LETTER,
        dedupe_key="letter:1:ppk",
        recipient="ppk@bekasikota.go.id",
        subject="Surat teguran",
        body="…",
        next_attempt_at=now,
    )
    UsedUploadLink.objects.create(token_sha256="0" * 64, project=project, registration=registration)
    ImportJob.objects.create(
        project=project,
        created_by=superuser,
        file="worker-imports/x.csv",
        original_name="pekerja.csv",
        file_format=ImportJob.FileFormat.CSV,
    )
    ProcurementImport.objects.create(
        office=bekasi_office_user.office,
        created_by=bekasi_office_user,
        file="procurement-imports/x",
        original_name="ekontrak.json",
        file_format=ProcurementImport.FileFormat.JSON,
        kind=ProcurementImport.Kind.CONTRACT,
    )
    Invitation.objects.create(
        contractor=project.contractor,
        email="rekan@example.org",
        invited_by=contractor_a_user,
        token_hash="1" * 64,
        expires_at=now + timedelta(days=7),
    )
    create_api_token(user=contractor_a_user, name="ERP")
    Group.objects.create(name="Pengawas")
    # django-axes: a failed login and a successful one.
    client = {
        "username": "kontraktor.a",
        "ip_address": "203.0.113.7",
        "user_agent": "Firefox",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
        "attempt_time": now,
    }
    AccessAttempt.objects.create(**client, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**client, locked_out=False)
    AccessLog.objects.create(**client)


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED]
)
def test_every_admin_page_renders_for_a_superuser(
    superuser_client, rf, superuser, one_of_everything, model, model_admin
):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"give {model._meta.label} a row in one_of_everything"
    assert superuser_client.get(url(model, "changelist")).status_code == 200
    assert superuser_client.get(url(model, "change", obj.pk)).status_code == 200
    if isinstance(model_admin, SimpleHistoryAdmin):
        assert superuser_client.get(url(model, "history", obj.pk)).status_code == 200
    # Rows only the compliance engine writes (flags, events, runs...) have no add page.
    request = rf.get("/")
    request.user = superuser
    can_add = model_admin.has_add_permission(request)
    assert superuser_client.get(url(model, "add")).status_code == (200 if can_add else 403)


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED]
)
def test_every_change_form_saves_back_unchanged(
    english_superuser_client, rf, superuser, one_of_everything, model, model_admin
):
    obj = model._default_manager.order_by("pk").first()
    change_url = url(model, "change", obj.pk)
    data = post_data(english_superuser_client.get(change_url))
    request = rf.get("/")
    request.user = superuser

    response = english_superuser_client.post(change_url, data)

    if model_admin.has_change_permission(request, obj):
        assert response.status_code == 302, response.context["errors"]
    else:  # what only the compliance engine writes
        assert response.status_code == 403


def post_data(response) -> dict:
    """What the browser sends back for an admin change form: its fields and its inlines'."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(field.field.widget, MultiWidget):  # a date and a time
                for i, part in enumerate(field.field.widget.decompress(value)):
                    data[f"{field.html_name}_{i}"] = part.isoformat() if part else ""
            elif value is True:
                data[field.html_name] = "on"
            elif isinstance(value, date):
                data[field.html_name] = value.isoformat()
            elif value is not None and value is not False and not isinstance(value, FieldFile):
                data[field.html_name] = value
    return data


def test_a_staff_member_who_is_not_a_superuser_is_sent_to_the_admin_login(
    client, bekasi_office_user
):
    client.force_login(bekasi_office_user)
    response = client.get(url(Project, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_is_titled_pantau_jakon(superuser_client):
    assert "Pantau Jakon" in superuser_client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    "term",
    [
        pytest.param(lambda p: p.spk_number, id="spk-number"),
        pytest.param(lambda p: p.contractor.npwp, id="npwp-digits"),
        pytest.param(lambda p: format_npwp(p.contractor.npwp), id="npwp-printed"),
    ],
)
def test_the_project_list_finds_a_project_by_spk_number_or_contractor_npwp(
    superuser_client, project_of_contractor_a, project_of_contractor_b, term
):
    response = superuser_client.get(
        url(Project, "changelist"), {"q": term(project_of_contractor_a)}
    )
    assert list(response.context["cl"].result_list) == [project_of_contractor_a]


def test_the_registration_list_finds_a_registration_by_the_printed_npwp(
    superuser_client, project_of_contractor_a, project_of_contractor_b
):
    registration = factories.make_registration(project_of_contractor_a)
    factories.make_registration(project_of_contractor_b)
    term = format_npwp(project_of_contractor_a.contractor.npwp)
    response = superuser_client.get(url(type(registration), "changelist"), {"q": term})
    assert list(response.context["cl"].result_list) == [registration]


def test_saving_a_project_in_the_admin_recomputes_its_value_before_ppn(
    english_superuser_client, contractor_a
):
    project = factories.make_project(contractor=contractor_a, contract_value=Decimal("832500000"))
    assert project.current_base_value == Decimal("832500000")
    change_url = url(Project, "change", project.pk)
    data = post_data(english_superuser_client.get(change_url))

    response = english_superuser_client.post(change_url, {**data, "includes_ppn": "on"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.current_base_value == Decimal("750000000")  # domain.md §2.4 case D
    assert project.needs_evaluation_at is not None


def test_the_project_page_shows_the_contribution_and_the_payments(
    superuser_client, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a)
    receipt = registration.payments.get().receipt_number

    page = superuser_client.get(url(Project, "change", project_of_contractor_a.pk)).content.decode()

    # DPP Rp750,000,000 (domain.md §2.4 case B), in Indonesian.
    assert "Rp1.215.000" in page  # JKK
    assert "Rp160.000" in page  # JKM
    assert "Rp1.375.000" in page  # total
    assert receipt in page


@pytest.mark.parametrize("rows", [1, 15])
def test_the_project_list_takes_the_same_few_queries_however_many_rows(
    superuser_client, contractor_a, django_assert_max_num_queries, rows
):
    work_unit = factories.make_work_unit()
    for _i in range(rows):
        factories.make_project(contractor=contractor_a, work_unit=work_unit)
    with django_assert_max_num_queries(10):
        response = superuser_client.get(url(Project, "changelist"))
    assert len(response.context["cl"].result_list) == rows


def test_confirming_contractors_stamps_only_the_unconfirmed_ones(
    superuser_client, superuser, contractor_a, contractor_b
):
    earlier = timezone.now() - timedelta(days=30)
    Contractor.objects.filter(pk=contractor_b.pk).update(confirmed_at=earlier)

    superuser_client.post(
        url(Contractor, "changelist"),
        {"action": "confirm_contractors", "_selected_action": [contractor_a.pk, contractor_b.pk]},
    )

    contractor_a.refresh_from_db()
    contractor_b.refresh_from_db()
    assert contractor_a.confirmed_by == superuser and contractor_a.confirmed_at is not None
    assert contractor_b.confirmed_at == earlier and contractor_b.confirmed_by is None


def test_an_addendum_added_in_the_admin_is_numbered_and_moves_the_projects_value(
    english_superuser_client, project_of_contractor_a
):
    project = project_of_contractor_a
    response = english_superuser_client.post(
        url(Amendment, "add"),
        {
            "project": project.pk,
            "signed_on": "2026-05-04",
            "document_number": "ADD/02/2026",
            "new_contract_value": "1000000000",
        },
    )

    assert response.status_code == 302
    amendment = project.amendments.get()
    assert (amendment.sequence, amendment.previous_base_value) == (1, Decimal("750000000"))
    project.refresh_from_db()
    assert project.current_base_value == Decimal("1000000000")
    page = english_superuser_client.get(url(Amendment, "change", amendment.pk)).content.decode()
    assert "Rp375,000" in page  # f(1 M) - f(750 jt) = 1,750,000 - 1,375,000


def test_a_holiday_added_or_removed_in_the_admin_moves_the_due_dates(
    english_superuser_client, contractor_a
):
    spk_date = date(2026, 8, 3)  # a Monday, weeks away from any public holiday
    project = factories.make_project(
        contractor=contractor_a, spk_date=spk_date, start_date=spk_date + timedelta(days=60)
    )
    due_before = project.registration_due_on
    assert not Holiday.objects.filter(date="2026-08-05").exists()

    english_superuser_client.post(
        url(Holiday, "add"),
        {
            "date": "2026-08-05",
            "name": "Cuti bersama uji",
            "kind": "cuti_bersama",
            "source": "admin",
        },
    )

    project.refresh_from_db()
    assert project.registration_due_on == add_working_days(due_before, 1)
    holiday = Holiday.objects.get(date="2026-08-05")
    english_superuser_client.post(url(Holiday, "delete", holiday.pk), {"post": "yes"})
    project.refresh_from_db()
    assert project.registration_due_on == due_before


def test_the_worker_list_masks_the_nik_yet_finds_a_worker_by_the_full_nik(superuser_client):
    worker = factories.make_worker(full_name="Siti Aminah")
    factories.make_worker(full_name="Agus Salim")

    page = superuser_client.get(url(type(worker), "changelist")).content.decode()
    found = superuser_client.get(url(type(worker), "changelist"), {"q": worker.nik})

    assert worker.masked_nik in page
    assert worker.nik not in page
    assert list(found.context["cl"].result_list) == [worker]


def test_recording_a_warning_letter_on_a_flag_advances_its_escalation(
    english_superuser_client, project_of_contractor_a
):
    # Opened before the letter's date: a letter cannot be dated before its finding.
    opened_at = timezone.make_aware(datetime(2026, 4, 1, 9))
    flag = ComplianceFlag.objects.create(
        project=project_of_contractor_a,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=opened_at,
        violation_since=opened_at,
    )
    change_url = url(ComplianceFlag, "change", flag.pk)
    data = post_data(english_superuser_client.get(change_url))
    data.update(
        {
            "letters-TOTAL_FORMS": "1",
            "letters-0-number": "566/014/Disnaker",
            "letters-0-sent_on": "2026-04-06",
        }
    )

    response = english_superuser_client.post(change_url, data)

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.escalation_step == ComplianceFlag.Step.LETTER_1
    assert flag.next_letter_due_on == date(2026, 4, 6) + timedelta(
        days=settings.PANTAU_LETTER_INTERVAL_DAYS
    )
    assert flag.letters.get().number == "566/014/Disnaker"
    assert flag.events.filter(kind=FlagEvent.Kind.ESCALATED).exists()


def test_a_rejected_registration_takes_no_payment_in_the_admin(
    english_superuser_client, superuser, project_of_contractor_a
):
    registration = factories.make_registration(
        project_of_contractor_a,
        paid=False,
        status="rejected",
        rejection_reason="Sertifikat tidak terbaca",
        verified_at=timezone.now(),
    )
    response = english_superuser_client.post(
        reverse("admin:compliance_payment_add"),
        {
            "registration": registration.pk,
            "kind": "full",
            "amount": "1375000",
            "paid_on": "2026-03-10",
            "receipt_number": "000000000000123",
        },
    )
    assert response.status_code == 200
    assert "A rejected registration cannot receive payments." in response.content.decode()
    assert not registration.payments.exists()


def test_the_admin_refuses_a_payment_or_a_letter_dated_after_today(
    english_superuser_client, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = english_superuser_client.post(
        reverse("admin:compliance_payment_add"),
        {
            "registration": registration.pk,
            "kind": "full",
            "amount": "1375000",
            "paid_on": tomorrow,
            "receipt_number": "000000000000123",
        },
    )
    assert "The payment date cannot be later than today." in response.content.decode()
    assert not registration.payments.exists()

    now = timezone.now()
    flag = ComplianceFlag.objects.create(
        project=project_of_contractor_a,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=now,
        violation_since=now,
    )
    response = english_superuser_client.post(
        reverse("admin:compliance_warningletter_add"),
        {"flag": flag.pk, "number": "566/014/Disnaker", "sent_on": tomorrow},
    )
    assert "The letter date cannot be later than today." in response.content.decode()
    assert not flag.letters.exists()


def test_an_uploaded_evidence_file_gets_its_type_size_and_hash_from_its_content(
    english_superuser_client, project_of_contractor_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    registration = factories.make_registration(project_of_contractor_a)
    content = b"%PDF-1.7 sertifikat kepesertaan"
    add_url = reverse("admin:compliance_registrationevidence_add")

    refused = english_superuser_client.post(
        add_url,
        {
            "registration": registration.pk,
            "kind": "certificate",
            "file": SimpleUploadedFile("sertifikat.pdf", b"MZ not a pdf", "application/pdf"),
        },
    )
    english_superuser_client.post(
        add_url,
        {
            "registration": registration.pk,
            "kind": "certificate",
            "file": SimpleUploadedFile("sertifikat.pdf", content, "application/octet-stream"),
        },
    )

    assert "sertifikat.pdf is not a PDF, JPEG or PNG file" in refused.content.decode()
    evidence = registration.evidence.get()
    assert (evidence.content_type, evidence.size) == ("application/pdf", len(content))
    assert evidence.sha256 == RegistrationEvidence.digest(content)
    assert evidence.original_name == "sertifikat.pdf"
    assert evidence.file.read() == content


def test_an_office_users_page_lists_its_staff(superuser_client, bekasi_office_user):
    page = superuser_client.get(url(User, "change", bekasi_office_user.pk)).content.decode()
    office_page = superuser_client.get(
        reverse("admin:accounts_office_change", args=[bekasi_office_user.office_id])
    ).content.decode()
    assert bekasi_office_user.office.name in page
    assert bekasi_office_user.username in office_page


def test_a_contractor_entered_with_its_printed_npwp_is_stored_with_16_digits(
    english_superuser_client, reference_data
):
    npwp = factories.make_npwp()
    bekasi = factories.region("32.75")
    response = english_superuser_client.post(
        url(Contractor, "add"),
        {
            "legal_name": "PT Cahaya Konstruksi",
            "npwp": format_npwp(npwp),
            "source": "office",
            "province": bekasi.parent_id,
            "regency": bekasi.pk,
        },
    )
    assert response.status_code == 302, response.context["errors"]
    assert Contractor.objects.get(legal_name="PT Cahaya Konstruksi").npwp == npwp


def test_adding_a_registration_from_a_project_proposes_what_the_service_would_record(
    superuser_client, project_of_contractor_a
):
    project = project_of_contractor_a
    response = superuser_client.get(
        reverse("admin:compliance_registration_add"), {"project": project.pk}
    )
    initial = response.context["adminform"].form.initial
    assert initial["assessed_base_value"] == Decimal("750000000")
    assert initial["contribution_assessed"] == Decimal("1375000")
    assert (initial["coverage_start"], initial["coverage_end"]) == (
        project.start_date,
        project.current_end_date,
    )
