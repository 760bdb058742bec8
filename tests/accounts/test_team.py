"""A company admin's team: invite by email, accept, revoke, remove; others see or get 404."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from projects.models import ContractorMembership
from tests import factories

from .conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

User = get_user_model()
INVITE_PREFIX = "/accounts/invitations/"


def invite(client, admin, email="rina@karya-bekasi.co.id", language="en"):
    client.force_login(admin)
    return client.post(reverse("accounts:team_invite"), {"email": email, "language": language})


def accept(client, path, full_name="Rina Wulandari", password=PASSWORD):
    return client.post(
        path, {"full_name": full_name, "password": password, "password_confirm": password}
    )


@pytest.fixture
def colleague_of_a(contractor_a):
    return factories.make_contractor_user("rina", contractor=contractor_a, is_company_admin=False)


def test_the_team_page_lists_the_companys_people_only(
    client, contractor_a_user, colleague_of_a, contractor_b_user
):
    client.force_login(contractor_a_user)
    page = client.get(reverse("accounts:team")).content.decode()
    assert "kontraktor.a" in page and "rina" in page
    assert "kontraktor.b" not in page


def test_office_staff_have_no_team_page(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    assert client.get(reverse("accounts:team")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, reference_data):
    response = client.get(reverse("accounts:team"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_admin_invites_a_colleague_who_joins_and_lands_home(
    client, contractor_a_user, mailoutbox
):
    response = invite(client, contractor_a_user)
    assert response["Location"] == reverse("accounts:team")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["rina@karya-bekasi.co.id"]
    assert "PT Karya Bekasi Utama" in mail.subject  # English, as the admin chose
    invitation = Invitation.objects.get()
    assert len(invitation.token_hash) == 64  # only the hash is stored
    assert invitation.token_hash not in mail.body

    client.logout()
    path = link_in(mail, INVITE_PREFIX)
    assert "PT Karya Bekasi Utama" in client.get(path).content.decode()
    response = accept(client, path)
    assert response["Location"] == reverse("home")

    user = User.objects.get(email="rina@karya-bekasi.co.id")
    assert user.is_active and user.get_full_name() == "Rina Wulandari"
    assert user.preferred_language == "en"
    assert (
        user.contractor_membership.contractor == contractor_a_user.contractor_membership.contractor
    )
    assert not user.contractor_membership.is_company_admin
    assert client.session["_auth_user_id"] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_an_invitation_cannot_be_used_twice(client, contractor_a_user, mailoutbox):
    invite(client, contractor_a_user)
    client.logout()
    path = link_in(mailoutbox[0], INVITE_PREFIX)
    accept(client, path)
    client.logout()

    response = accept(client, path, full_name="Someone Else")
    assert "already used" in response.content.decode() or response.context["state"] == "accepted"
    assert User.objects.filter(email__iexact="rina@karya-bekasi.co.id").count() == 1
    assert User.objects.get(email="rina@karya-bekasi.co.id").get_full_name() == "Rina Wulandari"


def test_the_service_refuses_a_second_acceptance(client, contractor_a_user, mailoutbox):
    _invitation, token = services.invite_colleague(
        admin=contractor_a_user, email="rina@karya-bekasi.co.id", language="id", now=timezone.now()
    )
    services.accept_invitation(token=token, full_name="Rina", password=PASSWORD, now=timezone.now())
    with pytest.raises(services.ValidationError):
        services.accept_invitation(
            token=token, full_name="Rina", password=PASSWORD, now=timezone.now()
        )


def test_an_expired_invitation_says_so(client, contractor_a_user, mailoutbox, settings):
    invite(client, contractor_a_user)
    client.logout()
    path = link_in(mailoutbox[0], INVITE_PREFIX)
    with time_machine.travel(
        timezone.now() + timedelta(days=settings.PANTAU_INVITATION_DAYS, hours=1)
    ):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.context["state"] == "expired"
        assert "expired" in page.content.decode()
        accept(client, path)
    assert not User.objects.filter(email="rina@karya-bekasi.co.id").exists()


def test_a_revoked_invitation_cannot_be_accepted(client, contractor_a_user, mailoutbox):
    invite(client, contractor_a_user)
    invitation = Invitation.objects.get()
    response = client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response["Location"] == reverse("accounts:team")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    client.logout()
    path = link_in(mailoutbox[0], INVITE_PREFIX)
    assert client.get(path).context["state"] == "revoked"
    accept(client, path)
    assert not User.objects.filter(email="rina@karya-bekasi.co.id").exists()


def test_a_made_up_invitation_token_is_404(client, reference_data):
    assert client.get(reverse("accounts:invitation_accept", args=["made-up"])).status_code == 404


def test_inviting_the_same_address_again_replaces_the_open_invitation(
    client, contractor_a_user, mailoutbox
):
    invite(client, contractor_a_user)
    invite(client, contractor_a_user, email="RINA@karya-bekasi.co.id")
    assert Invitation.objects.count() == 2
    assert Invitation.objects.filter(revoked_at=None).count() == 1
    client.logout()
    assert client.get(link_in(mailoutbox[0], INVITE_PREFIX)).context["state"] == "revoked"
    assert client.get(link_in(mailoutbox[1], INVITE_PREFIX)).context["state"] == "open"


def test_an_address_with_an_account_cannot_be_invited(client, contractor_a_user, contractor_b_user):
    contractor_b_user.email = "budi@tanbu-jaya.co.id"
    contractor_b_user.save()
    response = invite(client, contractor_a_user, email="Budi@tanbu-jaya.co.id")
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


def test_a_bad_accept_form_saves_nothing(client, contractor_a_user, mailoutbox):
    invite(client, contractor_a_user)
    client.logout()
    path = link_in(mailoutbox[0], INVITE_PREFIX)
    response = accept(client, path, password="1234567890")
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(email="rina@karya-bekasi.co.id").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_member_who_is_not_admin_sees_the_team_but_cannot_change_it(
    client, contractor_a_user, colleague_of_a
):
    invitation, _token = services.invite_colleague(
        admin=contractor_a_user, email="x@karya.id", language="id", now=timezone.now()
    )
    client.force_login(colleague_of_a)
    page = client.get(reverse("accounts:team")).content.decode()
    assert "kontraktor.a" in page and "x@karya.id" in page
    assert reverse("accounts:team_invite") not in page
    assert (
        client.post(
            reverse("accounts:team_invite"), {"email": "y@k.id", "language": "id"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 403
    )
    membership = contractor_a_user.contractor_membership
    assert client.post(reverse("accounts:member_remove", args=[membership.pk])).status_code == 403
    assert Invitation.objects.filter(revoked_at=None).count() == 1
    assert ContractorMembership.objects.filter(pk=membership.pk).exists()


def test_an_admin_removes_a_colleague_whose_access_ends(client, contractor_a_user, colleague_of_a):
    other = client.__class__()
    other.force_login(colleague_of_a)
    client.force_login(contractor_a_user)
    membership = colleague_of_a.contractor_membership
    response = client.post(reverse("accounts:member_remove", args=[membership.pk]))
    assert response["Location"] == reverse("accounts:team")
    colleague_of_a.refresh_from_db()
    assert not colleague_of_a.is_active
    assert not ContractorMembership.objects.filter(pk=membership.pk).exists()
    # Their open session ends with the access.
    assert other.get(reverse("accounts:team"))["Location"].startswith(reverse("accounts:login"))


def test_an_admin_cannot_remove_themselves(client, contractor_a_user):
    client.force_login(contractor_a_user)
    membership = contractor_a_user.contractor_membership
    client.post(reverse("accounts:member_remove", args=[membership.pk]))
    assert ContractorMembership.objects.filter(pk=membership.pk).exists()
    contractor_a_user.refresh_from_db()
    assert contractor_a_user.is_active


def test_the_last_admin_cannot_be_removed(contractor_a_user, colleague_of_a):
    # Through the service: the view never offers it, since the last admin is the remover.
    with pytest.raises(services.ValidationError):
        services.remove_colleague(
            membership=contractor_a_user.contractor_membership, by=contractor_a_user
        )
    second_admin = factories.make_contractor_user(
        "dewi", contractor=contractor_a_user.contractor_membership.contractor
    )
    services.remove_colleague(membership=second_admin.contractor_membership, by=contractor_a_user)
    assert (
        ContractorMembership.objects.filter(
            contractor=contractor_a_user.contractor_membership.contractor, is_company_admin=True
        ).count()
        == 1
    )


def test_a_removed_colleague_can_be_invited_back(
    client, contractor_a_user, colleague_of_a, mailoutbox
):
    colleague_of_a.email = "rina@karya-bekasi.co.id"
    colleague_of_a.save()
    services.remove_colleague(membership=colleague_of_a.contractor_membership, by=contractor_a_user)
    invite(client, contractor_a_user)
    client.logout()
    accept(client, link_in(mailoutbox[0], INVITE_PREFIX), full_name="Rina Kembali")
    colleague_of_a.refresh_from_db()
    assert colleague_of_a.is_active and colleague_of_a.get_full_name() == "Rina Kembali"
    assert (
        colleague_of_a.contractor_membership.contractor_id
        == contractor_a_user.contractor_membership.contractor_id
    )


# --- Another company's ids are 404 ---------------------------------------------------------------


def test_another_companys_invitation_is_404(client, contractor_a_user, contractor_b_user):
    invitation, _token = services.invite_colleague(
        admin=contractor_a_user, email="x@karya.id", language="id", now=timezone.now()
    )
    client.force_login(contractor_b_user)
    assert (
        client.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 404
    )
    assert Invitation.objects.get().revoked_at is None


def test_another_companys_member_is_404(
    client, contractor_a_user, colleague_of_a, contractor_b_user
):
    client.force_login(contractor_b_user)
    membership = colleague_of_a.contractor_membership
    assert client.post(reverse("accounts:member_remove", args=[membership.pk])).status_code == 404
    assert ContractorMembership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("persona", ["bekasi_office_user", "superuser"])
def test_office_staff_and_superusers_cannot_touch_a_companys_team(
    client, request, persona, contractor_a_user, colleague_of_a
):
    invitation, _token = services.invite_colleague(
        admin=contractor_a_user, email="x@karya.id", language="id", now=timezone.now()
    )
    client.force_login(request.getfixturevalue(persona))
    membership = colleague_of_a.contractor_membership
    assert (
        client.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 404
    )
    assert client.post(reverse("accounts:member_remove", args=[membership.pk])).status_code == 404


def test_team_actions_answer_only_post(client, contractor_a_user, colleague_of_a):
    client.force_login(contractor_a_user)
    membership = colleague_of_a.contractor_membership
    assert client.get(reverse("accounts:member_remove", args=[membership.pk])).status_code == 405
    assert ContractorMembership.objects.filter(pk=membership.pk).exists()


def test_the_invitation_speaks_the_language_the_admin_chose(client, contractor_a_user, mailoutbox):
    invite(client, contractor_a_user, language="id")
    assert mailoutbox[0].body.startswith("Yth. Bapak/Ibu,")
    client.logout()
    accept(client, link_in(mailoutbox[0], INVITE_PREFIX))
    assert User.objects.get(email="rina@karya-bekasi.co.id").preferred_language == "id"


def test_the_team_page_costs_a_few_queries_whatever_the_team_size(
    client, contractor_a_user, contractor_a, django_assert_max_num_queries
):
    for n in range(8):
        factories.make_contractor_user(f"staf{n}", contractor=contractor_a, is_company_admin=False)
        services.invite_colleague(
            admin=contractor_a_user, email=f"calon{n}@karya.id", language="id", now=timezone.now()
        )
    client.force_login(contractor_a_user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("accounts:team")).content.decode()
    assert "staf7" in page and "calon7@karya.id" in page


def test_anonymous_visitors_cannot_change_a_team(client, contractor_a_user, colleague_of_a):
    invitation, _token = services.invite_colleague(
        admin=contractor_a_user, email="x@karya.id", language="id", now=timezone.now()
    )
    membership = colleague_of_a.contractor_membership
    for url in [
        reverse("accounts:team_invite"),
        reverse("accounts:invitation_revoke", args=[invitation.pk]),
        reverse("accounts:member_remove", args=[membership.pk]),
    ]:
        response = client.post(url, {"email": "y@karya.id", "language": "id"})
        assert response["Location"].startswith(reverse("accounts:login"))
    assert Invitation.objects.get().revoked_at is None
    assert ContractorMembership.objects.filter(pk=membership.pk).exists()
