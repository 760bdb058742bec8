"""One world per test module, built once (the matrix makes hundreds of requests against it):
tenant A's objects and the six personas of the access rules.

- contractor A (Kota Bekasi, 32.75) owns a project in Kota Bekasi with a registration and its
  evidence, an open finding, an enrolled worker, an import, an invitation and a second member;
- contractor B has a project in Kabupaten Tanah Bumbu (63.10);
- office A is Kota Bekasi's labour office, office B Tanah Bumbu's, and the province office is
  Jawa Barat's (32), which oversees Kota Bekasi but not Tanah Bumbu;
- anonymous is nobody.

The world lives in a transaction of its own that is rolled back when the module ends; each
test runs inside it (pytest-django's savepoint), so the world is never left behind.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.conftest import ensure_reference_data

PERSONAS = ("contractor_a", "contractor_b", "office_a", "office_b", "province", "anonymous")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    users: dict = field(default_factory=dict)  # persona -> User (no entry for anonymous)
    objects: dict = field(default_factory=dict)  # name -> object or token of tenant A
    api_tokens: dict = field(default_factory=dict)  # persona -> API token secret

    def client(self, persona: str, *, api: bool = False, **options) -> Client:
        """A browser logged in as the persona, or for the JSON API (which takes no session
        cookie) a client sending the persona's API token."""
        if api:
            secret = self.api_tokens.get(persona)
            headers = {"Authorization": f"Bearer {secret}"} if secret else {}
            return Client(headers=headers, **options)
        client = Client(**options)
        if persona != "anonymous":
            client.force_login(self.users[persona])
        return client


def build_world() -> World:
    from accounts import services as account_services
    from compliance import upload_links
    from compliance.evidence import attach_evidence_files
    from compliance.models import ComplianceFlag
    from procurement.services import create_import as create_procurement_import
    from workers.services import create_import_job, enroll_worker

    ensure_reference_data()
    world = World()
    contractor_a = factories.make_contractor(name="PT Karya Bekasi Utama", regency="32.75")
    contractor_b = factories.make_contractor(name="CV Tanah Bumbu Jaya", regency="63.10")
    world.users = {
        "contractor_a": factories.make_contractor_user("matrix.a", contractor=contractor_a),
        "contractor_b": factories.make_contractor_user("matrix.b", contractor=contractor_b),
        "office_a": factories.make_office_user("matrix.bekasi", region_code="32.75"),
        "office_b": factories.make_office_user("matrix.tanbu", region_code="63.10"),
        "province": factories.make_office_user("matrix.jabar", region_code="32"),
    }
    owner = world.users["contractor_a"]
    project = factories.make_project(contractor=contractor_a, regency="32.75")
    factories.make_project(contractor=contractor_b, regency="63.10")
    registration = factories.make_registration(project)
    pdf = SimpleUploadedFile("sertifikat.pdf", PDF, "application/pdf")
    attach_evidence_files(registration=registration, files=[("certificate", pdf)], user=owner)
    now = timezone.now()
    flag = ComplianceFlag.objects.create(
        project=project,
        rule=ComplianceFlag.Rule.UNREGISTERED,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=now - timedelta(days=5),
        violation_since=now,
    )
    enrollment = enroll_worker(
        project=project,
        nik="3275011708900001",
        full_name="Budi Santoso",
        started_on=date(2026, 4, 1),
    )
    csv = b"NIK,Nama lengkap,Tanggal mulai kerja\n3275014508920002,Siti Aminah,01-04-2026\n"
    job = create_import_job(
        project=project,
        upload=SimpleUploadedFile("pekerja.csv", csv),
        user=owner,
        language="id",
    )
    invitation, invitation_token = account_services.invite_colleague(
        admin=owner, email="rekan@karya-bekasi.co.id", language="id", now=now
    )
    colleague = factories.make_contractor_user(
        "matrix.a.staff", contractor=contractor_a, is_company_admin=False
    )
    corpus = Path(__file__).resolve().parents[1] / "procurement_corpus"
    procurement_run = create_procurement_import(
        upload=SimpleUploadedFile(
            "sirup.csv", (corpus / "sirup_paket_penyedia_kota_bekasi.csv").read_bytes()
        ),
        user=world.users["office_a"],
        language="id",
    )
    world.api_tokens = {
        persona: account_services.create_api_token(user=user, name="matrix")[1]
        for persona, user in world.users.items()
    }
    world.objects = {
        "api_token": account_services.create_api_token(user=owner, name="laptop")[0],
        "contractor": contractor_a,
        "procurement_import": procurement_run,
        "project": project,
        "registration": registration,
        "evidence": registration.evidence.get(),
        "flag": flag,
        "enrollment": enrollment,
        "import": job,
        "invitation": invitation,
        "invitation_token": invitation_token,
        "membership": colleague.contractor_membership,
        "sign_up_token": account_services.make_confirmation_token(owner),
        "reset_uid": urlsafe_base64_encode(force_bytes(owner.pk)),
        "reset_token": default_token_generator.make_token(owner),
        "upload_token": upload_links.make_token(project_id=project.pk),
    }
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Tenant A's objects and the personas, once per module, rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=media, PANTAU_NUDGE_ENGINE_ON_COMMIT=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def in_world(world, db):
    """The world, with the test itself in a savepoint inside it."""
    return world
