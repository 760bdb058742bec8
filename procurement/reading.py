"""Reading procurement exports (domain.md §7): CSV, XLSX or JSON, columns recognised by name.

CSV and XLSX go through the worker import's streaming reader (workers.importing.Table: encoding
detection, `;` or `,`, python-calamine for workbooks); JSON is a list of objects, or an object
whose `data` or `results` key holds that list (what the LKPP/ISB services and community tools
write). Each row becomes a CleanRow, or the reason it is rejected or skipped.
"""

import codecs
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import filetype
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reference.identifiers import validate_npwp
from reference.rupiah import parse_rupiah
from workers.importing import ImportRefused, Table, clean_date, comparable_name, normalise_header

HEAD_BYTES = 8192

# The construction types of SIRUP/SPSE's jenis_pengadaan (domain.md §7); every other type is
# counted as skipped. Compared after comparable_name().
CONSTRUCTION_TYPES = frozenset(
    {
        "pekerjaan konstruksi",
        "pekerjaan konstruksi terintegrasi",
        "jasa konsultansi badan usaha konstruksi",
        "jasa konsultansi perorangan konstruksi",
    }
)

# Field -> header names accepted (after workers.importing.normalise_header: case, _ and spaces
# aside). The first names are the LKPP field names of domain.md §7.
COLUMNS: dict[str, tuple[str, ...]] = {
    "kd_rup": ("kd rup", "kd rup paket", "kode rup", "kode rup paket", "rup"),
    "kd_tender": ("kd tender", "kode tender", "kd nontender", "kode nontender"),
    "nama_paket": ("nama paket", "paket", "nama pekerjaan", "package name"),
    "jenis_pengadaan": ("jenis pengadaan", "jenis paket", "procurement type"),
    "pagu": ("pagu", "pagu anggaran"),
    "hps": ("hps", "nilai hps"),
    "nilai_kontrak": ("nilai kontrak", "contract value"),
    "nilai_negosiasi": ("nilai negosiasi",),
    "nilai_terkoreksi": ("nilai terkoreksi",),
    "nilai_penawaran": ("nilai penawaran",),
    "npwp_penyedia": ("npwp penyedia", "npwp", "npwp 15 penyedia"),
    "npwp_16_penyedia": ("npwp 16 penyedia", "npwp16 penyedia", "npwp 16", "npwp16"),
    "nama_penyedia": ("nama penyedia", "penyedia", "nama pemenang", "pemenang"),
    "kd_klpd": ("kd klpd", "kode klpd"),
    "nama_klpd": ("nama klpd", "klpd"),
    "jenis_klpd": ("jenis klpd",),
    "kd_satker": ("kd satker", "kode satker"),
    # Permendagri 90/2019 coding of a Pemda satker (1.03.0.00.0.00.01.0000): preferred.
    "kd_satker_str": ("kd satker str", "kode satker str"),
    "nama_satker": ("nama satker", "satker"),
    "sumber_dana": ("sumber dana", "asal dana"),
    "tahun_anggaran": ("tahun anggaran", "tahun"),
    "no_kontrak": ("no kontrak", "nomor kontrak"),
    "no_sppbj": ("no sppbj", "nomor sppbj"),
    "tgl_kontrak": ("tgl kontrak", "tanggal kontrak"),
    "tgl_kontrak_awal": ("tgl kontrak awal",),
    "tgl_kontrak_akhir": ("tgl kontrak akhir",),
    "tgl_spmk_spp": ("tgl spmk spp", "tgl spmk", "tanggal spmk"),
    "tgl_mulai_pekerjaan": ("tgl mulai pekerjaan",),
    "tgl_selesai_pekerjaan": ("tgl selesai pekerjaan",),
    "tgl_bast": ("tgl bast", "tanggal bast"),
    # The package's location (SIRUP's PaketPenyediaLokasi, joined): a Kemendagri code or a name.
    "kd_kabupaten": (
        "kd kabupaten",
        "kode kabupaten",
        "kd kab kota",
        "kode kab kota",
        "kd kabkota",
        "kode wilayah",
        "kd wilayah",
    ),
    "nama_kabupaten": (
        "nama kabupaten",
        "kabupaten",
        "kabupaten kota",
        "kab kota",
        "nama kab kota",
        "lokasi kabupaten",
    ),
}
CONTRACT_COLUMNS = ("tgl_kontrak", "no_kontrak", "tgl_spmk_spp", "tgl_mulai_pekerjaan")
VALUE_COLUMNS = ("nilai_kontrak", "nilai_negosiasi", "nilai_terkoreksi", "nilai_penawaran")
_BY_ALIAS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


def map_columns(header: list) -> dict[str, int]:
    """Field -> index of its column. Refuses a file without the key columns: the package name,
    its type and a package code (kode RUP or kode tender)."""
    found: dict[str, int] = {}
    written: dict[str, str] = {}
    for index, text in enumerate(header):
        name = _BY_ALIAS.get(normalise_header(text))
        if name is None:
            continue  # columns we do not use (kd_lpse, mak, nama_ppk …)
        if name in found:
            raise ImportRefused(
                _('Two columns are named "%(first)s" and "%(second)s"; keep only one.')
                % {"first": written[name], "second": str(text).strip()}
            )
        found[name], written[name] = index, str(text).strip()
    missing = [name for name in ("nama_paket", "jenis_pengadaan") if name not in found]
    if "kd_rup" not in found and "kd_tender" not in found:
        missing.append("kd_rup / kd_tender")
    if missing:
        raise ImportRefused(
            _(
                "The file has no column %(columns)s. Procurement exports name their columns as "
                "LKPP does (kd_rup, kd_tender, nama_paket, jenis_pengadaan, npwp_penyedia …) in "
                "the first row."
            )
            % {"columns": ", ".join(f'"{name}"' for name in missing)}
        )
    return found


def detect_kind(columns: dict[str, int]) -> str:
    if any(name in columns for name in CONTRACT_COLUMNS):
        return "contract"
    if "kd_tender" in columns or "npwp_penyedia" in columns or "npwp_16_penyedia" in columns:
        return "tender"
    return "sirup"


# --- Files ------------------------------------------------------------------------------------


def detect_format(fileobj) -> str:
    """'json', 'xlsx' or 'csv', judged by the content, never by the file name."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if not head.strip():
        raise ImportRefused(_("The file is empty."))
    if head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ("xlsx", "zip"):
        return "xlsx"
    if kind is not None or b"\x00" in head:
        raise ImportRefused(
            _(
                "This file is not a CSV, XLSX or JSON file (it looks like %(kind)s). Export the "
                "procurement data as CSV, Excel (.xlsx) or JSON."
            )
            % {"kind": kind.mime if kind else _("binary data")}
        )
    return "csv"


@dataclass
class Source:
    file_format: str
    header: list
    rows: Iterator[tuple[int, list]]


def open_rows(fileobj, *, max_rows: int, stack) -> Source:
    """The header and the numbered rows of a file; `stack` (an ExitStack) closes the reader."""
    file_format = detect_format(fileobj)
    if file_format == "json":
        header, rows = _json_rows(fileobj, max_rows=max_rows)
        return Source("json", header, rows)
    table = stack.enter_context(Table(fileobj, max_rows=max_rows))
    return Source(table.file_format, table.header, table.rows())


def _json_rows(fileobj, *, max_rows: int):
    fileobj.seek(0)
    try:
        data = json.load(codecs.getreader("utf-8-sig")(fileobj))
    except UnicodeDecodeError:
        raise ImportRefused(
            _("The characters of this JSON file cannot be read: JSON files are UTF-8.")
        ) from None
    except json.JSONDecodeError as error:
        raise ImportRefused(
            _("This is not valid JSON (line %(line)d, column %(column)d: %(reason)s).")
            % {"line": error.lineno, "column": error.colno, "reason": error.msg}
        ) from None
    if isinstance(data, dict):
        data = data.get("data", data.get("results"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ImportRefused(
            _(
                "The JSON file must hold a list of packages (objects), or an object with that "
                'list under "data" or "results".'
            )
        )
    if not data:
        raise ImportRefused(_("The file is empty."))
    if len(data) > max_rows:
        raise ImportRefused(_too_many_rows(max_rows))
    header = list(dict.fromkeys(key for item in data for key in item))
    # Numbered from 1: the n-th object of the list.
    return header, (
        (number, [item.get(key) for key in header]) for number, item in enumerate(data, 1)
    )


def _too_many_rows(max_rows: int) -> str:
    return _("The file has more than %(limit)s rows. Split it and upload the parts one by one.") % {
        "limit": number_format(max_rows, force_grouping=True)
    }


# --- Cells ------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """The text of a cell, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        if "  " in text or "\n" in text or "\t" in text or "\r" in text:
            text = " ".join(text.split())
        return text
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def clean_code(value) -> str:
    """A code (kode RUP, kode tender, KLPD, satker): a workbook may store it as a number."""
    if isinstance(value, str):
        return value.strip().lstrip("'")
    return cell_text(value)


@functools.lru_cache(maxsize=65536)  # a company wins many packages: check its NPWP once
def clean_npwp(value, *, length: int) -> str:
    """The 16-digit NPWP of a cell; a number lost its leading zeros in a workbook or JSON."""
    if isinstance(value, (int, float)):
        value = str(int(value)).zfill(length)
    return validate_npwp(str(value))


_TIME_PART = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?$")


@functools.lru_cache(maxsize=8192)  # a file holds a few hundred distinct dates
def clean_any_date(value) -> date:
    """A date cell, DD-MM-YYYY, YYYY-MM-DD, or an ISO timestamp (JSON services write those)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and (match := _TIME_PART.match(value.strip())):
        value = match.group(1)
    return clean_date(value)


def clean_money(value) -> Decimal | None:
    """Rupiah as number or text (1.250.000.000 or 1250000000.00); zero means unknown."""
    if isinstance(value, bool):
        raise ValidationError(_("Not an amount."))
    if isinstance(value, (int, float)):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Not an amount.")) from None
    elif isinstance(value, str) and value.isdigit():
        amount = Decimal(value)  # the common case of an export, without parse_rupiah's rules
    else:
        amount = parse_rupiah(cell_text(value))
    if amount < 0:
        raise ValidationError(_("An amount cannot be negative."))
    return amount or None


@functools.lru_cache(maxsize=256)
def is_construction(jenis: str) -> bool:
    return comparable_name(jenis) in CONSTRUCTION_TYPES
