"""The monev report as XLSX (three sheets) and as a landscape PDF for printing at the meeting."""

import io

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reference.rupiah import format_rupiah
from reference.spreadsheets import safe_cell


def _group_header():
    return [
        _("Group"),
        _("Packages"),
        _("Contract value (Rp)"),
        _("Registered"),
        _("Registered (%)"),
        _("Value covered (Rp)"),
        _("Contribution paid (Rp)"),
    ]


def _localized(value) -> str:
    """A count or a percentage as the language writes it, for the PDF: "1.250" and "33,3" in
    Indonesian, "1,250" and "33.3" in English (the XLSX keeps numbers)."""
    return number_format(value, force_grouping=True)


def _group_row(row, money=lambda v: v, number=lambda v: v):
    share = row["registered_percent"]
    return [
        str(row["label"]),
        number(row["packages"]),
        money(row["value"]),
        number(row["registered"]),
        number(share) if share is not None else "",
        money(row["value_covered"]),
        money(row["paid"]),
    ]


def _unregistered_header():
    return [
        _("Project"),
        _("SPK number"),
        _("Owner"),
        _("Contractor"),
        _("NPWP"),
        _("Value before PPN (Rp)"),
        _("Start date"),
        _("Days overdue"),
        _("Escalation step"),
    ]


def _unregistered_row(item, money=lambda v: v, day=lambda d: d):
    project = item["project"]
    return [
        project.name,
        project.spk_number,
        str(project.work_unit),
        project.contractor.legal_name,
        project.contractor.npwp,
        money(project.current_base_value),
        day(project.start_date),
        item["days_overdue"],
        str(item["step_label"]),
    ]


def report_xlsx(report: dict) -> bytes:
    workbook = Workbook()
    sheets = (
        (_("Per owner"), _group_header(), report["by_owner"], report["by_owner_total"]),
        (
            _("Per funding source"),
            _group_header(),
            report["by_funding"],
            report["by_funding_total"],
        ),
    )
    first = True
    for title, header, rows, total in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = title[:31]
        sheet.append([safe_cell(c) for c in header])
        for row in [*rows, total]:
            sheet.append([safe_cell(c) for c in _group_row(row)])
    sheet = workbook.create_sheet(_("Unregistered")[:31])
    sheet.append([safe_cell(c) for c in _unregistered_header()])
    for item in report["unregistered"]:
        sheet.append([safe_cell(c) for c in _unregistered_row(item)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_pdf(report: dict, *, title: str) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, "#888888"),
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), "#e6ece9"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]
    )

    def table(header, rows):
        data = [header] + [
            [Paragraph(escape(str(value)), cell) if i == 0 else value for i, value in enumerate(r)]
            for r in rows
        ]
        return Table(data, repeatRows=1, style=grid)

    period = report["period"]
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                _("Period %(start)s to %(end)s")
                % {
                    "start": date_format(period.start, "j F Y"),
                    "end": date_format(period.end, "j F Y"),
                }
            ),
            styles["Normal"],
        ),
        Spacer(1, 8),
    ]
    for heading, rows, total in (
        (_("Per owner (work unit)"), report["by_owner"], report["by_owner_total"]),
        (_("Per funding source"), report["by_funding"], report["by_funding_total"]),
    ):
        story += [
            Paragraph(escape(heading), styles["Heading2"]),
            table(
                _group_header(),
                [_group_row(r, format_rupiah, _localized) for r in [*rows, total]],
            ),
        ]
    story += [
        Paragraph(escape(_("Unregistered projects")), styles["Heading2"]),
        table(
            _unregistered_header(),
            [
                [
                    Paragraph(escape(str(v)), cell) if isinstance(v, str) else v
                    for v in _unregistered_row(
                        item, format_rupiah, lambda d: date_format(d, "j M Y")
                    )
                ]
                for item in report["unregistered"]
            ],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    ).build(story)
    return buffer.getvalue()
