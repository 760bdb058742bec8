"""The contractor's project pages: 'my projects', registering and correcting a project, addenda,
seen from the outside as kontraktor.a, kontraktor.b, an office and anonymous."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceFlag
from projects.models import Amendment, Project, WorkUnit
from tests import factories

pytestmark = [pytest.mark.django_db]


def project_form_data(**overrides):
    data = {
        "name": "Rehabilitasi Jalan Siliwangi",
        "owner_name": "Dinas Bina Marga Kota Bekasi",
        "owner_ppk_email": "ppk@binamarga.bekasikota.go.id",
        "spk_number": "027/SPK/BM/2026",
        "spk_date": "2026-03-02",
        "start_date": "2026-03-16",
        "end_date": "2026-09-30",
        "contract_value": "832.500.000",
        "includes_ppn": "on",
        "ppn_rate": "11",
        "contribution_basis": "contract_value",
        "funding_source": Project.FundingSource.APBD_REGENCY,
        "regency": "32.75",
        "status": Project.Status.RUNNING,
        "planned_workforce": "40",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def client_a(client, contractor_a_user):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save(update_fields=["preferred_language"])
    client.force_login(contractor_a_user)
    return client


# --- Registering a project -------------------------------------------------------------------


@time_machine.travel(date(2026, 3, 3), tick=False)
def test_a_contractor_registers_a_project_and_its_value_before_ppn_is_derived(
    client_a, contractor_a
):
    response = client_a.post(reverse("projects:create"), project_form_data())

    project = Project.objects.get(spk_number="027/SPK/BM/2026")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.contractor == contractor_a
    assert project.current_base_value == Decimal("750000000.00")
    assert project.province.code == "32"
    assert project.work_unit.name == "Dinas Bina Marga Kota Bekasi"
    assert project.work_unit.ppk_email == "ppk@binamarga.bekasikota.go.id"
    assert project.needs_evaluation_at is not None


def _kecamatan(regency_code):
    from reference.models import Region

    return Region.objects.districts().filter(parent__code=regency_code).order_by("code").first()


def test_a_new_project_gets_its_kecamatan_in_the_same_form(client_a, contractor_a):
    kecamatan = _kecamatan("32.75")
    form_page = client_a.get(reverse("projects:create")).content.decode()
    # The contractor's own kab/kota is chosen first, and its kecamatan are offered.
    assert contractor_a.regency.code == "32.75"
    assert '<option value="32.75" selected>' in form_page
    assert f'<option value="{kecamatan.code}">' in form_page

    client_a.post(reverse("projects:create"), project_form_data(district=kecamatan.code))

    assert Project.objects.get(spk_number="027/SPK/BM/2026").district == kecamatan


def test_a_kecamatan_of_another_kab_kota_is_refused(client_a):
    response = client_a.post(
        reverse("projects:create"), project_form_data(district=_kecamatan("63.10").code)
    )

    assert response.context["form"].errors["district"] == [
        "Choose a district of the regency/city chosen."
    ]
    assert not Project.objects.exists()


def test_the_edit_form_starts_from_the_projects_kab_kota_and_kecamatan(client_a, contractor_a):
    kecamatan = _kecamatan("32.75")
    project = factories.make_project(contractor=contractor_a, district=kecamatan)
    url = reverse("projects:edit", args=[project.pk])

    page = client_a.get(url).content.decode()

    # Before, the kab/kota was not selected: saving an untouched form asked for it again.
    assert '<option value="32.75" selected>' in page
    assert f'<option value="{kecamatan.code}" selected>' in page
    form = client_a.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["includes_ppn"] = "on" if data.get("includes_ppn") else None
    response = client_a.post(url, {k: v for k, v in data.items() if v not in (None, False)})
    assert response.status_code == 302, response.context["form"].errors
    project.refresh_from_db()
    assert project.regency.code == "32.75" and project.district == kecamatan


def test_the_form_blocks_dates_out_of_order_with_the_message_on_the_field(client_a):
    response = client_a.post(
        reverse("projects:create"),
        project_form_data(start_date="2026-02-20", end_date="2026-02-10"),
    )

    form = response.context["form"]
    assert form.errors["start_date"] == ["The start (SPMK) date cannot be before the SPK date."]
    assert form.errors["end_date"] == ["The end date cannot be before the start date."]
    assert not Project.objects.exists()


@pytest.mark.parametrize("value", ["0", "-5", "dua juta"])
def test_the_form_refuses_a_value_that_is_not_a_positive_amount(client_a, value):
    response = client_a.post(reverse("projects:create"), project_form_data(contract_value=value))
    assert "contract_value" in response.context["form"].errors
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("contract_value", "9.999.999.999.999.999"), ("wage_total", "Rp 100.000.000.000.000,01")],
)
def test_an_amount_above_100_trillion_is_refused_with_the_limit_in_rupiah(client_a, field, value):
    response = client_a.post(
        reverse("projects:create"),
        project_form_data(
            **{"contribution_basis": "wages", "wage_total": "1.000.000", field: value}
        ),
    )

    message = "Enter an amount of at most Rp100,000,000,000,000."
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Project.objects.exists()


def test_the_limit_is_written_the_indonesian_way_on_an_indonesian_page(client, contractor_a_user):
    client.force_login(contractor_a_user)  # preferred language: id
    response = client.post(
        reverse("projects:create"), project_form_data(contract_value="9.999.999.999.999.999")
    )

    assert "Rp100.000.000.000.000" in response.context["form"].errors["contract_value"][0]
    assert not Project.objects.exists()


@pytest.mark.parametrize("workforce", ["3000000000", str(10**20), "100001"])
def test_a_planned_workforce_above_100_000_is_refused_in_words(client_a, workforce):
    response = client_a.post(
        reverse("projects:create"), project_form_data(planned_workforce=workforce)
    )

    message = "The planned workforce cannot be more than 100,000 workers."
    assert response.context["form"].errors["planned_workforce"] == [message]
    assert message in response.content.decode()
    assert not Project.objects.exists()


def test_amounts_and_a_workforce_at_their_upper_bounds_are_accepted(client_a):
    response = client_a.post(
        reverse("projects:create"),
        project_form_data(contract_value="Rp 100.000.000.000.000,00", planned_workforce="100000"),
    )

    assert response.status_code == 302
    project = Project.objects.get()
    assert (project.contract_value, project.planned_workforce) == (Decimal(10**14), 100_000)


def test_an_spk_number_already_used_by_the_same_owner_is_refused(client_a):
    client_a.post(reverse("projects:create"), project_form_data())
    response = client_a.post(reverse("projects:create"), project_form_data(name="Another"))

    assert response.context["form"].errors["spk_number"] == [
        "This owner already has a project with this SPK number."
    ]
    assert Project.objects.count() == 1
    assert WorkUnit.objects.count() == 1


def test_the_same_spk_number_of_another_owner_is_accepted(client_a):
    client_a.post(reverse("projects:create"), project_form_data())
    client_a.post(
        reverse("projects:create"), project_form_data(owner_name="Dinas Perkim Kota Bekasi")
    )
    assert Project.objects.count() == 2


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_an_overdue_registration_never_blocks_entry_and_is_shown_as_a_notice(client_a):
    response = client_a.post(reverse("projects:create"), project_form_data(), follow=True)

    page = response.content.decode()
    assert Project.objects.count() == 1
    assert "The registration was due on" in page
    assert "No BPJS Ketenagakerjaan registration with a payment covers this project." in page


def test_the_project_form_carries_the_live_contribution_preview_without_inline_script(client_a):
    page = client_a.get(reverse("projects:create")).content.decode()

    assert 'id="contribution-preview"' in page
    assert 'data-url="/api/v1/contribution"' in page
    assert 'src="/static/js/contribution-preview.js"' in page
    assert "<script>" not in page
    assert '<optgroup label="JAWA BARAT">' in page.upper() or "Jawa Barat" in page


def test_an_office_user_cannot_open_the_contractor_registration_form(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    assert client.get(reverse("projects:create")).status_code == 403


# --- My projects ----------------------------------------------------------------------------


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_my_projects_says_what_to_do_next_for_each_project(
    client_a, contractor_a, project_of_contractor_a, project_of_contractor_b
):
    covered = factories.make_project(contractor=contractor_a, name="Gedung Puskesmas Jatiasih")
    factories.make_registration(covered)

    page = client_a.get(reverse("projects:list")).content.decode()

    assert project_of_contractor_a.name in page
    assert "Not registered, overdue" in page
    assert (
        "Register the project with BPJS Ketenagakerjaan, pay the contribution and record it."
        in page
    )
    assert "Gedung Puskesmas Jatiasih" in page
    assert "Covered, awaiting verification" in page
    assert project_of_contractor_b.name not in page


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_my_projects_explains_open_flags_in_plain_words(client_a, project_of_contractor_a):
    ComplianceFlag.objects.create(
        project=project_of_contractor_a,
        rule=ComplianceFlag.Rule.NO_WORKERS,
        severity=ComplianceFlag.Severity.WARNING,
        opened_at=timezone.now(),
    )
    page = client_a.get(reverse("projects:list")).content.decode()
    assert "Fewer workers are enrolled than the project needs." in page
    assert "Enroll the project&#x27;s workers" in page


def test_my_projects_takes_the_same_number_of_queries_for_5_or_25_projects(client_a, contractor_a):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(reverse("projects:list")).status_code == 200
        return len(queries)

    for _ in range(5):
        factories.make_registration(factories.make_project(contractor=contractor_a))
    few = count()
    for _ in range(20):
        factories.make_registration(factories.make_project(contractor=contractor_a))
    assert count() == few


@time_machine.travel(date(2026, 6, 1), tick=False)
def test_a_short_payment_shows_the_shortfall_as_the_next_step(client_a, project_of_contractor_a):
    registration = factories.make_registration(project_of_contractor_a, paid=False)
    registration.payments.create(
        amount=Decimal(500_000), paid_on=date(2026, 3, 10), receipt_number="K-1"
    )

    page = client_a.get(reverse("projects:list")).content.decode()
    assert "Contribution short" in page
    assert "Pay the shortfall to BPJS Ketenagakerjaan and record the receipt." in page


# --- Editing and addenda ----------------------------------------------------------------------


def test_editing_keeps_the_owner_and_moves_the_derived_values(client_a, project_of_contractor_a):
    data = project_form_data(
        name=project_of_contractor_a.name,
        owner_name=project_of_contractor_a.work_unit.name,
        spk_number=project_of_contractor_a.spk_number,
        contract_value="1.000.000.000",
        includes_ppn=None,
    )
    response = client_a.post(reverse("projects:edit", args=[project_of_contractor_a.pk]), data)

    assert response.status_code == 302
    project_of_contractor_a.refresh_from_db()
    assert project_of_contractor_a.current_base_value == Decimal("1000000000.00")


def test_the_addendum_page_previews_the_extra_contribution_then_records_it(
    client_a, project_of_contractor_a
):
    url = reverse("projects:amendment_create", args=[project_of_contractor_a.pk])
    data = {
        "signed_on": "2026-05-04",
        "document_number": "ADD-01/2026",
        "new_contract_value": "900.000.000",
        "new_end_date": "2026-10-31",
    }

    preview = client_a.post(url, {**data, "preview": "1"})
    # f(900 jt) - f(750 jt) on the 500 jt - 1 M tier: 150 jt x 0.15 % = Rp225.000.
    assert preview.context["preview"]["extra_contribution"] == Decimal(225_000)
    assert "Rp225,000" in preview.content.decode()  # the English page writes English figures
    assert not Amendment.objects.exists()

    client_a.post(url, data)
    project_of_contractor_a.refresh_from_db()
    assert project_of_contractor_a.current_end_date == date(2026, 10, 31)
    assert project_of_contractor_a.amendments.get().sequence == 1


def test_an_addendum_that_changes_nothing_is_refused(client_a, project_of_contractor_a):
    response = client_a.post(
        reverse("projects:amendment_create", args=[project_of_contractor_a.pk]),
        {"signed_on": "2026-05-04", "document_number": "ADD-01/2026"},
    )
    assert response.context["form"].non_field_errors() == [
        "An addendum changes the contract value, the end date, or both."
    ]


def test_an_addendum_above_100_trillion_is_refused_and_nothing_changes(
    client_a, project_of_contractor_a
):
    response = client_a.post(
        reverse("projects:amendment_create", args=[project_of_contractor_a.pk]),
        {
            "signed_on": "2026-05-04",
            "document_number": "ADD-01/2026",
            "new_contract_value": "9.999.999.999.999.999",
        },
    )

    assert response.context["form"].errors["new_contract_value"] == [
        "Enter an amount of at most Rp100,000,000,000,000."
    ]
    assert not Amendment.objects.exists()
    project_of_contractor_a.refresh_from_db()
    assert project_of_contractor_a.contract_value < 10**14


# --- Access from the outside ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["projects:detail", "projects:edit", "projects:amendment_create"])
def test_another_companys_project_is_a_404_for_each_url(
    client, contractor_b_user, project_of_contractor_a, name
):
    client.force_login(contractor_b_user)
    url = reverse(name, args=[project_of_contractor_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize(
    "name", ["projects:list", "projects:create", "projects:detail", "projects:edit"]
)
def test_anonymous_visitors_are_sent_to_login(client, project_of_contractor_a, name):
    args = [] if name in ("projects:list", "projects:create") else [project_of_contractor_a.pk]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_read_only_office_sees_the_project_but_cannot_edit_it(
    client, bekasi_readonly_user, project_of_contractor_a
):
    client.force_login(bekasi_readonly_user)
    assert client.get(project_of_contractor_a.get_absolute_url()).status_code == 200
    assert (
        client.get(reverse("projects:edit", args=[project_of_contractor_a.pk])).status_code == 404
    )


def test_the_history_page_shows_who_changed_what_and_the_findings_timeline(
    client_a, contractor_a_user, project_of_contractor_a
):
    from compliance.models import FlagEvent

    data = project_form_data(
        name=project_of_contractor_a.name,
        owner_name=project_of_contractor_a.work_unit.name,
        spk_number=project_of_contractor_a.spk_number,
        contract_value="1.000.000.000",
        includes_ppn=None,
    )
    client_a.post(reverse("projects:edit", args=[project_of_contractor_a.pk]), data)
    flag = ComplianceFlag.objects.create(
        project=project_of_contractor_a,
        rule=ComplianceFlag.Rule.NO_WORKERS,
        severity=ComplianceFlag.Severity.WARNING,
        opened_at=timezone.now(),
    )
    FlagEvent.objects.create(flag=flag, kind=FlagEvent.Kind.OPENED, at=timezone.now())

    history_url = reverse("projects:history", args=[project_of_contractor_a.pk])
    project_page = client_a.get(project_of_contractor_a.get_absolute_url()).content.decode()
    page = client_a.get(history_url).content.decode()

    # The project page folds both sections and loads them from the history page.
    assert f'data-load="{history_url}"' in project_page
    assert f'href="{history_url}#changes"' in project_page
    assert "750000000" not in project_page
    assert "Change history" in page
    assert "contract value" in page and "750000000" in page and "1000000000" in page
    assert f"<td>{contractor_a_user.username}</td>" in page  # who (no full name set)
    assert "Findings timeline" in page and "compliance engine" in page


def test_project_pages_cost_the_same_queries_whatever_the_length_of_its_history(
    client_a, contractor_a_user, project_of_contractor_a
):
    url = reverse("projects:history", args=[project_of_contractor_a.pk])

    def count(url=url):
        with CaptureQueriesContext(connection) as queries:
            page = client_a.get(url)
        assert page.status_code == 200
        return len(queries), page.content.decode()

    def edit(value):
        data = project_form_data(
            name=project_of_contractor_a.name,
            owner_name=project_of_contractor_a.work_unit.name,
            spk_number=project_of_contractor_a.spk_number,
            contract_value=value,
            includes_ppn=None,
        )
        client_a.post(reverse("projects:edit", args=[project_of_contractor_a.pk]), data)

    registration = factories.make_registration(project_of_contractor_a, paid=False)
    edit("800.000.000")
    few, _ = count()
    few_on_project_page, _ = count(project_of_contractor_a.get_absolute_url())
    edit("900.000.000")
    edit("1.000.000.000")
    for receipt in ("K-1", "K-2", "K-3"):
        registration.payments.create(
            amount=Decimal(100_000), paid_on=date(2026, 3, 10), receipt_number=receipt
        )
    many, page = count()

    assert many == few
    assert count(project_of_contractor_a.get_absolute_url())[0] == few_on_project_page
    assert "900000000" in page and "1000000000" in page and "K-3" in page
    assert page.count(contractor_a_user.get_full_name() or contractor_a_user.username) >= 3


def test_the_project_page_names_its_kecamatan_kab_kota_and_province(client_a, contractor_a):
    from reference.models import Region

    kecamatan = Region.objects.districts().filter(parent__code="32.75").first()
    with_district = factories.make_project(contractor=contractor_a, district=kecamatan)
    without = factories.make_project(contractor=contractor_a)

    page = client_a.get(with_district.get_absolute_url()).content.decode()
    assert f"{kecamatan.name}, {with_district.regency.name}, {with_district.province.name}" in page
    page = client_a.get(without.get_absolute_url()).content.decode()
    assert f"<dd>{without.regency.name}, {without.province.name}</dd>" in page


def test_the_project_page_title_is_plain_text(client_a, project_of_contractor_a):
    page = client_a.get(project_of_contractor_a.get_absolute_url()).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == f"{project_of_contractor_a.name} · Pantau Jakon"
    assert page.count('class="stacked note-form"') == 1


def test_the_history_page_says_when_older_rows_are_left_out(
    client_a, project_of_contractor_a, monkeypatch
):
    from compliance.models import FlagEvent
    from projects import views

    monkeypatch.setattr(views, "HISTORY_ROWS", 2)
    flag = ComplianceFlag.objects.create(
        project=project_of_contractor_a,
        rule=ComplianceFlag.Rule.NO_WORKERS,
        severity=ComplianceFlag.Severity.WARNING,
        opened_at=timezone.now(),
    )
    url = reverse("projects:history", args=[project_of_contractor_a.pk])
    for _ in range(2):
        FlagEvent.objects.create(flag=flag, kind=FlagEvent.Kind.OPENED, at=timezone.now())
    page = client_a.get(url).content.decode()
    assert "The latest 2 events." not in page

    FlagEvent.objects.create(flag=flag, kind=FlagEvent.Kind.OPENED, at=timezone.now())
    page = client_a.get(url).content.decode()
    assert "The latest 2 events." in page
    timeline = page.split('data-part="timeline"', 1)[1].split("</table>", 1)[0]
    assert timeline.count("<tr>") == 3  # the header and two events
    for value in ("800.000.000", "900.000.000"):
        client_a.post(
            reverse("projects:edit", args=[project_of_contractor_a.pk]),
            project_form_data(
                name=project_of_contractor_a.name,
                owner_name=project_of_contractor_a.work_unit.name,
                spk_number=project_of_contractor_a.spk_number,
                contract_value=value,
                includes_ppn=None,
            ),
        )
    assert "The latest 2 changes." in client_a.get(url).content.decode()


def test_the_history_read_by_the_script_leaves_the_messages_for_the_next_page(
    client_a, project_of_contractor_a
):
    from django.contrib.messages import get_messages

    # A message waiting to be shown (as after a form was sent in another tab).
    response = client_a.post(
        reverse("projects:note_create", args=[project_of_contractor_a.pk]), {"text": "Dicek"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)]
    history = reverse("projects:history", args=[project_of_contractor_a.pk])

    in_background = client_a.get(history, HTTP_X_PANTAU_PART="1").content.decode()
    assert 'class="messages"' not in in_background
    page = client_a.get(project_of_contractor_a.get_absolute_url()).content.decode()
    assert 'class="messages"' in page

    # Opened as a page (without script), the history page shows them.
    client_a.post(
        reverse("projects:note_create", args=[project_of_contractor_a.pk]), {"text": "Lagi"}
    )
    assert 'class="messages"' in client_a.get(history).content.decode()
