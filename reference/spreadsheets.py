"""CSV and XLSX downloads that a spreadsheet cannot be tricked by.

A cell starting with = + - @, a tab or a carriage return is run as a formula by Excel and
LibreOffice (CSV/formula injection, OWASP): such text gets a leading apostrophe. Numbers and
dates stay numbers and dates. Rows are streamed: memory stays flat however long the export.
"""

import csv
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel reads UTF-8 only with a BOM
        yield writer.writerow([safe_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, header: list[str], rows: Iterable[list], *, sheet_title: str | None = None
):
    """openpyxl's write-only workbook keeps one row in memory at a time. A sheet title is cut
    to Excel's 31 characters."""
    import tempfile

    from django.http import FileResponse
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] if sheet_title else None)
    sheet.append([safe_cell(cell) for cell in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
