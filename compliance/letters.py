"""Warning letters (Surat Teguran I/II, sanction recommendation) as PDF, on the office's letterhead.

The legal ladder is PP 86/2013 (written warning, then a fine, then loss of certain public
services) for the obligations of UU 24/2011 Pasal 15 and PP 44/2015 Pasal 53 (domain.md §1, §8).
An official letter is always in Bahasa Indonesia, whatever the language of the person who
prints it. The PDF is only a draft until the office records the letter as sent
(services.record_warning_letter), which is what advances the escalation step.
"""

import io
from datetime import date, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from reference.rupiah import format_rupiah

from .models import ComplianceFlag, Registration, WarningLetter
from .rules import RULE_TEXT
from .services import contribution_due

LEGAL_BASIS = (
    "Undang-Undang Nomor 24 Tahun 2011 tentang Badan Penyelenggara Jaminan Sosial, Pasal 15 dan 17",
    "Peraturan Pemerintah Nomor 44 Tahun 2015 tentang Penyelenggaraan Program Jaminan Kecelakaan "
    "Kerja dan Jaminan Kematian, Pasal 53 dan 59",
    "Peraturan Pemerintah Nomor 86 Tahun 2013 tentang Tata Cara Pengenaan Sanksi Administratif "
    "kepada Pemberi Kerja Selain Penyelenggara Negara",
    "Peraturan Menteri Ketenagakerjaan Nomor 5 Tahun 2021 tentang Tata Cara Penyelenggaraan "
    "Program Jaminan Kecelakaan Kerja, Jaminan Kematian, dan Jaminan Hari Tua",
    "Instruksi Presiden Nomor 2 Tahun 2021 tentang Optimalisasi Pelaksanaan Program Jaminan "
    "Sosial Ketenagakerjaan",
)


def deadline_for(sent_on: date) -> date:
    """The contractor's time to comply: the interval before the next step (calendar days)."""
    return sent_on + timedelta(days=settings.PANTAU_LETTER_INTERVAL_DAYS)


def render_warning_letter(*, flag: ComplianceFlag, step: int, number: str, sent_on: date, office):
    """The letter as PDF bytes."""
    with translation.override("id"):
        return _render(flag=flag, step=step, number=number, sent_on=sent_on, office=office)


def _render(*, flag, step, number, sent_on, office) -> bytes:
    project = flag.project
    contractor = project.contractor
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=10.5, leading=14)
    centre = ParagraphStyle("centre", parent=body, alignment=1)
    head = ParagraphStyle("head", parent=centre, fontSize=13, leading=16, fontName="Helvetica-Bold")
    small = ParagraphStyle("small", parent=centre, fontSize=9, leading=11)
    title = str(WarningLetter.Step(step).label).upper()
    due = contribution_due(project)
    live = project.registrations.exclude(status=Registration.Status.REJECTED).first()
    paid = live.payments_total if live else 0

    story = [
        Paragraph(escape((office.letterhead_government or "").upper()), head),
        Paragraph(escape((office.letterhead_agency or office.name).upper()), head),
        Paragraph(
            escape(" · ".join(p for p in (office.address, office.phone, office.email) if p)),
            small,
        ),
        HRFlowable(width="100%", thickness=1.5, spaceBefore=4, spaceAfter=10),
        Table(
            [
                [_("Number"), ":", number],
                [_("Subject"), ":", title],
            ],
            colWidths=[25 * mm, 4 * mm, 130 * mm],
            style=TableStyle([("FONTSIZE", (0, 0), (-1, -1), 10.5)]),
        ),
        Spacer(1, 6),
        Paragraph(
            escape(f"{office.letter_city or office.region.name}, {date_format(sent_on, 'j F Y')}"),
            body,
        ),
        Spacer(1, 8),
        Paragraph(
            escape(_("To:"))
            + f"<br/><b>{escape(contractor.legal_name)}</b><br/>{escape(contractor.address)}",
            body,
        ),
        Spacer(1, 10),
        Paragraph(_("Legal basis:"), body),
    ]
    story += [Paragraph(f"{index}. {text}", body) for index, text in enumerate(LEGAL_BASIS, 1)]
    story += [
        Spacer(1, 8),
        Paragraph(
            _(
                "Based on the monitoring of the BPJS Ketenagakerjaan coverage of construction "
                "projects in our region, we found the following on your project:"
            ),
            body,
        ),
        Spacer(1, 4),
        Table(
            [
                [_("Project"), project.name],
                [
                    _("Contract (SPK)"),
                    f"{project.spk_number}, {date_format(project.spk_date, 'j F Y')}",
                ],
                [_("Owner"), str(project.work_unit)],
                [_("Contract value before PPN"), format_rupiah(project.current_base_value)],
                [_("Contribution due (JKK + JKM)"), format_rupiah(due)],
                [_("Contribution paid"), format_rupiah(paid)],
                [_("Registration due on"), date_format(project.registration_due_on, "j F Y")],
                [_("Finding"), Paragraph(str(RULE_TEXT[flag.rule][0]), body)],
            ],
            colWidths=[55 * mm, 105 * mm],
            style=TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 10),
                    ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        ),
        Spacer(1, 8),
        Paragraph(
            _(
                "We therefore ask you, no later than <b>%(deadline)s</b>, to do the following and "
                "record it in Pantau Jakon: %(fix)s If by then it is not done, the next step of "
                "administrative sanctions under PP 86/2013 will be taken."
            )
            % {
                "fix": escape(str(RULE_TEXT[flag.rule][1])),
                "deadline": date_format(deadline_for(sent_on), "j F Y"),
            },
            body,
        ),
        Spacer(1, 24),
        Paragraph(escape(office.head_title or ""), centre),
        Spacer(1, 40),
        Paragraph(f"<b><u>{escape(office.head_name)}</u></b>", centre),
        Paragraph(escape(f"NIP {office.head_nip}") if office.head_nip else "", centre),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{title} {number}",
        author=office.name,
    )
    document.build(story)
    return buffer.getvalue()
