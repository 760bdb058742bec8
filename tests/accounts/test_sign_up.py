"""A contractor signs up, confirms the address from the mail, and lands logged in."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import services
from projects.models import Contractor, ContractorMembership
from tests import factories

from .conftest import PASSWORD, link_in, sign_up_data

pytestmark = pytest.mark.django_db

User = get_user_model()
CONFIRM_PREFIX = "/accounts/sign-up/confirm/"


def sign_up(client, **overrides):
    return client.post(reverse("accounts:sign_up"), sign_up_data(**overrides))


def assert_nothing_saved():
    assert not Contractor.objects.filter(legal_name="PT Beton Bekasi Sejahtera").exists()
    assert not User.objects.filter(email__iexact="siti@beton-bekasi.co.id").exists()
    assert not ContractorMembership.objects.filter(user__email="siti@beton-bekasi.co.id").exists()


def test_the_sign_up_page_lists_kab_kota_grouped_by_province(client, reference_data):
    page = client.get(reverse("accounts:sign_up"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<optgroup label="Jawa Barat">' in page
    assert '<option value="32.75">Kota Bekasi (32.75)</option>' in page  # not Kab. Bekasi (32.16)
    assert page.count("<option value=") >= 514 + 4  # kab/kota + qualifications


def test_a_sign_up_creates_an_unconfirmed_company_and_an_inactive_admin(
    client, reference_data, mailoutbox
):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_up_sent")

    contractor = Contractor.objects.get(legal_name="PT Beton Bekasi Sejahtera")
    assert len(contractor.npwp) == 16 and contractor.npwp.startswith("0")  # printed form normalised
    assert contractor.nib == "1234567890123"
    assert contractor.regency.code == "32.75"
    assert contractor.province.code == "32"  # follows from the kab/kota
    assert contractor.source == Contractor.Source.SIGN_UP
    assert contractor.confirmed_at is None
    user = User.objects.get(email="siti@beton-bekasi.co.id")
    assert user.username == "siti@beton-bekasi.co.id"
    assert user.get_full_name() == "Siti Rahayu"
    assert not user.is_active
    assert user.check_password(PASSWORD)
    assert user.contractor_membership.contractor == contractor
    assert user.contractor_membership.is_company_admin
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["siti@beton-bekasi.co.id"]


def test_the_confirmation_link_activates_logs_in_and_lands_on_home(
    client, reference_data, mailoutbox
):
    sign_up(client)
    path = link_in(mailoutbox[0], CONFIRM_PREFIX)

    page = client.get(path)
    assert page.status_code == 200
    assert not User.objects.get(email="siti@beton-bekasi.co.id").is_active  # GET changes nothing

    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="siti@beton-bekasi.co.id")
    assert user.is_active
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_used_confirmation_link_says_so(client, reference_data, mailoutbox):
    sign_up(client)
    path = link_in(mailoutbox[0], CONFIRM_PREFIX)
    client.post(path)
    client.logout()

    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "already used" in page
    client.post(path)
    assert "_auth_user_id" not in client.session


def test_an_expired_confirmation_link_says_so_and_offers_a_new_one(
    client, reference_data, mailoutbox, settings
):
    sign_up(client)
    path = link_in(mailoutbox[0], CONFIRM_PREFIX)
    later = timezone.now() + timedelta(days=settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS, hours=1)
    with time_machine.travel(later):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "expired" in page
        assert reverse("accounts:sign_up_resend") in page
        client.post(path)
    assert not User.objects.get(email="siti@beton-bekasi.co.id").is_active


def test_a_tampered_confirmation_link_is_refused(client, reference_data, mailoutbox):
    sign_up(client)
    path = link_in(mailoutbox[0], CONFIRM_PREFIX)
    token = path.removeprefix(CONFIRM_PREFIX).rstrip("/")
    tampered = reverse(
        "accounts:sign_up_confirm", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")]
    )

    page = client.get(tampered, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not valid" in page
    client.post(tampered)
    assert not User.objects.get(email="siti@beton-bekasi.co.id").is_active


def test_a_link_signed_for_another_user_id_is_refused(client, reference_data, contractor_a_user):
    forged = services.signing.dumps([contractor_a_user.pk, "x" * 20], salt="not-our-salt")
    page = client.get(reverse("accounts:sign_up_confirm", args=[forged]))
    assert page.context["problem"] == "invalid"


def test_login_is_refused_before_confirmation_with_a_clear_message(
    client, reference_data, mailoutbox
):
    sign_up(client)
    response = client.post(
        reverse("accounts:login"),
        {"username": "Siti@Beton-Bekasi.co.id", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Confirm your email address first" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_after_confirmation_the_person_logs_in_with_the_email(client, reference_data, mailoutbox):
    sign_up(client)
    client.post(link_in(mailoutbox[0], CONFIRM_PREFIX))
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "SITI@beton-bekasi.co.id", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_before_confirmation_reveals_nothing(client, reference_data, mailoutbox):
    sign_up(client)
    response = client.post(
        reverse("accounts:login"),
        {"username": "siti@beton-bekasi.co.id", "password": "not-the-password"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Confirm your email address" not in response.content.decode()


def test_resending_sends_a_fresh_link_that_works(client, reference_data, mailoutbox):
    sign_up(client)
    response = client.post(reverse("accounts:sign_up_resend"), {"email": "siti@beton-bekasi.co.id"})
    assert response["Location"] == reverse("accounts:sign_up_sent")
    assert len(mailoutbox) == 2
    client.post(link_in(mailoutbox[1], CONFIRM_PREFIX))
    assert User.objects.get(email="siti@beton-bekasi.co.id").is_active


def test_resending_to_an_unknown_or_active_address_sends_nothing(
    client, reference_data, mailoutbox, contractor_a_user
):
    contractor_a_user.email = "budi@karya-bekasi.co.id"
    contractor_a_user.save()
    for email in ["nobody@example.id", "budi@karya-bekasi.co.id"]:
        response = client.post(reverse("accounts:sign_up_resend"), {"email": email})
        assert response["Location"] == reverse("accounts:sign_up_sent")  # same answer
    assert mailoutbox == []


def test_the_confirmation_mail_is_in_english_for_an_english_sign_up(
    client, reference_data, mailoutbox
):
    client.post(reverse("accounts:sign_up"), sign_up_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert User.objects.get(email="siti@beton-bekasi.co.id").preferred_language == "en"
    assert "Confirm your email address" in mailoutbox[0].subject


# --- Validation: each bad value is shown on its field, and nothing is saved --------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("npwp", "01.234.567.8-901.00"),  # 14 digits
        ("npwp", "01.234.567.9-901.000"),  # wrong check digit
        ("nib", "12345"),
        ("nib", "12345678901AB"),
        ("regency", "32"),  # a province, not a kab/kota
        ("email", "not-an-email"),
        ("legal_name", ""),
        ("qualification", "giant"),
    ],
)
def test_a_bad_value_is_shown_on_its_field_and_nothing_is_saved(
    client, reference_data, mailoutbox, field, value
):
    response = sign_up(client, **{field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert_nothing_saved()
    assert mailoutbox == []


def test_a_registered_npwp_asks_for_an_invitation_without_naming_the_admin(
    client, contractor_a_user, mailoutbox
):
    contractor_a_user.email = "budi@karya-bekasi.co.id"
    contractor_a_user.first_name = "Budi"
    contractor_a_user.save()
    contractor = contractor_a_user.contractor_membership.contractor
    response = client.post(
        reverse("accounts:sign_up"),
        sign_up_data(npwp=contractor.npwp[1:]),  # the 15-digit form of the same NPWP
        HTTP_ACCEPT_LANGUAGE="en",
    )
    errors = response.context["form"].errors["npwp"]
    assert "Ask your company's admin to invite you" in errors[0]
    page = response.content.decode()
    assert "budi@karya-bekasi.co.id" not in page and "Budi" not in page
    assert_nothing_saved()
    assert mailoutbox == []


def test_a_registered_nib_is_refused(client, reference_data):
    factories.make_contractor(nib="1234567890123")
    response = sign_up(client)
    assert response.context["form"].errors["nib"]
    assert_nothing_saved()


def test_an_email_already_in_use_is_refused_whatever_its_case(client, contractor_a_user):
    contractor_a_user.email = "siti@beton-bekasi.co.id"
    contractor_a_user.save()
    response = sign_up(client, email="SITI@Beton-Bekasi.co.id")
    assert response.context["form"].errors["email"]
    assert not Contractor.objects.filter(legal_name="PT Beton Bekasi Sejahtera").exists()


@pytest.mark.parametrize(
    "password",
    ["short-1", "1234567890123", "password123", "siti@beton-bekasi"],
    ids=["too short", "numeric", "common", "like the email"],
)
def test_a_weak_password_is_refused_by_djangos_validators(client, reference_data, password):
    response = sign_up(client, password=password, password_confirm=password)
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert_nothing_saved()


def test_two_different_passwords_are_refused(client, reference_data):
    response = sign_up(client, password_confirm=PASSWORD + "x")
    assert response.context["form"].errors["password_confirm"]
    assert_nothing_saved()


def test_the_service_saves_nothing_when_the_account_part_fails(reference_data):
    from reference.models import Region

    data = sign_up_data(password="short")
    data.pop("password_confirm")
    data["regency"] = Region.objects.get(code="32.75")
    data["npwp"] = factories.make_npwp()
    with pytest.raises(services.ValidationError):
        services.sign_up_contractor(**data, language="id")
    assert_nothing_saved()


def test_a_logged_in_user_is_sent_home_from_the_sign_up_page(client, contractor_a_user):
    client.force_login(contractor_a_user)
    assert client.get(reverse("accounts:sign_up"))["Location"] == reverse("home")


def test_the_confirmation_mail_is_in_indonesian_by_default(client, reference_data, mailoutbox):
    client.post(reverse("accounts:sign_up"), sign_up_data(), HTTP_ACCEPT_LANGUAGE="id")
    assert User.objects.get(email="siti@beton-bekasi.co.id").preferred_language == "id"
    assert mailoutbox[0].body.startswith("Yth. Siti Rahayu,")


def test_a_sign_up_whose_link_expired_unused_frees_its_npwp_and_address(
    client, reference_data, mailoutbox, settings
):
    npwp = factories.make_npwp()
    sign_up(client, npwp=npwp, email="typo@beton-bekasi.co.id")
    first = Contractor.objects.get(npwp=npwp)
    days = settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS

    with time_machine.travel(timezone.now() + timedelta(days=days - 1)):
        response = sign_up(client, npwp=npwp, email="typo@beton-bekasi.co.id")
        assert response.context["form"].errors["npwp"]  # still within its link's life
        assert response.context["form"].errors["email"]

    with time_machine.travel(timezone.now() + timedelta(days=days, hours=1)):
        response = sign_up(client, npwp=npwp, email="siti@beton-bekasi.co.id")
    assert response.status_code == 302
    assert not Contractor.objects.filter(pk=first.pk).exists()
    assert not User.objects.filter(email="typo@beton-bekasi.co.id").exists()
    assert Contractor.objects.get(npwp=npwp).memberships.get().user.email == (
        "siti@beton-bekasi.co.id"
    )


def test_a_company_in_use_is_never_discarded(client, contractor_a_user, settings):
    contractor = contractor_a_user.contractor_membership.contractor
    Contractor.objects.filter(pk=contractor.pk).update(source=Contractor.Source.SIGN_UP)
    contractor_a_user.is_active = False  # e.g. a colleague removed, but they had logged in
    contractor_a_user.last_login = timezone.now()
    contractor_a_user.save()
    days = settings.PANTAU_SIGN_UP_CONFIRMATION_DAYS + 1
    with time_machine.travel(timezone.now() + timedelta(days=days)):
        response = sign_up(client, npwp=contractor.npwp)
    assert response.context["form"].errors["npwp"]
    assert Contractor.objects.filter(pk=contractor.pk).exists()
