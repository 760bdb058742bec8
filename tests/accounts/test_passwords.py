"""Password reset by email (Django's views, our templates) and password change."""

import pytest
from django.urls import reverse

from .conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Genteng-biru-2027?"


@pytest.fixture
def budi(contractor_a_user):
    contractor_a_user.email = "budi@karya-bekasi.co.id"
    contractor_a_user.first_name = "Budi"
    contractor_a_user.preferred_language = "en"
    contractor_a_user.set_password(PASSWORD)
    contractor_a_user.save()
    return contractor_a_user


def test_a_password_reset_goes_end_to_end_through_the_mail(client, budi, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "BUDI@karya-bekasi.co.id"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["budi@karya-bekasi.co.id"]
    assert mail.subject == "Choose a new password for Pantau Jakon"  # Budi's language: English
    assert "Hello Budi," in mail.body

    path = link_in(mail, "/accounts/password/reset/")
    form_page = client.get(path, follow=True)  # Django swaps the token for a session marker
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    budi.refresh_from_db()
    assert budi.check_password(NEW_PASSWORD)

    # The link is single use.
    assert not client.get(path, follow=True).context["validlink"]


def test_the_reset_mail_speaks_indonesian_to_an_indonesian_user(client, budi, mailoutbox):
    budi.preferred_language = "id"
    budi.save()
    client.post(
        reverse("accounts:password_reset"), {"email": budi.email}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # An Indonesian greeting, though the request asked for English.
    assert mailoutbox[0].body.startswith("Yth. Budi,")


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client, reference_data, mailoutbox
):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.id"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_a_weak_new_password_is_refused_on_reset(client, budi, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": budi.email})
    form_page = client.get(link_in(mailoutbox[0], "/accounts/password/reset/"), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 200
    budi.refresh_from_db()
    assert budi.check_password(PASSWORD)


def test_a_user_changes_their_password_and_stays_logged_in(client, budi):
    client.force_login(budi)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    budi.refresh_from_db()
    assert budi.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:password_change_done")).status_code == 200


def test_a_wrong_old_password_changes_nothing(client, budi):
    client.force_login(budi)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    budi.refresh_from_db()
    assert budi.check_password(PASSWORD)


@pytest.mark.parametrize(
    "weak, message",
    [
        ("Genteng-27", "Kata sandi terlalu pendek. Harus mengandung setidaknya 12 karakter."),
        ("password1234", "Kata sandi ini terlalu umum."),
        ("202611300930", "Kata sandi ini seluruhnya terdiri dari angka."),
    ],
    ids=["shorter than 12", "common", "numeric"],
)
def test_a_weak_new_password_is_explained_in_indonesian(client, budi, weak, message):
    budi.preferred_language = "id"
    budi.save()
    client.force_login(budi)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    budi.refresh_from_db()
    assert budi.check_password(PASSWORD)


def test_changing_the_password_needs_a_login(client, reference_data):
    response = client.get(reverse("accounts:password_change"))
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "url_name",
    [
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
        "sign_up",
        "sign_up_sent",
        "sign_up_resend",
        "login",
    ],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_public_account_pages_render_in_both_languages(client, reference_data, url_name, language):
    response = client.get(reverse(f"accounts:{url_name}"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
