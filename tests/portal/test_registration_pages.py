"""Recording the BPJS registration with its payment and evidence; private evidence downloads;
the signed single-use upload link from a reminder email."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from compliance import services, upload_links
from compliance.models import Payment, Registration, RegistrationEvidence, UsedUploadLink
from tests import factories

pytestmark = [pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client_a(client, contractor_a_user):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save(update_fields=["preferred_language"])
    client.force_login(contractor_a_user)
    return client


def registration_data(project, **overrides):
    data = {
        "bpjs_project_number": "2300012345678",
        "registered_on": "2026-03-10",
        "coverage_start": project.start_date.isoformat(),
        "coverage_end": project.current_end_date.isoformat(),
        "amount": "1.375.000",
        "paid_on": "2026-03-10",
        "receipt_number": "KWT-0001",
        "certificate": SimpleUploadedFile("sertifikat.pdf", PDF, "application/pdf"),
        "receipt": SimpleUploadedFile("kwitansi.png", PNG, "image/png"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_recording_the_registration_saves_it_with_payment_and_evidence(
    client_a, project_of_contractor_a
):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    response = client_a.post(url, registration_data(project_of_contractor_a), follow=True)

    registration = Registration.objects.get(project=project_of_contractor_a)
    assert registration.status == Registration.Status.SUBMITTED
    assert registration.payments.get().amount == Decimal(1_375_000)
    assert sorted(registration.evidence.values_list("kind", "content_type")) == [
        ("certificate", "application/pdf"),
        ("receipt", "image/png"),
    ]
    page = response.content.decode()
    assert "The registration is recorded and waits for verification by the office." in page
    assert "sertifikat.pdf" in page


def test_a_file_that_is_not_a_pdf_or_image_is_refused_on_its_field_and_nothing_is_saved(
    client_a, project_of_contractor_a
):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    data = registration_data(
        project_of_contractor_a,
        certificate=SimpleUploadedFile(
            "sertifikat.pdf", b"<html><script>x</script>", "application/pdf"
        ),
    )
    response = client_a.post(url, data)

    assert response.context["form"].errors["certificate"] == [
        "sertifikat.pdf is not a PDF, JPEG or PNG file (checked by its content)."
    ]
    assert not Registration.objects.exists()
    assert not Payment.objects.exists()


def test_a_file_over_5_mb_is_refused(client_a, project_of_contractor_a):
    big = PDF + b"0" * (5 * 1024 * 1024)
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    response = client_a.post(
        url,
        registration_data(
            project_of_contractor_a,
            certificate=SimpleUploadedFile("besar.pdf", big, "application/pdf"),
        ),
    )
    assert "an evidence file is at most 5 MB" in response.context["form"].errors["certificate"][0]
    assert not Registration.objects.exists()


def test_the_size_of_a_file_over_5_mb_is_written_the_indonesian_way(
    client_a, contractor_a_user, project_of_contractor_a
):
    contractor_a_user.preferred_language = "id"
    contractor_a_user.save(update_fields=["preferred_language"])
    big = PDF + b"0" * (5 * 1024 * 1024 + 700 * 1024)
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    response = client_a.post(
        url,
        registration_data(
            project_of_contractor_a,
            certificate=SimpleUploadedFile("besar.pdf", big, "application/pdf"),
        ),
    )
    [error] = response.context["form"].errors["certificate"]
    assert "5,7 MB" in error and "5.7" not in error


def test_the_same_file_as_certificate_and_receipt_is_refused_on_the_receipt(
    client_a, project_of_contractor_a
):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    data = registration_data(
        project_of_contractor_a,
        receipt=SimpleUploadedFile("sertifikat-lagi.pdf", PDF, "application/pdf"),
    )
    response = client_a.post(url, data)

    assert response.context["form"].errors["receipt"] == [
        "sertifikat-lagi.pdf is the same file as the certificate: choose the payment receipt "
        "here. A document that holds both is uploaded once, as the certificate."
    ]
    assert not Registration.objects.exists()


def test_the_same_file_twice_is_refused_on_the_upload_link_too(client, project_of_contractor_a):
    factories.make_registration(project_of_contractor_a)
    response = client.post(
        link_path(project_of_contractor_a),
        {
            "certificate": SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
            "receipt": SimpleUploadedFile("b.pdf", PDF, "application/pdf"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (
        "b.pdf is the same file as the certificate" in response.context["form"].errors["receipt"][0]
    )
    assert not RegistrationEvidence.objects.exists()


def test_a_payment_needs_amount_date_and_receipt_together(client_a, project_of_contractor_a):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    response = client_a.post(url, registration_data(project_of_contractor_a, receipt_number=""))
    assert response.context["form"].errors["receipt_number"] == [
        "Give the amount, the date and the receipt number of the payment."
    ]
    assert not Registration.objects.exists()


def test_a_coverage_shorter_than_the_project_is_saved_with_a_notice(
    client_a, project_of_contractor_a
):
    short_end = project_of_contractor_a.current_end_date - timedelta(days=30)
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    response = client_a.post(
        url,
        registration_data(project_of_contractor_a, coverage_end=short_end.isoformat()),
        follow=True,
    )
    assert Registration.objects.filter(project=project_of_contractor_a).exists()
    assert "The BPJS coverage ends before the project does." in response.content.decode()


def test_extending_a_verified_registration_sends_it_back_for_verification(
    client_a, project_of_contractor_a, bekasi_office_user
):
    registration = factories.make_registration(project_of_contractor_a)
    registration.status = Registration.Status.VERIFIED
    registration.verified_by = bekasi_office_user
    registration.verified_at = registration.created_at
    registration.save()

    client_a.post(
        reverse("compliance:registration_edit", args=[registration.pk]),
        {
            "bpjs_project_number": registration.bpjs_project_number,
            "registered_on": registration.registered_on.isoformat(),
            "coverage_start": registration.coverage_start.isoformat(),
            "coverage_end": "2026-12-31",
        },
    )
    registration.refresh_from_db()
    assert registration.coverage_end == date(2026, 12, 31)
    assert registration.status == Registration.Status.SUBMITTED
    assert registration.verified_by is None


def test_a_second_payment_is_recorded_on_the_registration(client_a, project_of_contractor_a):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    response = client_a.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {"kind": "full", "amount": "1.375.000", "paid_on": "2026-03-12", "receipt_number": "K-9"},
    )
    assert response.status_code == 302
    assert registration.payments.get().receipt_number == "K-9"


@pytest.mark.parametrize(
    "amount", ["Rp 10.300.000,00", "10.300.000,00", "10300000", "Rp10.300.000"]
)
def test_a_payment_in_the_format_the_form_advertises_is_recorded_in_whole_rupiah(
    client_a, project_of_contractor_a, amount
):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    response = client_a.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {"kind": "full", "amount": amount, "paid_on": "2026-03-12", "receipt_number": "K-9"},
    )

    assert response.status_code == 302
    assert registration.payments.get().amount == Decimal(10_300_000)


def test_a_payment_with_sen_is_refused_in_words_and_not_recorded(client_a, project_of_contractor_a):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    response = client_a.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {"kind": "full", "amount": "10.300.000,50", "paid_on": "2026-03-12", "receipt_number": "K"},
    )

    message = "Enter whole rupiah: this amount is stored without sen."
    assert response.context["form"].errors["amount"] == [message]
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_a_payment_above_100_trillion_is_refused(client_a, project_of_contractor_a):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    response = client_a.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {
            "kind": "full",
            "amount": "9.999.999.999.999.999",
            "paid_on": "2026-03-12",
            "receipt_number": "K-9",
        },
    )

    assert response.context["form"].errors["amount"] == [
        "Enter an amount of at most Rp100,000,000,000,000."
    ]
    assert not Payment.objects.exists()


def test_the_first_payment_with_the_registration_takes_zero_sen_and_refuses_others(
    client_a, project_of_contractor_a
):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    refused = client_a.post(url, registration_data(project_of_contractor_a, amount="1.375.000,25"))
    assert refused.context["form"].errors["amount"] == [
        "Enter whole rupiah: this amount is stored without sen."
    ]
    assert not Registration.objects.exists()

    client_a.post(url, registration_data(project_of_contractor_a, amount="Rp 1.375.000,00"))
    registration = Registration.objects.get(project=project_of_contractor_a)
    assert registration.payments.get().amount == Decimal(1_375_000)


def test_the_registration_form_redirects_to_the_live_registration(
    client_a, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a)
    response = client_a.get(
        reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    )
    assert response["Location"] == reverse("compliance:registration_edit", args=[registration.pk])


# --- Dates: a registration and a payment happened, so neither is later than today ------------


def days_from_today(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_a_registration_and_payment_dated_after_today_are_refused_on_their_fields(
    client_a, project_of_contractor_a
):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    data = registration_data(
        project_of_contractor_a, registered_on=days_from_today(300), paid_on=days_from_today(182)
    )
    response = client_a.post(url, data)

    assert response.context["form"].errors["registered_on"] == [
        "The registration date cannot be later than today."
    ]
    assert response.context["form"].errors["paid_on"] == [
        "The payment date cannot be later than today."
    ]
    assert "The payment date cannot be later than today." in response.content.decode()
    assert not Registration.objects.exists()  # the project stays uncovered


def test_a_registration_paid_today_may_cover_a_period_ahead(client_a, project_of_contractor_a):
    url = reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    data = registration_data(
        project_of_contractor_a,
        registered_on=days_from_today(0),
        paid_on=days_from_today(0),
        coverage_end=days_from_today(365),
    )
    assert client_a.post(url, data).status_code == 302
    registration = Registration.objects.get(project=project_of_contractor_a)
    assert registration.coverage_end == timezone.localdate() + timedelta(days=365)
    assert registration.payments.get().paid_on == timezone.localdate()


def test_a_registration_cannot_be_corrected_to_a_date_after_today(
    client_a, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a)
    response = client_a.post(
        reverse("compliance:registration_edit", args=[registration.pk]),
        {
            "bpjs_project_number": registration.bpjs_project_number,
            "registered_on": days_from_today(1),
            "coverage_start": registration.coverage_start.isoformat(),
            "coverage_end": registration.coverage_end.isoformat(),
        },
    )
    assert response.context["form"].errors["registered_on"] == [
        "The registration date cannot be later than today."
    ]
    assert Registration.objects.get().registered_on == registration.registered_on


def test_a_later_payment_dated_after_today_is_refused(client_a, project_of_contractor_a):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    response = client_a.post(
        reverse("compliance:payment_create", args=[registration.pk]),
        {
            "kind": "full",
            "amount": "1.375.000",
            "paid_on": days_from_today(1),
            "receipt_number": "K",
        },
    )
    assert response.context["form"].errors["paid_on"] == [
        "The payment date cannot be later than today."
    ]
    assert not Payment.objects.exists()


def test_the_date_pickers_offer_no_day_after_today(client_a, project_of_contractor_a):
    form = client_a.get(
        reverse("compliance:registration_create", args=[project_of_contractor_a.pk])
    ).context["form"]
    today = days_from_today(0)
    assert form.fields["registered_on"].widget.attrs["max"] == today
    assert form.fields["paid_on"].widget.attrs["max"] == today
    assert "max" not in form.fields["coverage_end"].widget.attrs


@override("en")
def test_the_services_refuse_dates_after_today_whoever_calls_them(project_of_contractor_a):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.record_registration(
            project=project_of_contractor_a,
            bpjs_project_number="2300012345678",
            registered_on=tomorrow,
            coverage_start=project_of_contractor_a.start_date,
            coverage_end=project_of_contractor_a.current_end_date,
        )
    assert refused.value.message_dict == {
        "registered_on": ["The registration date cannot be later than today."]
    }
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    with pytest.raises(ValidationError) as refused:
        services.record_payment(
            registration=registration, amount=Decimal(1), paid_on=tomorrow, receipt_number="K-1"
        )
    assert refused.value.message_dict == {
        "paid_on": ["The payment date cannot be later than today."]
    }
    assert not Payment.objects.exists()


# --- Evidence downloads -----------------------------------------------------------------------


@pytest.fixture
def evidence_of_a(client_a, project_of_contractor_a):
    client_a.post(
        reverse("compliance:registration_create", args=[project_of_contractor_a.pk]),
        registration_data(project_of_contractor_a),
    )
    return RegistrationEvidence.objects.get(kind="certificate")


def test_the_company_downloads_its_evidence_as_an_attachment(client_a, evidence_of_a):
    response = client_a.get(reverse("compliance:evidence_download", args=[evidence_of_a.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_regions_office_downloads_it_and_another_region_gets_a_404(
    client, evidence_of_a, bekasi_office_user, tanbu_office_user
):
    url = reverse("compliance:evidence_download", args=[evidence_of_a.pk])
    client.force_login(bekasi_office_user)
    assert client.get(url).status_code == 200
    client.force_login(tanbu_office_user)
    assert client.get(url).status_code == 404


def test_evidence_is_not_served_from_a_media_url(client_a, evidence_of_a):
    assert client_a.get("/private-media/" + evidence_of_a.file.name).status_code == 404


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("compliance:registration_create", "project"),
        ("compliance:registration_edit", "registration"),
        ("compliance:payment_create", "registration"),
        ("compliance:evidence_download", "evidence"),
    ],
)
def test_another_companys_ids_are_404_on_every_registration_url(
    client, contractor_b_user, evidence_of_a, name, kind
):
    registration = evidence_of_a.registration
    pk = {
        "project": registration.project_id,
        "registration": registration.pk,
        "evidence": evidence_of_a.pk,
    }[kind]
    client.force_login(contractor_b_user)
    assert client.get(reverse(name, args=[pk])).status_code == 404
    if name != "compliance:evidence_download":
        assert client.post(reverse(name, args=[pk]), {}).status_code == 404


def test_anonymous_cannot_download_evidence(client, evidence_of_a):
    client.logout()  # the fixture recorded it logged in as kontraktor.a
    response = client.get(reverse("compliance:evidence_download", args=[evidence_of_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- The signed upload link -------------------------------------------------------------------


def link_path(project):
    return reverse(
        "compliance:upload_by_link", args=[upload_links.make_token(project_id=project.pk)]
    )


def test_the_link_records_the_registration_without_login_and_works_once(
    client, project_of_contractor_a
):
    path = link_path(project_of_contractor_a)
    assert project_of_contractor_a.name in client.get(path).content.decode()

    response = client.post(path, registration_data(project_of_contractor_a))
    assert response.status_code == 200
    registration = Registration.objects.get(project=project_of_contractor_a)
    assert registration.status == Registration.Status.SUBMITTED
    assert registration.submitted_by is None
    assert registration.evidence.count() == 2
    assert UsedUploadLink.objects.get().registration == registration

    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This link was already used." in again


def test_a_tampered_link_is_refused(client, project_of_contractor_a):
    path = link_path(project_of_contractor_a).replace(":", "x", 1)
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This link is not valid." in page


def test_an_expired_link_is_refused(client, project_of_contractor_a, settings):
    settings.PANTAU_UPLOAD_LINK_DAYS = 14
    with time_machine.travel(date(2026, 3, 1), tick=False):
        path = link_path(project_of_contractor_a)
    with time_machine.travel(date(2026, 3, 16), tick=False):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This link has expired." in page
    assert not Registration.objects.exists()


def test_with_a_registration_already_recorded_the_link_only_adds_documents(
    client, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a)
    path = link_path(project_of_contractor_a)
    form = client.get(path).context["form"]
    assert set(form.fields) == {"certificate", "receipt"}

    client.post(path, {"receipt": SimpleUploadedFile("kw.pdf", PDF, "application/pdf")})
    assert registration.evidence.get().original_name == "kw.pdf"


def test_the_link_is_absolute_for_emails(settings, project_of_contractor_a):
    settings.PANTAU_SITE_URL = "https://pantau.bekasikota.go.id"
    url = upload_links.link_for(project_id=project_of_contractor_a.pk)
    assert url.startswith("https://pantau.bekasikota.go.id/projects/upload/")


def test_the_link_refuses_a_payment_dated_after_today(client, project_of_contractor_a):
    path = link_path(project_of_contractor_a)
    response = client.post(
        path,
        registration_data(project_of_contractor_a, paid_on=days_from_today(1)),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "The payment date cannot be later than today." in response.content.decode()
    assert not Registration.objects.exists()
    assert not UsedUploadLink.objects.exists()  # the link still works once corrected


def test_the_link_opens_in_the_mails_language_unless_the_browser_chose_one(
    client, project_of_contractor_a, settings
):
    with override("en"):
        english = upload_links.link_for(project_id=project_of_contractor_a.pk)
    with override("id"):
        indonesian = upload_links.link_for(project_id=project_of_contractor_a.pk)
    assert english.endswith("?lang=en") and indonesian.endswith("?lang=id")
    path = english.removeprefix(settings.PANTAU_SITE_URL.rstrip("/"))

    # An Indonesian browser opens the English mail's link in English, and back from a bad post.
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="id")
    assert page["Content-Language"] == "en"
    assert client.post(path, {}, HTTP_ACCEPT_LANGUAGE="id")["Content-Language"] == "en"
    # A language chosen in this browser (the switcher's cookie) wins.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert client.get(path)["Content-Language"] == "id"


def test_the_edit_form_sent_back_untouched_saves_and_changes_nothing(
    client_a, project_of_contractor_a
):
    registration = factories.make_registration(project_of_contractor_a)
    url = reverse("compliance:registration_edit", args=[registration.pk])
    form = client_a.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False, "")}

    response = client_a.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    before = {
        f: getattr(registration, f) for f in ("bpjs_project_number", "coverage_end", "status")
    }
    registration.refresh_from_db()
    assert {f: getattr(registration, f) for f in before} == before
