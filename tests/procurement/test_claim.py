"""A company created by a procurement import has no users: its people claim it by signing up
with its NPWP, and see its projects once the office of the region confirmed the claim."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import services
from projects.models import Contractor, Project
from reference.identifiers import format_npwp
from tests.accounts.conftest import link_in, sign_up_data

from .conftest import CONTRACT_JSON, check_and_run

pytestmark = pytest.mark.django_db

User = get_user_model()
NPWP_MITRA = "0020001020432000"  # CV Mitra Bangun Sejahtera, only in the e-contract file


@pytest.fixture
def imported_company(bekasi_office_user):
    check_and_run(CONTRACT_JSON, bekasi_office_user)
    return Contractor.objects.get(npwp=NPWP_MITRA)


def claim(client, **overrides):
    fields = {
        "npwp": format_npwp(NPWP_MITRA),
        "legal_name": "CV Mitra Bangun Sejahtera",
        "email": "dedi@mitrabangun.co.id",
        "nib": "9120001234567",
    }
    data = sign_up_data(**{**fields, **overrides})
    return client.post(reverse("accounts:sign_up"), data, HTTP_ACCEPT_LANGUAGE="en")


def test_signing_up_with_an_imported_npwp_makes_the_person_its_admin_pending_confirmation(
    client, imported_company, mailoutbox
):
    assert not imported_company.memberships.exists()
    response = claim(client)
    assert response["Location"] == reverse("accounts:sign_up_sent")
    user = User.objects.get(email="dedi@mitrabangun.co.id")
    assert user.contractor_membership.contractor == imported_company
    assert user.contractor_membership.is_company_admin
    imported_company.refresh_from_db()
    assert imported_company.nib == "9120001234567"
    assert imported_company.source == Contractor.Source.PROCUREMENT
    assert imported_company.confirmed_at is None
    assert Contractor.objects.filter(npwp=NPWP_MITRA).count() == 1
    assert len(mailoutbox) == 1


def test_the_claimant_sees_the_projects_only_after_the_office_confirmed(
    client, imported_company, bekasi_office_user, mailoutbox
):
    claim(client)
    client.post(link_in(mailoutbox[0], "/accounts/sign-up/confirm/"))  # confirms, logs in
    project = Project.objects.get(contractor=imported_company)
    page = client.get(reverse("projects:list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "checks your claim first" in page.content.decode()
    assert client.get(project.get_absolute_url()).status_code == 404

    office = client.__class__()
    office.force_login(bekasi_office_user)
    waiting = office.get(reverse("accounts:contractor_confirmations"))
    assert "CV Mitra Bangun Sejahtera" in waiting.content.decode()
    assert "dedi@mitrabangun.co.id" in waiting.content.decode()
    office.post(reverse("accounts:contractor_confirm", args=[imported_company.pk]))

    assert client.get(project.get_absolute_url()).status_code == 200
    assert "checks your claim first" not in client.get(reverse("projects:list")).content.decode()


def test_a_second_claim_is_told_to_ask_the_admin(client, imported_company):
    claim(client)
    response = claim(client, email="other@mitrabangun.co.id", nib="9120001234999")
    assert "Ask your company's admin to invite you" in response.context["form"].errors["npwp"][0]
    assert imported_company.memberships.count() == 1


def test_a_company_that_signed_up_itself_cannot_be_claimed(client, contractor_a):
    response = claim(client, npwp=format_npwp(contractor_a.npwp))
    assert "Ask your company's admin" in response.context["form"].errors["npwp"][0]
    assert not contractor_a.memberships.exists()


def test_a_confirmed_import_is_confirmed_again_after_a_claim(client, imported_company, superuser):
    services.confirm_contractor(contractor=imported_company, by=superuser, now=timezone.now())
    claim(client)
    imported_company.refresh_from_db()
    assert imported_company.confirmed_at is None
