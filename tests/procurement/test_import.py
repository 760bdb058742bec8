"""Procurement import of the sample files (tests/procurement_corpus, domain.md §7 field lists):
what the preview says per row, what the import writes, and that a second import writes nothing."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from compliance.models import ComplianceFlag
from compliance.scanning import scan_projects
from procurement.models import ProcurementImport
from projects.models import Contractor, Project
from tests import factories

from .conftest import CONTRACT_JSON, SIRUP_CSV, TENDER_XLSX, check, check_and_run
from .conftest import rows_by_code as by_code

pytestmark = pytest.mark.django_db


def test_a_sirup_csv_lists_plans_skips_other_types_and_rejects_what_is_outside_the_region(
    bekasi_office_user,
):
    run = check(SIRUP_CSV, bekasi_office_user)
    assert (run.file_format, run.kind, run.row_count) == ("csv", "sirup", 6)
    rows = by_code(run)
    # Plans without a contract: listed, nothing to write.
    assert [rows[c]["outcome"] for c in ("51234001", "51234002", "51234003")] == ["plan"] * 3
    assert "nothing created" in rows["51234001"]["detail"]
    assert rows["51234004"]["outcome"] == "skipped"
    assert '"Pengadaan Barang" is not a construction type' in rows["51234004"]["detail"]
    assert rows["51234005"]["outcome"] == "skipped"
    assert rows["51234006"]["outcome"] == "rejected"
    assert "Kabupaten Bekasi is outside your region (Kota Bekasi)" in rows["51234006"]["detail"]
    assert run.writes_count == 0
    assert not Project.objects.exists()


def test_an_econtract_json_matches_by_npwp_and_name_creates_the_rest_and_leaves_a_near_miss(
    bekasi_office_user, karya
):
    contractor, project = karya
    run = check(CONTRACT_JSON, bekasi_office_user)
    assert (run.file_format, run.kind) == ("json", "contract")
    rows = by_code(run)
    matched = rows["10234001"]
    assert matched["outcome"] == "changed"
    assert matched["project"] == project.pk
    assert "NPWP 02.000.101.2-432.000, name 86 % alike, value 2.0 % apart" in matched["detail"]
    assert matched["fields"] == ["contract_value", "kode_rup", "kode_tender"]
    # Segmen 2 of the same company, same value: a different package, so a new project.
    near_miss = rows["10234007"]
    assert near_miss["outcome"] == "new"
    assert f"Closest project of NPWP 02.000.101.2-432.000: #{project.pk}" in near_miss["detail"]
    assert rows["10234002"]["outcome"] == "new"
    assert rows["10234008"]["outcome"] == "skipped"
    assert rows["10234009"]["outcome"] == "rejected"
    assert (run.new_count, run.changed_count, run.new_contractor_count) == (2, 1, 1)

    run = check_and_run(CONTRACT_JSON, bekasi_office_user)
    assert run.status == ProcurementImport.Status.DONE
    project.refresh_from_db()
    assert (project.kode_rup, project.kode_tender) == ("51234001", "10234001")
    assert project.contract_value == Decimal("1887000000")
    assert project.current_base_value == Decimal("1700000000")
    assert project.needs_evaluation_at is not None
    created = Project.objects.get(kode_tender="10234002")
    assert created.source == Project.Source.PROCUREMENT
    assert created.contractor.source == Contractor.Source.PROCUREMENT
    assert created.contractor.confirmed_at is None
    assert created.contractor.legal_name == "CV Mitra Bangun Sejahtera"
    assert (created.spk_date, created.start_date) == (date(2026, 3, 30), date(2026, 4, 6))
    assert created.registration_due_on == date(2026, 4, 6)  # the SPMK comes before 14 days
    assert created.work_unit.satker_code == "1.03.0.00.0.00.02.0000"
    assert created.funding_source == Project.FundingSource.APBD_REGENCY
    assert Project.objects.get(kode_tender="10234007").contractor == contractor


def test_importing_the_same_file_again_changes_nothing(bekasi_office_user, karya):
    check_and_run(CONTRACT_JSON, bekasi_office_user)
    projects = list(Project.objects.order_by("pk").values())
    history = Project.history.count()
    again = check(CONTRACT_JSON, bekasi_office_user)
    assert (again.new_count, again.changed_count, again.matched_count) == (0, 0, 3)
    assert again.writes_count == 0
    assert "Kode tender 10234002 → project" in by_code(again)["10234002"]["detail"]
    assert list(Project.objects.order_by("pk").values()) == projects
    assert Project.history.count() == history
    assert Contractor.objects.count() == 2


def test_a_tender_xlsx_matches_by_kode_rup_and_fills_the_kode_tender(bekasi_office_user, karya):
    project = karya[1]
    project.kode_rup = "51234001"
    project.save()
    run = check_and_run(TENDER_XLSX, bekasi_office_user)
    assert (run.file_format, run.kind) == ("xlsx", "tender")
    rows = by_code(run)
    assert rows["10234001"]["outcome"] == "changed"
    assert rows["10234001"]["detail"].startswith(f"Kode RUP 51234001 → project #{project.pk}.")
    assert rows["10234001"]["fields"] == ["kode_tender"]
    assert rows["10234010"]["outcome"] == "plan"  # a winner, but no contract yet
    assert rows["10234011"]["outcome"] == "skipped"
    project.refresh_from_db()
    assert project.kode_tender == "10234001"
    assert project.contract_value == Decimal("1850000000")  # not a contract: no value taken
    assert Project.objects.count() == 1


def test_a_province_office_imports_every_kab_kota_of_its_province(jabar_office_user):
    run = check(CONTRACT_JSON, jabar_office_user)
    rows = by_code(run)
    assert rows["10234009"]["outcome"] == "new"  # Kabupaten Bekasi is in Jawa Barat
    assert run.new_count == 4


def test_an_office_of_another_province_has_every_row_rejected(tanbu_office_user):
    run = check(CONTRACT_JSON, tanbu_office_user)
    assert run.rejected_count == 4 and run.skipped_count == 1
    assert "outside your region (Kabupaten Tanah Bumbu)" in by_code(run)["10234002"]["detail"]


def test_a_row_without_location_needs_the_kab_kota_chosen_on_upload(jabar_office_user):
    run = check(SIRUP_CSV, jabar_office_user)
    assert by_code(run)["51234003"]["outcome"] == "rejected"
    assert "choose the kab/kota of the file" in by_code(run)["51234003"]["detail"]
    run = check(SIRUP_CSV, jabar_office_user, default_regency=factories.region("32.75"))
    assert by_code(run)["51234003"]["outcome"] == "plan"


def test_a_project_matched_in_another_region_is_not_touched(bekasi_office_user, reference_data):
    other = factories.make_project(regency="32.16", kode_tender="10234002")
    run = check(CONTRACT_JSON, bekasi_office_user)
    row = by_code(run)["10234002"]
    assert row["outcome"] == "rejected"
    assert f"names project #{other.pk}, which is outside your region" in row["detail"]


def test_an_unregistered_contracted_package_is_flagged_after_a_scan(bekasi_office_user, karya):
    check_and_run(CONTRACT_JSON, bekasi_office_user)
    created = Project.objects.get(kode_tender="10234002")
    scan_projects(now=timezone.now())
    rules = set(
        ComplianceFlag.objects.filter(project=created, resolved_at=None).values_list(
            "rule", flat=True
        )
    )
    assert ComplianceFlag.Rule.UNREGISTERED in rules


def test_the_same_package_twice_in_a_file_is_rejected_on_the_second_row(bekasi_office_user):
    lines = SIRUP_CSV.read_text().splitlines()
    content = "\n".join([*lines, lines[1]]).encode()
    run = check(content, bekasi_office_user, name="dup.csv")
    last = run.rows[-1]
    assert last["outcome"] == "rejected"
    assert last["detail"] == "The same package (51234001) is already on row 2 of this file."


def test_a_contract_value_beyond_any_project_is_rejected_on_its_row(bekasi_office_user):
    packages = json.loads(CONTRACT_JSON.read_text())
    packages["data"][1]["nilai_kontrak"] = "9.999.999.999.999.999"
    run = check_and_run(json.dumps(packages).encode(), bekasi_office_user, name="big.json")

    row = by_code(run)["10234002"]
    assert row["outcome"] == "rejected"
    assert "nilai_kontrak: Enter an amount of at most Rp100,000,000,000,000." in row["detail"]
    assert run.status == ProcurementImport.Status.DONE
    assert not Project.objects.filter(kode_tender="10234002").exists()


def test_both_npwp_forms_must_name_the_same_taxpayer(bekasi_office_user):
    header = "kd_tender,nama_paket,jenis_pengadaan,npwp_penyedia,npwp_16_penyedia\n"
    row = "1,Jalan,Pekerjaan Konstruksi,020001012432000,0020001020432000\n"
    run = check((header + row).encode(), bekasi_office_user, name="x.csv")
    assert run.rows[0]["outcome"] == "rejected"
    assert "name different taxpayers" in run.rows[0]["detail"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a CSV, XLSX or JSON file"),
        (b"kode,nama\n1,Jalan\n", 'no column "nama_paket", "jenis_pengadaan"'),
        (b'[{"nama_paket": "Jalan \xff\xfe"}]', "JSON files are UTF-8"),
        (b'{"data": [{"kd_rup": 1,}]}', "This is not valid JSON (line 1"),
        (b'{"meta": {}}', 'list under "data" or "results"'),
        (b"", "The file is empty."),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_stored(bekasi_office_user, content, message):
    from procurement.reading import ImportRefused

    with pytest.raises(ImportRefused) as refused:
        check(content, bekasi_office_user, name="bad")
    assert message in refused.value.message
    assert not ProcurementImport.objects.exists()


def test_a_failure_while_writing_saves_nothing(bekasi_office_user, karya, monkeypatch):
    from procurement import importing
    from procurement.services import confirm_import, fail_import, run_import

    run = check(CONTRACT_JSON, bekasi_office_user)
    confirm_import(run=run)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "_update_projects", broken)
    with pytest.raises(RuntimeError):
        run_import(run.pk)
    fail_import(run.pk, "RuntimeError")
    assert Project.objects.count() == 1
    assert Contractor.objects.count() == 1
    assert ProcurementImport.objects.get().status == ProcurementImport.Status.FAILED


def test_two_rows_cannot_both_match_one_project(bekasi_office_user, karya):
    project = karya[1]
    header = (
        "kd_tender;nama_paket;jenis_pengadaan;npwp_penyedia;nilai_kontrak;tgl_kontrak;"
        "tgl_selesai_pekerjaan;nama_satker\n"
    )
    line = "{code};Rehabilitasi Jalan Cut Meutia Segmen 1;Pekerjaan Konstruksi;02.000.101.2-432.000;{value};23-02-2026;21-08-2026;Dinas Bina Marga\n"
    content = header + line.format(code="111", value="1.887.000.000")
    content += line.format(code="222", value="1.860.000.000")
    run = check(content.encode("cp1252"), bekasi_office_user, name="semicolons.csv")
    first, second = run.rows
    assert (first["outcome"], first["project"]) == ("changed", project.pk)
    assert second["outcome"] == "rejected"
    assert f"project #{project.pk}, which row 2 of this file already matched" in second["detail"]
