from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from procurement.services import confirm_import, create_import, run_import
from tests import factories

CORPUS = Path(__file__).resolve().parents[1] / "procurement_corpus"
SIRUP_CSV = CORPUS / "sirup_paket_penyedia_kota_bekasi.csv"
TENDER_XLSX = CORPUS / "spse_tender_selesai_kota_bekasi.xlsx"
CONTRACT_JSON = CORPUS / "econtract_kota_bekasi.json"
NPWP_KARYA = "0020001012432000"  # PT Karya Bekasi Utama in the sample files


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def check(path_or_bytes, user, *, name=None, default_regency=None):
    """The preview of a file, as the upload page makes it (in English, for the asserts)."""
    if isinstance(path_or_bytes, Path):
        name, content = path_or_bytes.name, path_or_bytes.read_bytes()
    else:
        content = path_or_bytes
    with translation.override("en"):
        return create_import(
            upload=upload_file(name or "upload", content),
            user=user,
            language="en",
            default_regency=default_regency,
        )


def check_and_run(path_or_bytes, user, **kwargs):
    run = check(path_or_bytes, user, **kwargs)
    if run.writes_count:
        assert confirm_import(run=run)
        run = run_import(run.pk)
    return run


def rows_by_code(run) -> dict:
    return {row["code"]: row for row in run.rows}


@pytest.fixture
def karya(reference_data):
    """PT Karya Bekasi Utama with its own entry of the Cut Meutia road (no codes yet)."""
    contractor = factories.make_contractor(
        name="PT Karya Bekasi Utama", regency="32.75", npwp=NPWP_KARYA
    )
    project = factories.make_project(
        contractor=contractor,
        regency="32.75",
        name="Rehabilitasi Jalan Cut Meutia Segmen 1 Kota Bekasi",
        spk_date=date(2026, 2, 23),
        start_date=date(2026, 3, 2),
        end_date=date(2026, 8, 21),
        contract_value=Decimal("1850000000"),
        includes_ppn=True,
    )
    return contractor, project
