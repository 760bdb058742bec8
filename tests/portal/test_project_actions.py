"""Actions on the project page: offices verify or reject registrations and waive findings
(with reasons); contractors mark findings as being handled. Scope and roles from the outside."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import Office
from compliance.models import ComplianceFlag, FlagEvent, Registration
from tests import factories

pytestmark = [pytest.mark.django_db]

# The verify form's box: the documents were checked.
CHECKED = {"checked": "yes"}


def open_flag(project, rule="unregistered"):
    now = timezone.now()
    return ComplianceFlag.objects.create(
        project=project,
        rule=rule,
        severity=ComplianceFlag.Severity.VIOLATION,
        opened_at=now - timedelta(days=3),
        violation_since=now,
    )


@pytest.fixture
def registration(project_of_contractor_a):
    return factories.make_registration(project_of_contractor_a)


def test_the_office_verifies_a_registration_from_the_project_page(
    client, bekasi_office_user, registration
):
    client.force_login(bekasi_office_user)
    page = client.get(registration.project.get_absolute_url()).content.decode()
    verify = reverse("compliance:registration_verify", args=[registration.pk])
    assert verify in page

    client.post(verify, CHECKED)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.VERIFIED
    assert registration.verified_by == bekasi_office_user


def test_verifying_needs_the_box_that_says_the_documents_were_checked(
    client, bekasi_office_user, registration
):
    bekasi_office_user.preferred_language = "en"
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    verify = reverse("compliance:registration_verify", args=[registration.pk])
    page = client.get(registration.project.get_absolute_url()).content.decode()
    assert 'name="checked" value="yes" required' in page

    response = client.post(verify, follow=True)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.SUBMITTED and registration.verified_by is None
    assert "Nothing was verified: tick the box" in response.content.decode()


def test_a_rejection_needs_a_reason_and_then_shows_it(client, bekasi_office_user, registration):
    client.force_login(bekasi_office_user)
    url = reverse("compliance:registration_reject", args=[registration.pk])

    client.post(url, {"reason": "  "})
    registration.refresh_from_db()
    assert registration.status == Registration.Status.SUBMITTED

    response = client.post(url, {"reason": "Sertifikat tidak terbaca"}, follow=True)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REJECTED
    assert "Sertifikat tidak terbaca" in response.content.decode()


def test_a_bpjs_branch_verification_is_labelled_as_bpjs(client, registration):
    user = factories.make_office_user(
        "bpjs.bekasi",
        region_code="32.75",
        kind=Office.Kind.BPJS_BRANCH,
        name="BPJS Ketenagakerjaan Cabang Bekasi",
    )
    client.force_login(user)
    client.post(reverse("compliance:registration_verify", args=[registration.pk]), CHECKED)

    page = client.get(registration.project.get_absolute_url()).content.decode()
    assert "BPJS Ketenagakerjaan Cabang Bekasi" in page
    assert '<span class="badge ok">BPJS Ketenagakerjaan</span>' in page


@pytest.mark.parametrize("who", ["tanbu_office_user", "contractor_b_user"])
def test_another_region_or_company_gets_a_404_or_403_and_changes_nothing(
    client, request, registration, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("compliance:registration_verify", args=[registration.pk]), CHECKED
    )
    assert response.status_code in (403, 404)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.SUBMITTED


def test_a_contractor_cannot_verify_its_own_registration(client, contractor_a_user, registration):
    client.force_login(contractor_a_user)
    assert (
        client.post(
            reverse("compliance:registration_verify", args=[registration.pk]), CHECKED
        ).status_code
        == 403
    )


def test_a_read_only_office_cannot_waive(client, bekasi_readonly_user, project_of_contractor_a):
    flag = open_flag(project_of_contractor_a)
    client.force_login(bekasi_readonly_user)
    response = client.post(reverse("compliance:flag_waive", args=[flag.pk]), {"reason": "x"})
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.waived_at is None


def test_waive_and_undo_with_reasons_are_recorded_as_events(
    client, bekasi_office_user, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(bekasi_office_user)

    client.post(reverse("compliance:flag_waive", args=[flag.pk]), {"reason": "Proyek swakelola"})
    flag.refresh_from_db()
    assert flag.waived_at is not None and flag.waiver_reason == "Proyek swakelola"

    client.post(reverse("compliance:flag_undo_waiver", args=[flag.pk]), {"reason": "Keliru"})
    flag.refresh_from_db()
    assert flag.waived_at is None
    assert list(flag.events.values_list("kind", flat=True).order_by("at", "pk")) == [
        FlagEvent.Kind.WAIVED,
        FlagEvent.Kind.WAIVER_UNDONE,
    ]


def test_the_contractor_marks_a_finding_as_being_handled(
    client, contractor_a_user, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(contractor_a_user)
    page = client.post(
        reverse("compliance:flag_handling", args=[flag.pk]),
        {"note": "Pendaftaran sedang diproses di kantor cabang"},
        follow=True,
    ).content.decode()
    flag.refresh_from_db()
    assert flag.handling_note == "Pendaftaran sedang diproses di kantor cabang"
    assert "Pendaftaran sedang diproses di kantor cabang" in page


def test_a_finding_that_waits_for_the_office_offers_the_contractor_nothing_to_mark(
    client, contractor_a_user, project_of_contractor_a
):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save(update_fields=["preferred_language"])
    waiting = open_flag(project_of_contractor_a, rule="unverified")
    client.force_login(contractor_a_user)
    page = client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    assert reverse("compliance:flag_handling", args=[waiting.pk]) not in page

    page = client.post(
        reverse("compliance:flag_handling", args=[waiting.pk]), {"note": "Sudah"}, follow=True
    ).content.decode()
    assert "This finding waits for the office&#x27;s verification." in page
    waiting.refresh_from_db()
    assert waiting.handling_since is None and not waiting.events.exists()


def test_another_contractor_cannot_mark_the_finding(
    client, contractor_b_user, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(contractor_b_user)
    response = client.post(reverse("compliance:flag_handling", args=[flag.pk]), {"note": "x"})
    assert response.status_code == 404


def test_actions_refuse_get(client, bekasi_office_user, registration):
    client.force_login(bekasi_office_user)
    url = reverse("compliance:registration_verify", args=[registration.pk])
    assert client.get(url).status_code == 405


def test_a_bpjs_branch_cannot_waive_a_finding(client, project_of_contractor_a):
    flag = open_flag(project_of_contractor_a)
    branch_user = factories.make_office_user(
        "bpjs.bekasi", region_code="32.75", kind=Office.Kind.BPJS_BRANCH
    )
    branch_user.preferred_language = "en"
    branch_user.save(update_fields=["preferred_language"])
    client.force_login(branch_user)
    labour_office = factories.make_office_user("dinas.bekasi.2", region_code="32.75")
    labour_office.preferred_language = "en"
    labour_office.save(update_fields=["preferred_language"])
    client.force_login(labour_office)
    page = client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    assert ">Waive<" in page and ">Record as sent<" in page  # what the branch must not get
    client.force_login(branch_user)
    assert (
        ">Record as sent<"
        not in client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    )
    assert ">Waive<" not in client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    response = client.post(reverse("compliance:flag_waive", args=[flag.pk]), {"reason": "x"})
    assert response.status_code == 403


# --- Warning letters --------------------------------------------------------------------------


@pytest.fixture
def letterhead(bekasi_office_user):
    office = bekasi_office_user.office
    office.letterhead_government = "PEMERINTAH KOTA BEKASI"
    office.letterhead_agency = "DINAS KETENAGAKERJAAN"
    office.letter_city = "Bekasi"
    office.head_name = "Drs. Ika Indah Yarti, M.Si."
    office.head_title = "Kepala Dinas Ketenagakerjaan Kota Bekasi"
    office.save()
    return office


def test_the_office_prints_the_next_warning_letter_as_a_pdf(
    client, bekasi_office_user, letterhead, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(bekasi_office_user)
    response = client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {
            "number": "560/123/Disnaker",
            "sent_on": timezone.localdate().isoformat(),
            "action": "pdf",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    flag.refresh_from_db()
    assert flag.escalation_step == 0  # printing is not sending


def test_recording_the_letter_as_sent_advances_the_escalation_step(
    client, bekasi_office_user, letterhead, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(bekasi_office_user)
    client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {
            "number": "560/123/Disnaker",
            "sent_on": timezone.localdate().isoformat(),
            "action": "record",
        },
    )
    flag.refresh_from_db()
    assert flag.escalation_step == 1
    assert flag.letters.get().number == "560/123/Disnaker"


def test_a_finding_that_does_not_escalate_gets_no_letter(
    client, bekasi_office_user, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a, rule="no_workers")
    client.force_login(bekasi_office_user)
    response = client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {"number": "1", "sent_on": "2026-06-02", "action": "record"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    flag.refresh_from_db()
    assert flag.escalation_step == 0
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["tanbu_office_user", "contractor_a_user", "bekasi_readonly_user"])
def test_only_the_regions_labour_office_sends_letters(
    client, request, project_of_contractor_a, who
):
    flag = open_flag(project_of_contractor_a)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {"number": "1", "sent_on": "2026-06-02", "action": "record"},
    )
    assert response.status_code in (403, 404)
    flag.refresh_from_db()
    assert flag.escalation_step == 0


def test_a_bpjs_branch_sends_no_letters(client, project_of_contractor_a):
    flag = open_flag(project_of_contractor_a)
    client.force_login(
        factories.make_office_user("bpjs.bekasi", region_code="32.75", kind=Office.Kind.BPJS_BRANCH)
    )
    response = client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {"number": "1", "sent_on": "2026-06-02", "action": "pdf"},
    )
    assert response.status_code == 403


def test_a_bpjs_branch_verifies_and_adds_notes_but_does_not_change_contractors_data(
    client, registration
):
    project = registration.project
    branch_user = factories.make_office_user(
        "bpjs.bekasi", region_code="32.75", kind=Office.Kind.BPJS_BRANCH
    )
    branch_user.preferred_language = "en"
    branch_user.save(update_fields=["preferred_language"])
    client.force_login(branch_user)
    page = client.get(project.get_absolute_url()).content.decode()
    assert reverse("compliance:registration_verify", args=[registration.pk]) in page
    assert reverse("projects:note_create", args=[project.pk]) in page
    # The contractor's (and the labour office's) data: no links, and the pages are a 404.
    changing = [
        reverse("projects:edit", args=[project.pk]),
        reverse("projects:amendment_create", args=[project.pk]),
        reverse("compliance:registration_edit", args=[registration.pk]),
        reverse("compliance:payment_create", args=[registration.pk]),
        reverse("workers:add", args=[project.pk]),
        reverse("workers:import", args=[project.pk]),
    ]
    for url in changing:
        assert f'href="{url}"' not in page
        assert client.get(url).status_code == 404, url
    assert "Procurement" not in page

    client.post(reverse("projects:note_create", args=[project.pk]), {"text": "Dicek cabang"})
    client.post(reverse("compliance:registration_verify", args=[registration.pk]), CHECKED)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.VERIFIED
    assert "Dicek cabang" in client.get(project.get_absolute_url()).content.decode()


@pytest.fixture
def office_client(client, bekasi_office_user, letterhead):
    bekasi_office_user.preferred_language = "en"
    bekasi_office_user.save(update_fields=["preferred_language"])
    client.force_login(bekasi_office_user)
    return client


def in_english(day) -> str:
    with translation.override("en"):
        return date_format(day, "j F Y")


def send_letter(client, flag, *, number="560/123/Disnaker", sent_on, action="record"):
    return client.post(
        reverse("compliance:warning_letter", args=[flag.pk]),
        {"number": number, "sent_on": sent_on.isoformat(), "action": action},
        follow=True,
    )


@pytest.mark.parametrize("action", ["record", "pdf"])
def test_a_letter_dated_after_today_is_neither_printed_nor_recorded(
    office_client, project_of_contractor_a, action
):
    flag = open_flag(project_of_contractor_a)
    response = send_letter(office_client, flag, sent_on=date(2030, 1, 1), action=action)

    assert response["Content-Type"].startswith("text/html")  # back on the page, no PDF
    assert "Letter date: The letter date cannot be later than today." in response.content.decode()
    flag.refresh_from_db()
    assert flag.escalation_step == 0 and not flag.letters.exists()


def test_letter_ii_within_ten_days_of_letter_i_is_refused(office_client, project_of_contractor_a):
    flag = open_flag(project_of_contractor_a)
    today = timezone.localdate()
    send_letter(office_client, flag, sent_on=today)

    response = send_letter(office_client, flag, number="560/124", sent_on=today)

    assert (
        f"Letter date: The next letter can be dated from {in_english(today + timedelta(days=10))}:"
        f" 10 days after Warning letter I of {in_english(today)}, the time the company has to"
        " comply."
    ) in response.content.decode()
    flag.refresh_from_db()
    assert flag.escalation_step == 1
    assert list(flag.letters.values_list("number", flat=True)) == ["560/123/Disnaker"]


def test_a_letter_dated_before_the_finding_opened_is_refused(
    office_client, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)  # opened three days ago
    opened_on = timezone.localdate(flag.opened_at)

    response = send_letter(
        office_client, flag, sent_on=opened_on - timedelta(days=700), action="pdf"
    )

    assert response["Content-Type"].startswith("text/html")
    assert (
        "Letter date: The letter cannot be dated before the finding opened "
        f"({in_english(opened_on)})."
    ) in response.content.decode()


def test_a_letter_without_a_number_says_which_field_is_missing(
    office_client, project_of_contractor_a
):
    flag = open_flag(project_of_contractor_a)
    response = send_letter(office_client, flag, number="", sent_on=timezone.localdate())

    assert "Letter number: This field is required." in response.content.decode()
    assert not flag.letters.exists()


def test_the_letter_date_picker_offers_no_day_after_today(office_client, project_of_contractor_a):
    open_flag(project_of_contractor_a)
    page = office_client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    assert f'name="sent_on" type="date" value="{timezone.localdate():%Y-%m-%d}" max=' in page
