"""Rendering a letter: the template text with its values, then the PDF.

The text is a Django template rendered by its own engine: no autoescaping (the output is a
PDF, not HTML), no loaders (a template cannot include files), and an undefined placeholder
renders as a marker that `render_text` refuses, so a typo in an admin's edit never reaches a
borrower as a blank.

The PDF embeds DejaVu Sans (vendored under letters/fonts/, subset into each PDF): the PDF
core fonts stop at Latin-1, and a letter must print a borrower's name as it is spelled
(Nguyễn, Łukasz). A character the font lacks is refused rather than printed as a blank box.
"""

import logging
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError
from fontTools.ttLib import TTFont
from fpdf import FPDF

from lossmit.errors import BadInput

_INVALID = "\u0000UNDEFINED\u0000"
_ENGINE = Engine(autoescape=False, string_if_invalid=_INVALID, libraries={}, builtins=None)
# fontTools narrates every subset at INFO; one letter would write a hundred log lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts" / "dejavu-2.37"
FONT = "DejaVu"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
PAGE_MARGIN_MM = 20
LINE_HEIGHT_MM = 5.2


def render_text(source: str, context: dict[str, Any], *, field: str = "body") -> str:
    """Render template text with `context`. BadInput on a syntax error or an unknown placeholder."""
    try:
        template = _ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        message = f"The {field} is not a valid template: {exc}"
        raise BadInput("template_syntax", message, fields={field: [str(exc)]}) from None
    text = template.render(Context(context, autoescape=False))
    if _INVALID in text:
        raise BadInput(
            "template_unknown_placeholder",
            f"The {field} uses a placeholder this letter does not have.",
            fields={field: ["Use only the placeholders listed below."]},
        )
    return _tidy(text)


def _tidy(text: str) -> str:
    """Template tags leave blank lines behind; keep at most one blank line in a row."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Code points both faces can draw."""
    faces = [set(TTFont(path, lazy=True).getBestCmap()) for path in FONT_FILES.values()]
    return frozenset(set.intersection(*faces))


def printable(text: str) -> str:
    """`text` unchanged when the letter font can print every character, else BadInput naming it."""
    covered = _covered()
    for char in text:
        if char not in "\n\t" and ord(char) not in covered:
            raise BadInput("unprintable", f"The letter contains a character the PDF font cannot print: {char!r}.")
    return text


class _LetterPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()} of {{nb}}", align="C")


def render_pdf(
    *,
    servicer: dict[str, str],
    sent_on: date,
    letter_date: str,
    recipient: str,
    address: list[str],
    loan_number: str,
    subject: str,
    body: str,
) -> bytes:
    """The letter as a one-column A4/Letter PDF: servicer, date, recipient, loan, subject, body."""
    pdf = _LetterPDF(format="Letter", unit="mm")
    for style, path in FONT_FILES.items():
        pdf.add_font(FONT, style, str(path))
    pdf.footer_text = printable(f"Loan {loan_number} - {subject}")
    pdf.set_creation_date(_pdf_datetime(sent_on))
    pdf.set_title(printable(subject))
    pdf.set_author(printable(servicer.get("name", "")))
    pdf.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.w - 2 * PAGE_MARGIN_MM

    pdf.set_font(FONT, style="B", size=11)
    pdf.multi_cell(width, LINE_HEIGHT_MM, printable(servicer.get("name", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in (servicer.get("department", ""), servicer.get("address", ""), servicer.get("phone", "")):
        if line:
            pdf.multi_cell(width, 4.5, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(width, LINE_HEIGHT_MM, printable(letter_date), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in [recipient, *address]:
        pdf.multi_cell(width, LINE_HEIGHT_MM, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(width, LINE_HEIGHT_MM, printable(f"Loan number: {loan_number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, style="B", size=11)
    pdf.multi_cell(width, 6, printable(subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, size=10)
    for line in printable(body).split("\n"):
        if line.strip() == "":
            pdf.ln(LINE_HEIGHT_MM / 1.5)
        else:
            pdf.multi_cell(width, LINE_HEIGHT_MM, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pdf_datetime(day: date) -> datetime:
    # A fixed creation time (noon UTC on the sent date) keeps the same letter's bytes identical
    # however often it is rendered.
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
