"""The same report as a PDF (fpdf2): landscape A4, one section after another, figures as PNG."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from reports.document import Figure, Report, Section, Table

# DejaVu ships with matplotlib, so the PDF embeds a Unicode font without any download.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADER_FILL = (238, 244, 250)
HIGHLIGHT = FontFace(fill_color=(255, 241, 194))  # rows a table highlights (as in the HTML)
MIN_FIGURE_MM = 110  # a figure gets at least this height, on a fresh page if need be
MIN_TABLE_MM = 40  # room for a table's title and first rows, so the title is never left alone


def render_pdf(report: Report) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(report.title)
    pdf.add_page()
    _text(pdf, report.title, size=18, bold=True)
    _text(pdf, report.subtitle, size=11)
    for section in report.sections:
        if _room(pdf) < _first_needs(section) + 10:  # keep the section title with its first item
            pdf.add_page()
        _text(pdf, section.title, size=14, bold=True)
        for paragraph in section.paragraphs:
            _text(pdf, paragraph)
        for bullet in section.bullets:
            _text(pdf, f"\u2022 {bullet}")
        for item in section.items:
            _figure(pdf, item) if isinstance(item, Figure) else _table(pdf, item)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, size: float = 10, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1.5)


def _first_needs(section: Section) -> float:
    """Height (mm) the first figure or table of a section needs on the page."""
    if not section.items or section.paragraphs or section.bullets:
        return MIN_TABLE_MM
    return MIN_FIGURE_MM if isinstance(section.items[0], Figure) else MIN_TABLE_MM


def _room(pdf: FPDF) -> float:
    return pdf.h - pdf.b_margin - pdf.get_y()


def _figure(pdf: FPDF, figure: Figure) -> None:
    if _room(pdf) < MIN_FIGURE_MM:
        pdf.add_page()
    pdf.image(io.BytesIO(figure.png), h=_room(pdf) - 12, keep_aspect_ratio=True, w=pdf.epw)  # 12 mm: caption
    _text(pdf, figure.caption, size=8)


PDF_MAX_ROWS = 60  # longer tables (hundreds of regions) stay whole in the HTML report and the CSV files


def _table(pdf: FPDF, table: Table) -> None:
    if _room(pdf) < MIN_TABLE_MM:
        pdf.add_page()
    _text(pdf, table.title, size=11, bold=True)
    columns = len(table.frame.columns)
    pairs = columns == 2  # item/value tables read best left-aligned
    pdf.set_font("DejaVu", "", 7 if columns > 8 else 8)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        text_align=["LEFT" if left else "RIGHT" for left in table.left_aligned()],
        col_widths=[1, 3] if pairs else [3] + [2] * (columns - 1),
        line_height=pdf.font_size * 1.6,
    ) as grid:
        grid.row([str(c) for c in table.frame.columns])
        for i, values in enumerate(table.frame.head(PDF_MAX_ROWS).itertuples(index=False)):
            grid.row([str(v) for v in values], style=HIGHLIGHT if i in table.highlight else None)
    rows = len(table.frame)
    cut = (
        f"The first {PDF_MAX_ROWS} of {rows:,} rows; report.html and the CSV files hold them all. "
        if rows > PDF_MAX_ROWS
        else ""
    )
    if cut or table.note:
        _text(pdf, cut + (table.note or ""), size=8)
