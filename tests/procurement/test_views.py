"""The procurement pages: labour-office editors and admins only; another office's run is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Office
from procurement.models import ProcurementImport
from procurement.services import run_import
from projects.models import Project
from tests import factories

from .conftest import CONTRACT_JSON, SIRUP_CSV, check

pytestmark = pytest.mark.django_db


@pytest.fixture
def bekasi_run(bekasi_office_user, reference_data):
    return check(CONTRACT_JSON, bekasi_office_user)


@pytest.fixture(autouse=True)
def english(bekasi_office_user, jabar_office_user):
    for user in (bekasi_office_user, jabar_office_user):
        user.preferred_language = "en"
        user.save(update_fields=["preferred_language"])


def upload(client, path, **data):
    return client.post(
        reverse("procurement:upload"),
        {"file": SimpleUploadedFile(path.name, path.read_bytes()), **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_office_editor_uploads_previews_confirms_and_sees_the_result(
    client, bekasi_office_user, django_capture_on_commit_callbacks
):
    client.force_login(bekasi_office_user)
    response = upload(client, CONTRACT_JSON)
    run = ProcurementImport.objects.get()
    assert response["Location"] == run.get_absolute_url()
    page = client.get(run.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 contracted packages without a project: new projects" in page
    assert "Confirm the import" in page
    assert "is outside your region (Kota Bekasi)" in page
    rejected = client.get(run.get_absolute_url() + "?outcome=rejected").content.decode()
    assert "Normalisasi Saluran Kali Cikarang" in rejected
    assert "Pembangunan Gedung Kantor Kelurahan Jatiasih" not in rejected

    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("procurement:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ProcurementImport.Status.QUEUED
    status = client.get(reverse("procurement:status", args=[run.pk])).json()
    assert status["status"] == "queued"
    run_import(run.pk)
    assert client.get(reverse("procurement:status", args=[run.pk])).json()["status"] == "done"
    assert Project.objects.filter(source=Project.Source.PROCUREMENT).count() == 3
    listing = client.get(reverse("procurement:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert CONTRACT_JSON.name in listing and "Imported" in listing


def test_a_refused_file_is_explained_on_the_form(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    response = client.post(
        reverse("procurement:upload"),
        {"file": SimpleUploadedFile("paket.pdf", b"%PDF-1.7 whatever")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not a CSV, XLSX or JSON file" in response.context["form"].errors["file"][0]
    assert not ProcurementImport.objects.exists()


def test_a_province_office_chooses_the_kab_kota_of_rows_without_location(client, jabar_office_user):
    client.force_login(jabar_office_user)
    form = client.get(reverse("procurement:upload")).content.decode()
    assert 'value="32.75"' in form and 'value="63.10"' not in form  # its province only
    upload(client, SIRUP_CSV, default_regency="32.75")
    assert ProcurementImport.objects.get().default_regency.code == "32.75"


@pytest.mark.parametrize(
    "name", ["procurement:list", "procurement:upload", "procurement:detail", "procurement:status"]
)
def test_a_contractor_gets_403(client, contractor_a_user, bekasi_run, name):
    client.force_login(contractor_a_user)
    args = [bekasi_run.pk] if name in ("procurement:detail", "procurement:status") else []
    assert client.get(reverse(name, args=args)).status_code == 403


def test_read_only_staff_and_a_bpjs_branch_get_403(client, bekasi_readonly_user, bekasi_run):
    bpjs = factories.make_office_user(
        "bpjs.bekasi", region_code="32.75", kind=Office.Kind.BPJS_BRANCH
    )
    for user in (bekasi_readonly_user, bpjs):
        client.force_login(user)
        assert client.get(reverse("procurement:list")).status_code == 403
        assert client.get(bekasi_run.get_absolute_url()).status_code == 403


def test_another_office_gets_404_for_the_run_and_cannot_confirm_it(
    client, tanbu_office_user, bekasi_run
):
    client.force_login(tanbu_office_user)
    assert client.get(bekasi_run.get_absolute_url()).status_code == 404
    assert client.post(reverse("procurement:confirm", args=[bekasi_run.pk])).status_code == 404
    assert (
        bekasi_run.get_absolute_url()
        not in client.get(reverse("procurement:list")).content.decode()
    )
    bekasi_run.refresh_from_db()
    assert bekasi_run.status == ProcurementImport.Status.CHECKED


def test_anonymous_visitors_are_sent_to_the_login_page(client, bekasi_run):
    response = client.get(bekasi_run.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_shows_runs_read_only(client, superuser, bekasi_run):
    client.force_login(superuser)
    url = reverse("admin:procurement_procurementimport_change", args=[bekasi_run.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:procurement_procurementimport_add")).status_code == 403
