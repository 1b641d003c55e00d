"""Sets the paper forms of ``shared.web.pdf`` with ReportLab (imported only here)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import _cidfontdata, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .pdf import PaperForm

FONTS = {"zh-Hans": "STSong-Light", "zh-Hant": "MSung-Light", "en": "STSong-Light"}
# ReportLab names the GB (Simplified) CMap for MSung-Light, a CNS1 (Traditional) font, so
# readers and pdftotext cannot map its text; the CNS1 Unicode CMap is the right one.
_cidfontdata.defaultUnicodeEncodings["MSung-Light"] = ("cht", "UniCNS-UCS2-H")
for _font in set(FONTS.values()):
    pdfmetrics.registerFont(UnicodeCIDFont(_font))


def _image(data_url: str) -> Image | None:
    head, _, data = data_url.partition(",")
    if not head.startswith("data:image/png;base64"):
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        return None
    image = Image(io.BytesIO(raw), width=60 * mm, height=22 * mm, kind="proportional")
    return image


def render(form: PaperForm, lang: str = "zh-Hans") -> bytes:
    """The form as PDF bytes."""
    font = FONTS.get(lang, "STSong-Light")
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    head = ParagraphStyle("head", fontName=font, fontSize=11, leading=15, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11,
                           textColor=colors.grey)

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        safe = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe, style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
    story: list[object] = []
    for index, holder in enumerate(form.copies):
        if index:
            story.append(PageBreak())
        story.append(p(form.title, title))
        story.append(p(f"{form.number}" + (f"    {holder}" if holder else ""), head))
        for section in form.sections:
            if section.title:
                story.append(p(section.title, head))
            if section.fields:
                table = Table([[p(k), p(v)] for k, v in section.fields],
                              colWidths=[40 * mm, 130 * mm])
                table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
                story.append(table)
            if section.header:
                rows = [[p(h) for h in section.header]]
                rows += [[p(c) for c in row] for row in section.rows]
                table = Table(rows, repeatRows=1)
                table.setStyle(grid)
                story.append(table)
            story.append(Spacer(1, 3 * mm))
        for sig in form.signatures:
            cells: list[object] = [p(sig.label), p(sig.signer)]
            image = _image(sig.image_data_url) if sig.image_data_url else None
            cells.append(image or p(""))
            table = Table([cells], colWidths=[40 * mm, 60 * mm, 70 * mm])
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
            story.append(table)
        if form.footer:
            story.append(Spacer(1, 4 * mm))
            story.append(p(form.footer, small))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=form.title, leftMargin=18 * mm,
                      rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
                      invariant=True).build(story)
    return buffer.getvalue()


def letter_pdf(*, sender: Sequence[str], recipient: Sequence[str], date_line: str,
               subject: str, body: str, reference: str = "", lang: str = "zh-Hans") -> bytes:
    """A letter for postal mail (shared.letters): the sender's lines, the recipient's
    address block (for a window envelope), the date, the subject and the body, one
    paragraph per blank-line-separated block; line breaks inside a block are kept."""
    font = FONTS.get(lang, "STSong-Light")
    small = ParagraphStyle("l-small", fontName=font, fontSize=9, leading=13,
                           textColor=colors.grey)
    address = ParagraphStyle("l-address", fontName=font, fontSize=11, leading=16)
    heading = ParagraphStyle("l-subject", fontName=font, fontSize=13, leading=19,
                             spaceBefore=10, spaceAfter=8)
    text = ParagraphStyle("l-body", fontName=font, fontSize=10.5, leading=17, spaceAfter=7)

    def p(value: str, style: ParagraphStyle) -> Paragraph:
        safe = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe.replace("\n", "<br/>"), style)

    story: list[object] = [p("\n".join(sender), small), Spacer(1, 14 * mm),
                           p("\n".join(line for line in recipient if line), address),
                           Spacer(1, 14 * mm), p(date_line, small)]
    if reference:
        story.append(p(reference, small))
    story.append(p(subject, heading))
    blocks = [b.strip("\n") for b in body.replace("\r\n", "\n").split("\n\n")]
    story += [p(block, text) for block in blocks if block.strip()]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=subject, leftMargin=22 * mm,
                      rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm,
                      invariant=True).build(story)
    return buffer.getvalue()
