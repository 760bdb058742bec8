"""Bulk enrollment of workers from a CSV or XLSX file: read, check, import.

Reading streams (the csv module over a decoding reader, openpyxl in read-only mode), so memory
stays flat whatever the number of rows. Each row is checked by plain functions; what needs the
database (known NIKs, workers already enrolled) costs one query per batch of rows, and the import
writes each batch with a few multi-row INSERTs inside one transaction: all good rows or none.
"""

import codecs
import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reference.identifiers import nik_matches_person, parse_nik
from reference.spreadsheets import safe_cell

from .models import Enrollment, Worker, period_errors

BATCH_SIZE = 2000  # rows per lookup query and per INSERT; within SQLite's 32,766 variables
HEAD_BYTES = 8192  # enough for filetype to recognise a zip-based Office file


class ImportRefused(Exception):
    """The file as a whole cannot be used (type, size, encoding, columns): nothing is stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str  # attribute of CleanRow
    header: str  # in the template: Indonesian, the language of the people who fill it in
    aliases: frozenset[str]
    is_required: bool = False


def _aliases(*names: str) -> frozenset[str]:
    return frozenset(names)


# Indonesian and English header names are accepted, compared after normalise_header().
COLUMNS = (
    Column(
        "nik",
        "NIK",
        _aliases("nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp"),
        is_required=True,
    ),
    Column(
        "full_name",
        "Nama lengkap",
        _aliases("nama", "nama lengkap", "nama pekerja", "nama tenaga kerja", "name", "full name"),
        is_required=True,
    ),
    Column(
        "started_on",
        "Tanggal mulai kerja (DD-MM-YYYY)",
        _aliases(
            "tanggal mulai kerja",
            "tanggal mulai",
            "tgl mulai",
            "tgl mulai kerja",
            "mulai kerja",
            "start date",
            "started on",
            "start",
        ),
        is_required=True,
    ),
    Column(
        "birth_date",
        "Tanggal lahir (DD-MM-YYYY)",
        _aliases("tanggal lahir", "tgl lahir", "birth date", "date of birth", "born on"),
    ),
    Column(
        "sex",
        "Jenis kelamin (L/P)",
        _aliases("jenis kelamin", "jk", "l p", "sex", "gender"),
    ),
    Column(
        "job_title",
        "Jabatan",
        _aliases("jabatan", "pekerjaan", "posisi", "job", "job title"),
    ),
    Column(
        "employment_type",
        "Jenis pekerja (harian lepas/borongan/PKWT)",
        _aliases("jenis pekerja", "status pekerja", "jenis hubungan kerja", "employment type"),
    ),
    Column(
        "planned_end_on",
        "Rencana selesai (DD-MM-YYYY)",
        _aliases(
            "rencana selesai",
            "tanggal rencana selesai",
            "rencana tanggal selesai",
            "planned end",
            "planned end on",
            "planned end date",
        ),
    ),
)
TEMPLATE_HEADERS = [column.header for column in COLUMNS]


def normalise_header(text) -> str:
    """'Tanggal lahir (DD-MM-YYYY)*' -> 'tanggal lahir'; 'Full_Name' -> 'full name'."""
    text = str(text or "").replace("\ufeff", "")
    text = re.sub(r"\(.*?\)|\[.*?\]|\*", " ", text.casefold())
    return " ".join(re.sub(r"[_\-./:]", " ", text).split())


def map_columns(header: list) -> dict[str, tuple[int, str]]:
    """Column name -> (index in the row, header as written in the file)."""
    found: dict[str, tuple[int, str]] = {}
    by_alias = {alias: column for column in COLUMNS for alias in column.aliases}
    for index, text in enumerate(header):
        column = by_alias.get(normalise_header(text))
        if column is None:
            continue  # extra columns (a row number, notes) are ignored
        if column.name in found:
            raise ImportRefused(
                _('Two columns are named "%(first)s" and "%(second)s"; keep only one.')
                % {"first": found[column.name][1], "second": str(text).strip()}
            )
        found[column.name] = (index, str(text).strip())
    missing = [column for column in COLUMNS if column.is_required and column.name not in found]
    if missing:
        raise ImportRefused(
            _(
                "The file has no column %(columns)s. The first row must hold the column names "
                "(NIK, Nama lengkap, Tanggal mulai kerja …): download the template and copy "
                "your data into it."
            )
            % {"columns": ", ".join(f'"{column.header}"' for column in missing)}
        )
    return found


# --- Reading --------------------------------------------------------------------------------


class Table:
    """The rows of an uploaded file, streamed: `header`, then `rows()` as (row number, values).

    Row numbers are those a spreadsheet shows (the header is row 1). Blank rows are skipped
    and not counted; more than `max_rows` data rows is a refusal.
    """

    def __init__(self, fileobj, *, max_rows: int):
        self.fileobj = fileobj
        self.max_rows = max_rows
        self.file_format = detect_format(fileobj)
        self._close: Callable[[], None] = lambda: None
        try:
            raw = self._open_xlsx() if self.file_format == "xlsx" else self._open_csv()
            numbered = enumerate(raw, start=1)
            _number, self.header = next(numbered)
        except StopIteration:
            raise ImportRefused(_("The file is empty.")) from None
        except UnicodeDecodeError:
            raise ImportRefused(_encoding_message()) from None
        self._numbered = numbered

    def rows(self) -> Iterator[tuple[int, list]]:
        count = 0
        try:
            for number, values in self._numbered:
                if all(value is None or str(value).strip() == "" for value in values):
                    continue
                count += 1
                if count > self.max_rows:
                    raise ImportRefused(
                        _(
                            "The file has more than %(limit)s rows of workers. Split it into "
                            "files of at most %(limit)s rows and upload them one by one."
                        )
                        % {"limit": number_format(self.max_rows, force_grouping=True)}
                    )
                yield number, list(values)
        except UnicodeDecodeError:
            raise ImportRefused(_encoding_message()) from None
        except csv.Error as error:
            raise ImportRefused(
                _("The CSV file cannot be read (%(reason)s). Save it again as CSV from Excel.")
                % {"reason": error}
            ) from None

    def close(self) -> None:
        self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _open_xlsx(self) -> Iterator:
        # calamine (Rust) reads a 50,000-row sheet about 20× faster than openpyxl's read-only
        # mode, which missed the 30 s target of a 50,000-row import (bench/README.md).
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_filelike(self.fileobj)
            sheet = workbook.get_sheet_by_index(0)
            rows = sheet.iter_rows()
        except Exception:  # zip, XML and calamine errors alike: not a readable workbook
            raise ImportRefused(
                _(
                    "This file cannot be opened as an Excel workbook (.xlsx). Save it again "
                    "from Excel as .xlsx or as CSV."
                )
            ) from None
        self._close = workbook.close if hasattr(workbook, "close") else lambda: None
        return (tuple(_cell(value) for value in row) for row in rows)

    def _open_csv(self) -> Iterator:
        encoding = _text_encoding(self.fileobj)
        self.fileobj.seek(0)
        reader = codecs.getreader(encoding)(self.fileobj)
        lines = _lines(reader)
        try:
            first = next(lines)
        except StopIteration:
            return iter(())
        # Indonesian Excel saves CSV with semicolons (the comma is the decimal separator).
        delimiter = ";" if first.count(";") > first.count(",") else ","
        return csv.reader(itertools.chain([first], lines), delimiter=delimiter)


def _cell(value):
    """A workbook cell as openpyxl gave it: None for empty, whole numbers as int (a NIK typed as
    a number must still be recognised as Excel's damage, not as a float)."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _lines(reader) -> Iterator[str]:
    """Lines with their endings, split only on \\n (the csv module handles \\r\\n and quotes)."""
    pending = ""
    while chunk := reader.read(65536):
        pending += chunk
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def _encoding_message() -> str:
    return _(
        "The characters of this file cannot be read. In Excel, choose File › Save As › "
        '"CSV UTF-8 (Comma delimited)" and upload that file.'
    )


def detect_format(fileobj) -> str:
    """'xlsx' or 'csv', judged by the content, never by the file name."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if not head:
        raise ImportRefused(_("The file is empty."))
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ("xlsx", "zip"):
        return "xlsx"  # a zip is given its chance: openpyxl says whether it is a workbook
    if kind is not None and kind.extension == "xls":
        raise ImportRefused(
            _(
                "This is an old Excel file (.xls). Open it in Excel and save it as .xlsx or as "
                "CSV, then upload it again."
            )
        )
    if kind is not None or b"\x00" in head:
        raise ImportRefused(
            _(
                "This file is not a CSV or XLSX file (it looks like %(kind)s). Upload the list "
                "of workers as a CSV or Excel (.xlsx) file."
            )
            % {"kind": kind.mime if kind else _("binary data")}
        )
    return "csv"


def _text_encoding(fileobj) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as UTF-8, else Windows-1252 (what
    Excel on Windows writes for "CSV (Comma delimited)"). Reads in chunks: memory stays flat."""
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(65536):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


# --- Checking one row (pure) -------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_DECIMAL_SUFFIX = re.compile(r"^\d+[.,]\d+$")
_SEXES = {
    "l": "M",
    "laki laki": "M",
    "laki": "M",
    "pria": "M",
    "m": "M",
    "male": "M",
    "p": "F",
    "perempuan": "F",
    "wanita": "F",
    "f": "F",
    "female": "F",
}
_EMPLOYMENT_TYPES = {
    "harian lepas": Enrollment.EmploymentType.HARIAN_LEPAS,
    "harian": Enrollment.EmploymentType.HARIAN_LEPAS,
    "hl": Enrollment.EmploymentType.HARIAN_LEPAS,
    "daily": Enrollment.EmploymentType.HARIAN_LEPAS,
    "daily worker": Enrollment.EmploymentType.HARIAN_LEPAS,
    "borongan": Enrollment.EmploymentType.BORONGAN,
    "piece rate": Enrollment.EmploymentType.BORONGAN,
    "piece rate worker": Enrollment.EmploymentType.BORONGAN,
    "pkwt": Enrollment.EmploymentType.PKWT,
    "kontrak": Enrollment.EmploymentType.PKWT,
    "fixed term": Enrollment.EmploymentType.PKWT,
    "fixed term contract": Enrollment.EmploymentType.PKWT,
}


def excel_number_message(value) -> str:
    return _(
        "Excel changed this NIK into a number (%(value)s), which keeps only 15 digits, so digits "
        "were lost. Format the NIK column as Text, type or paste the NIKs again, save and upload "
        "the file again."
    ) % {"value": value}


def clean_nik(value) -> str:
    """The 16 digits of a NIK, or a ValidationError that says how to fix it, including the
    damage Excel does to long numbers (3.27501E+15, a lost digit, a .0 suffix)."""
    if isinstance(value, (int, float)):
        # A 16-digit number does not survive Excel (15 significant digits): never guess it.
        shown = f"{value:.5E}" if isinstance(value, float) else str(value)
        raise ValidationError(excel_number_message(shown), code="nik_excel")
    text = str(value).strip().lstrip("'").strip()
    if _SCIENTIFIC.match(text) or _DECIMAL_SUFFIX.match(text):
        raise ValidationError(excel_number_message(text), code="nik_excel")
    try:
        return parse_nik(text).nik
    except ValidationError as error:
        digits = re.sub(r"[\s.\-/]", "", text)
        if digits.isdigit() and 12 <= len(digits) < 16:
            raise ValidationError(
                " ".join(
                    [
                        *error.messages,
                        _(
                            "If the file went through Excel, digits may have been lost: format "
                            "the NIK column as Text and enter the NIK again."
                        ),
                    ]
                ),
                code="nik_excel",
            ) from None
        raise


_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def clean_date(value) -> date:
    """DD-MM-YYYY (also with / or .), YYYY-MM-DD, or a date cell of a workbook."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if match := _DAY_FIRST.match(text):
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        if match := _ISO.match(text):
            year, month, day = map(int, match.groups())
            return date(year, month, day)
    except ValueError:
        pass  # 31-02-2026: the shape of a date, not a date
    raise ValidationError(
        _('"%(value)s" is not a date. Write dates as DD-MM-YYYY, for example 17-08-2026.')
        % {"value": text},
        code="bad_date",
    )


def clean_sex(value) -> str:
    key = " ".join(re.sub(r"[^a-z]", " ", str(value).casefold()).split())
    if key not in _SEXES:
        raise ValidationError(
            _('"%(value)s" is not a sex: write L (laki-laki) or P (perempuan).') % {"value": value},
            code="bad_sex",
        )
    return _SEXES[key]


def clean_employment_type(value) -> str:
    key = " ".join(re.sub(r"[^a-z]", " ", str(value).casefold()).split())
    if key not in _EMPLOYMENT_TYPES:
        raise ValidationError(
            _('"%(value)s" is not an employment type: write harian lepas, borongan or PKWT.')
            % {"value": value},
            code="bad_employment_type",
        )
    return _EMPLOYMENT_TYPES[key]


def clean_text(value, *, max_length: int) -> str:
    text = " ".join(str(value).split())
    if len(text) > max_length:
        raise ValidationError(
            _("Too long: at most %(count)d characters.") % {"count": max_length}, code="too_long"
        )
    return text


def comparable_name(name: str) -> str:
    """Names compared the way people read them: case, accents, punctuation and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(ch for ch in decomposed if ch.isalnum() or ch.isspace())
    return " ".join(letters.split())


@dataclass
class CleanRow:
    row: int
    nik: str
    full_name: str
    started_on: date
    birth_date: date
    sex: str
    job_title: str = ""
    employment_type: str = Enrollment.EmploymentType.HARIAN_LEPAS
    planned_end_on: date | None = None
    worker_id: int | None = None  # set when the NIK is already known


_CLEANERS: dict[str, Callable] = {
    "nik": clean_nik,
    "full_name": lambda value: clean_text(value, max_length=200),
    "started_on": clean_date,
    "birth_date": clean_date,
    "sex": clean_sex,
    "job_title": lambda value: clean_text(value, max_length=120),
    "employment_type": clean_employment_type,
    "planned_end_on": clean_date,
}


def problem(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def clean_row(number: int, values: list, columns: dict) -> tuple[CleanRow | None, list[dict]]:
    """One row of the file as a CleanRow, or the problems that keep it out (all of them)."""
    cleaned, problems = {}, []
    for column in COLUMNS:
        if column.name not in columns:
            continue
        index, header = columns[column.name]
        value = values[index] if index < len(values) else None
        if value is None or str(value).strip() == "":
            if column.is_required:
                problems.append(problem(number, header, _("Missing: this column must be filled.")))
            continue
        try:
            cleaned[column.name] = _CLEANERS[column.name](value)
        except ValidationError as error:
            problems.append(problem(number, header, " ".join(error.messages)))
    if problems:
        return None, problems
    parts = parse_nik(cleaned["nik"])
    sex = cleaned.get("sex") or ("F" if parts.is_female else "M")
    birth_date = cleaned.get("birth_date") or parts.birth_date()
    # domain.md §4.1: digits 7-12 are the birth date, the day + 40 for women.
    if "birth_date" in cleaned:
        for message in nik_matches_person(parts, birth_date=birth_date, sex=None):
            problems.append(problem(number, columns["birth_date"][1], message))
    if "sex" in cleaned:
        for message in nik_matches_person(parts, birth_date=None, sex=sex):
            problems.append(problem(number, columns["sex"][1], message))
    planned_end_on = cleaned.get("planned_end_on")
    if planned_end_on and planned_end_on < cleaned["started_on"]:
        problems.append(
            problem(
                number,
                columns["planned_end_on"][1],
                _("The planned end cannot be before the start."),
            )
        )
    if problems:
        return None, problems
    return CleanRow(
        row=number,
        nik=cleaned["nik"],
        full_name=cleaned["full_name"],
        started_on=cleaned["started_on"],
        birth_date=birth_date,
        sex=sex,
        job_title=cleaned.get("job_title", ""),
        employment_type=cleaned.get("employment_type", Enrollment.EmploymentType.HARIAN_LEPAS),
        planned_end_on=planned_end_on,
    ), []


# --- Checking the file (one query per batch) ---------------------------------------------------


@dataclass
class Report:
    """What a check (or an import) found: counts and every problem, in file order."""

    file_format: str = ""
    row_count: int = 0
    good_row_count: int = 0
    new_worker_count: int = 0
    reused_worker_count: int = 0
    problems: list[dict] = field(default_factory=list)


def checked_batches(table: Table, *, project, report: Report, batch_size: int | None = None):
    """Good rows of the file, batch by batch; problems and counts go into `report`.

    The first row of a NIK wins; a later row with the same NIK is a problem. Against the
    database: a NIK enrolled (active) on this project is a problem; a known NIK is reused, and
    must come with the same name (the stored name is never shown: it may come from another
    company).
    """
    batch_size = batch_size or BATCH_SIZE
    columns = map_columns(table.header)
    nik_header = columns["nik"][1]
    name_header = columns["full_name"][1]
    first_row_of: dict[str, int] = {}
    rows = table.rows()
    while chunk := list(itertools.islice(rows, batch_size)):
        batch = []
        for number, values in chunk:
            report.row_count += 1
            row, problems = clean_row(number, values, columns)
            if row is not None and (outside := period_errors(project, row.started_on)):
                problems = [
                    problem(number, columns[name][1], message) for name, message in outside.items()
                ]
                row = None
            if row is not None and row.nik in first_row_of:
                problems = [
                    problem(
                        number,
                        nik_header,
                        _("The same NIK is already on row %(row)d of this file.")
                        % {"row": first_row_of[row.nik]},
                    )
                ]
                row = None
            report.problems.extend(problems)
            if row is not None:
                first_row_of[row.nik] = number
                batch.append(row)
        known = _known_workers(project, [row.nik for row in batch])
        good = []
        for row in batch:
            worker = known.get(row.nik)
            if worker is None:
                good.append(row)
                continue
            worker_id, stored_name, is_enrolled = worker
            if is_enrolled:
                message = _("This worker is already enrolled on this project.")
                report.problems.append(problem(row.row, nik_header, message))
            elif comparable_name(stored_name) != comparable_name(row.full_name):
                report.problems.append(problem(row.row, name_header, different_name_message()))
            else:
                row.worker_id = worker_id
                good.append(row)
        report.good_row_count += len(good)
        report.reused_worker_count += sum(1 for row in good if row.worker_id)
        report.new_worker_count += sum(1 for row in good if not row.worker_id)
        yield good


def different_name_message() -> str:
    return _(
        "This NIK is registered under a different name. Check the NIK and the name as written "
        "on the KTP; if both are right, ask the labour office to correct the record."
    )


def _known_workers(project, niks: list[str]) -> dict[str, tuple[int, str, bool]]:
    """NIK -> (worker id, stored name, enrolled and active on this project): one query."""
    if not niks:
        return {}
    active_here = Enrollment.objects.filter(
        project=project, worker=OuterRef("pk"), ended_on__isnull=True
    )
    rows = (
        Worker.objects.filter(nik__in=niks)
        .annotate(is_enrolled=Exists(active_here))
        .values_list("nik", "pk", "full_name", "is_enrolled")
    )
    return {nik: (pk, name, is_enrolled) for nik, pk, name, is_enrolled in rows}


def check_file(fileobj, *, project, max_rows: int | None = None) -> Report:
    """Check a whole file without writing anything (the preview)."""
    max_rows = max_rows or settings.PANTAU_IMPORT_MAX_ROWS
    with Table(fileobj, max_rows=max_rows) as table:
        report = Report(file_format=table.file_format)
        for _good in checked_batches(table, project=project, report=report):
            pass
    return report


def import_file(
    fileobj,
    *,
    project,
    user=None,
    max_rows: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check the file again (things may have changed since the preview) and enroll its good
    rows: multi-row INSERTs per batch, with history rows. The caller holds the transaction."""
    max_rows = max_rows or settings.PANTAU_IMPORT_MAX_ROWS
    with Table(fileobj, max_rows=max_rows) as table:
        report = Report(file_format=table.file_format)
        for good in checked_batches(table, project=project, report=report):
            _insert(good, project=project, user=user)
            if progress is not None:
                progress(report.row_count)
    return report


def _insert(rows: list[CleanRow], *, project, user) -> None:
    """Workers new to the system, then every row's enrollment, then their history rows: a few
    multi-row statements per batch and no model instance per row (bulk_create spent most of
    the import building them; see bench/README.md)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    created_by_id = user.pk if user is not None and user.is_authenticated else None
    new_rows = [row for row in rows if row.worker_id is None]
    _insert_values(
        Worker,
        ["nik", "full_name", "birth_date", "sex", "address", "phone", "created_at", "updated_at"],
        [
            (r.nik, r.full_name, ops.adapt_datefield_value(r.birth_date), r.sex, "", "", now, now)
            for r in new_rows
        ],
    )
    worker_ids = dict(
        Worker.objects.filter(nik__in=[row.nik for row in new_rows]).values_list("nik", "pk")
    )
    _insert_values(
        Enrollment,
        [
            "project",
            "worker",
            "job_title",
            "employment_type",
            "started_on",
            "planned_end_on",
            "created_by",
            "created_at",
            "updated_at",
        ],
        [
            (
                project.pk,
                row.worker_id or worker_ids[row.nik],
                row.job_title,
                row.employment_type,
                ops.adapt_datefield_value(row.started_on),
                ops.adapt_datefield_value(row.planned_end_on),
                created_by_id,
                now,
                now,
            )
            for row in rows
        ],
    )
    _copy_to_history(Worker, "id", list(worker_ids.values()), now=now, user_id=created_by_id)
    # One active enrollment per worker and project (workers_enrollment_one_active_per_project):
    # the batch's workers' active rows on this project are exactly the rows just inserted.
    enrolled = [row.worker_id or worker_ids[row.nik] for row in rows]
    _copy_to_history(
        Enrollment,
        "worker_id",
        enrolled,
        now=now,
        user_id=created_by_id,
        extra_where=("project_id = %s AND ended_on IS NULL", [project.pk]),
    )


def _insert_values(model, fields: list[str], values: list[tuple]) -> None:
    """Many rows in one statement: COPY on PostgreSQL (about 10 times faster there than a
    multi-row INSERT, whose 18,000 parameters psycopg binds on the client), a multi-row
    INSERT … VALUES elsewhere (one per chunk the database's parameter limit allows)."""
    if not values:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, (connection.features.max_query_params or 65535) // len(fields))
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([row_sql] * len(chunk))}",
                [value for row in chunk for value in row],
            )


def _copy_to_history(
    model, key: str, keys: list[int], *, now, user_id, extra_where=("1 = 1", [])
) -> None:
    """The "created" rows simple_history writes on save(), for many rows in one statement."""
    if not keys:
        return
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
    placeholders = ", ".join(["%s"] * len(keys))
    where_sql, where_params = extra_where
    # Table and column names come from the models' _meta; every value is a bound parameter.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608
        f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, NULL, '+', %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(key)} IN ({placeholders}) AND {where_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, user_id, *keys, *where_params])


# --- Templates and exports -------------------------------------------------------------------


def neutralise(value) -> str:
    """Every cell as text (a NIK stays 16 digits), defused like every export of the site
    (reference.spreadsheets.safe_cell): names and job titles are typed by people outside."""
    return safe_cell("" if value is None else str(value))


def csv_bytes(rows) -> Iterator[bytes]:
    """UTF-8 with BOM and semicolons: what Excel in an Indonesian locale opens as columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    yield codecs.BOM_UTF8
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def xlsx_bytes(rows, *, sheet_title: str) -> bytes:
    """A workbook written in write-only mode; every cell a string (a NIK stays 16 digits)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    # Whole columns as Text, so what a person types or pastes into the template stays as is.
    for letter in "ABCDEFGHI":
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = 24
    bold = Font(bold=True)
    for number, row in enumerate(rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.number_format = "@"  # Text, so Excel does not turn a NIK into a number
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
