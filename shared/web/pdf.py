"""The seed's paper forms as PDF (CONTRACT "Console": text extractable, Chinese labels).

One builder for every form: a title, the form's number, label/value fields, tables of
lines, signatures (a drawn signature is a PNG data URL, shown as the image) and a
footer. Chinese text is set in the standard CJK fonts of the PDF specification
(``STSong-Light`` for Simplified, ``MSung-Light`` for Traditional), which every PDF reader
carries, so nothing renders as boxes and ``pdftotext`` reads the text back.

The forms (``PaperForm`` and its parts) are plain data; ReportLab, which sets them, is
loaded by ``shared.web.pdf_render`` at the first form printed, so a service that prints
nothing does not carry it (issue 17, memory).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Signature:
    label: str
    signer: str
    image_data_url: str | None = None


@dataclass
class Section:
    """A part of a form: label/value fields, or a table with a header row."""

    title: str | None = None
    fields: Sequence[tuple[str, str]] = ()
    header: Sequence[str] = ()
    rows: Sequence[Sequence[str]] = ()


@dataclass
class PaperForm:
    title: str
    number: str
    sections: list[Section] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    footer: str = ""
    copies: Sequence[str] = ("",)  # one page set per holder (e.g. C9.8's five copies)


def render(form: PaperForm, lang: str = "zh-Hans") -> bytes:
    """The form as PDF bytes."""
    from . import pdf_render

    return pdf_render.render(form, lang)


def letter_pdf(*, sender: Sequence[str], recipient: Sequence[str], date_line: str,
               subject: str, body: str, reference: str = "", lang: str = "zh-Hans") -> bytes:
    """A letter for postal mail (shared.letters): the sender's lines, the recipient's
    address block (for a window envelope), the date, the subject and the body, one
    paragraph per blank-line-separated block; line breaks inside a block are kept."""
    from . import pdf_render

    return pdf_render.letter_pdf(sender=sender, recipient=recipient, date_line=date_line,
                                 subject=subject, body=body, reference=reference, lang=lang)
