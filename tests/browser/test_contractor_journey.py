"""A new contractor in real Chromium, on a phone-width screen, in Bahasa Indonesia: signs up its
company → confirms the email (from the test mail outbox) → registers a project and sees the
contribution → records the BPJS registration with an evidence PDF → imports a worker file with
one bad row, fixes it, imports → the project shows as covered with no open finding."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from compliance.models import ComplianceFlag, Registration
from projects.models import Project
from tests import factories
from workers.models import Enrollment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_new_contractor_gets_a_project_covered(page, reference_data, celery_worker, tmp_path):
    today = timezone.localdate()

    # Sign up the company.
    page.goto(page.base_url + "/accounts/sign-up/")
    page.fill("input[name=legal_name]", "CV Karya Patriot Mandiri")
    page.fill("input[name=npwp]", factories.make_npwp(9001))
    page.fill("input[name=nib]", "9120301234567")
    page.select_option("select[name=qualification]", "small")
    page.fill("[name=address]", "Jl. Cut Meutia No. 5, Bekasi Timur")
    page.select_option("select[name=regency]", "32.75")
    page.fill("input[name=full_name]", "Siti Rahmawati")
    page.fill("input[name=email]", "siti@karyapatriot.co.id")
    page.fill("input[name=password]", "Konstruksi-Aman-2026")
    page.fill("input[name=password_confirm]", "Konstruksi-Aman-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/sent/**")

    # Confirm the email address with the link from the mail.
    [message] = mail.outbox
    link = re.search(r"https?://\S+/confirm/\S+", message.body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/projects/")

    # Register a project and see the contribution while typing.
    page.goto(page.base_url + "/projects/new/")
    page.fill("input[name=name]", "Rehabilitasi Saluran Jl. Chairil Anwar")
    page.fill("input[name=owner_name]", "Dinas Bina Marga dan Sumber Daya Air Kota Bekasi")
    page.fill("input[name=spk_number]", "602.1/071/SPK/DBMSDA")
    page.fill("input[name=spk_date]", (today - timedelta(days=20)).isoformat())
    page.fill("input[name=start_date]", (today - timedelta(days=10)).isoformat())
    page.fill("input[name=end_date]", (today + timedelta(days=150)).isoformat())
    page.fill("input[name=contract_value]", "832.500.000")
    page.check("input[name=includes_ppn]")
    page.select_option("select[name=funding_source]", "apbd_kab")
    page.select_option("select[name=regency]", "32.75")
    page.select_option("select[name=status]", "running")
    page.fill("input[name=planned_workforce]", "2")
    total = page.locator("#contribution-preview [data-out=total]")
    total.filter(has_text="Rp1.375.000").wait_for()
    page.locator("main form.stacked > .form-grid button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    project = Project.objects.get(spk_number="602.1/071/SPK/DBMSDA")
    assert project.contractor.legal_name == "CV Karya Patriot Mandiri"
    # Work started ten days ago with no registration: the engine (on the real worker, nudged by
    # the save) flags it within seconds, and "my projects" says what to do.
    assert wait_until(lambda: open_rules(project) == {"unregistered"}), open_rules(project)
    page.goto(page.base_url + "/projects/")
    assert "Belum didaftarkan, lewat batas waktu" in page.content()

    # Record the BPJS registration with its first payment and the certificate.
    page.goto(page.base_url + f"/projects/{project.pk}/registration/")
    page.fill("input[name=bpjs_project_number]", "2300098765432")
    page.fill("input[name=registered_on]", (today - timedelta(days=5)).isoformat())
    page.fill("input[name=amount]", "1.375.000")
    page.fill("input[name=paid_on]", (today - timedelta(days=5)).isoformat())
    page.fill("input[name=receipt_number]", "KWT-2026-0071")
    certificate = tmp_path / "sertifikat.pdf"
    certificate.write_bytes(PDF)
    page.set_input_files("input[name=certificate]", str(certificate))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    registration = Registration.objects.get(project=project)
    assert registration.evidence.get().original_name == "sertifikat.pdf"
    assert "sertifikat.pdf" in page.content()

    # Workers: a file with one bad NIK is refused row by row; the fixed file imports.
    good = factories.make_nik(serial=1)
    bad = good[:-1]  # 15 digits
    rows = "nik;nama_lengkap;tanggal_lahir;jenis_kelamin;mulai_kerja\n"
    data = rows + f"{good};Ahmad Fauzi;1990-08-17;L;{today.isoformat()}\n"
    broken = tmp_path / "pekerja.csv"
    broken.write_text(data + f"{bad};Budi Santoso;1990-08-17;L;{today.isoformat()}\n")
    import_workers(page, project, broken)
    problems = page.locator("table.problems tbody tr")
    assert problems.count() == 1, "the bad row is reported, by row and column"
    assert "3" in problems.first.locator("td").first.inner_text()  # the file's third line
    assert not Enrollment.objects.filter(project=project).exists()

    fixed = tmp_path / "pekerja-diperbaiki.csv"
    second = factories.make_nik(serial=2)
    fixed.write_text(data + f"{second};Budi Santoso;1990-08-17;L;{today.isoformat()}\n")
    import_workers(page, project, fixed)
    assert page.locator("table.problems tbody tr").count() == 0
    page.locator("form[action$='/confirm/'] button[type=submit]").first.click()
    page.locator("ul.result").wait_for(timeout=30_000)  # the progress script reloads when done
    assert Enrollment.objects.filter(project=project, ended_on__isnull=True).count() == 2

    # The engine re-evaluates on its own (incremental path on the worker): the flag resolves.
    assert wait_until(lambda: open_rules(project) == set()), open_rules(project)
    flag = ComplianceFlag.objects.get(project=project, rule="unregistered")
    assert flag.resolution == ComplianceFlag.Resolution.AUTO
    page.goto(page.base_url + f"/projects/{project.pk}/")
    assert page.locator("h1 + .badge").inner_text() == "Terlindungi, menunggu verifikasi"


def open_rules(project) -> set[str]:
    return set(ComplianceFlag.objects.open().filter(project=project).values_list("rule", flat=True))


def wait_until(condition, timeout=30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def import_workers(page, project, path):
    page.goto(page.base_url + f"/workers/project/{project.pk}/import/")
    page.set_input_files("input[name=file]", str(path))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/workers/import/*/")
