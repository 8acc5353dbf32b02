"""The page: fonts, colours, type scale, running header and footer, and layout helpers that
keep a heading on the same page as what follows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, TableCellFillMode, XPos, YPos

from goalplan_pdf import fonts

# A restrained palette: near-black ink, two greys, one accent (a deep teal) and its tint; green,
# amber and brick red only for what a reader must notice (on track, at risk, off track).
INK = (33, 37, 41)
MUTED = (105, 112, 119)
RULE = (214, 219, 224)
ACCENT = (22, 96, 112)
TINT = (234, 242, 244)
GOOD = (36, 120, 72)
WARN = (166, 98, 8)  # amber, for "at risk"
BAD = (168, 50, 44)  # brick red, for "off track" and worsening
PANEL = (246, 248, 249)
TONES = {"plain": INK, "good": GOOD, "warn": WARN, "bad": BAD}

BODY = 9.5
SMALL = 8.0
TINY = 7.0
LINE = 4.6  # mm per body line
MARGIN_X = 20.0
MARGIN_TOP = 22.0
MARGIN_BOTTOM = 24.0


class PlanDocument(FPDF):  # type: ignore[misc]
    """An FPDF that refuses to draw a character its font lacks instead of dropping it."""

    def __init__(
        self,
        *,
        paper: str,
        compliance: str | None,
        running_title: str,
        footer_lines: Sequence[str],
        warning: str = "",
    ):
        super().__init__(orientation="portrait", unit="mm", format=paper, enforce_compliance=compliance)
        self.warning = warning
        """Printed at the top of every page: the log failed verification (--allow-broken)."""
        self.running_title = running_title
        self.footer_lines = tuple(footer_lines)
        self.current_field = "text"
        for (family, style), _ in fonts.FONT_FILES.items():
            self.add_font(family, style, str(fonts.font_path(family, style)))
        self.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        self.set_auto_page_break(True, MARGIN_BOTTOM)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.c_margin = 0
        self.style("body")

    # text safety -------------------------------------------------------------------------

    def normalize_text(self, text: str) -> str:
        text = fonts.clean(text)
        covered = fonts.coverage(self.font_family, self.font_style.replace("U", ""))
        fonts.check_text(self.current_field, text, covered)
        return str(super().normalize_text(text))

    # type scale --------------------------------------------------------------------------

    def style(self, name: str) -> None:
        family, emphasis, size, colour = STYLES[name]
        self.set_font(family, emphasis, size)
        self.set_text_color(*colour)

    # running header and footer -----------------------------------------------------------

    def header(self) -> None:
        if self.warning:
            self.set_xy(self.l_margin, 3.5)
            self.set_font(fonts.FAMILY, "B", 6.6)
            self.set_text_color(180, 0, 0)
            self.multi_cell(self.epw, 2.9, self.warning, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.style("body")
            self.set_y(MARGIN_TOP)
        if self.page_no() == 1:
            return
        self.set_y(11)
        self.style("running")
        self.cell(self.epw / 2, 4, self.running_title, align=Align.L)
        self.cell(self.epw / 2, 4, "Treatment plan", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_y(MARGIN_TOP)
        self.style("body")

    def footer(self) -> None:
        top = self.h - 16
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, top, self.w - self.r_margin, top)
        self.set_xy(self.l_margin, top + 1.8)
        self.style("running")
        self.cell(self.epw - 30, 3.4, self.footer_lines[0], align=Align.L)
        self.cell(30, 3.4, f"Page {self.page_no()} of {{nb}}", align=Align.R)
        self.set_xy(self.l_margin, top + 5.4)
        self.set_font(fonts.MONO, "", 5.9)
        self.set_text_color(*MUTED)
        self.cell(self.epw, 3.2, self.footer_lines[1], align=Align.L)
        self.style("body")

    # layout helpers ----------------------------------------------------------------------

    @property
    def room(self) -> float:
        """Height left on this page above the bottom margin."""
        return float(self.page_break_trigger - self.y)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` fits: a heading never ends a page alone."""
        if height > self.room:
            self.add_page()

    def text_height(self, text: str, width: float, line: float = LINE) -> float:
        height = self.multi_cell(width, line, text, dry_run=True, output="HEIGHT", align=Align.L)
        return float(height)

    def paragraph(
        self, text: str, *, field: str = "text", line: float = LINE, width: float | None = None
    ) -> None:
        self.current_field = field
        self.set_x(self.l_margin)
        self.multi_cell(width or self.epw, line, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.current_field = "text"

    def section(self, title: str, *, follow: float = 30) -> None:
        """A numbered-free top-level heading with a rule, kept with ``follow`` mm of content."""
        self.keep(14 + follow)
        if self.y > self.t_margin + 1:
            self.ln(5)
        self.start_section(title, level=0)
        self.style("h1")
        self.cell(self.epw, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.line(self.l_margin, self.y + 0.6, self.l_margin + 18, self.y + 0.6)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin + 18, self.y + 0.6, self.w - self.r_margin, self.y + 0.6)
        self.ln(4.5)
        self.style("body")

    def label_value(self, label: str, value: str, *, label_width: float = 34, field: str = "text") -> None:
        """A definition row: small grey label on the left, wrapped value on the right."""
        width = self.epw - label_width
        self.style("body")
        self.current_field = field
        height = self.text_height(value or "—", width)
        self.keep(height + 1)
        y = self.y
        self.style("label")
        self.set_xy(self.l_margin, y + 0.35)
        self.cell(label_width, LINE, label.upper())
        self.style("body")
        self.set_xy(self.l_margin + label_width, y)
        self.current_field = field
        self.multi_cell(width, LINE, value or "—", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.current_field = "text"
        self.ln(1.2)

    def table_start_height(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float = SMALL,
    ) -> float:
        """Height of a table's heading row plus its first row: what must fit before it starts."""
        self.set_font(fonts.FAMILY, "B", size - 0.5)
        head = max(self.text_height(h, w - 3, size * 0.5) for h, w in zip(headings, widths, strict=True))
        self.set_font(fonts.FAMILY, "", size)
        first = (
            max(
                (self.text_height(c, w - 3, size * 0.5) for c, w in zip(rows[0], widths, strict=True)),
                default=0,
            )
            if rows
            else 0.0
        )
        self.style("body")
        return head + first + 2 * 2.8 + 1

    def text_block_height(self, text: str, *, style: str = "muted", line: float = LINE) -> float:
        self.style(style)
        height = self.text_height(text, self.epw, line)
        self.style("body")
        return height

    def data_table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        field: str = "table",
        size: float = SMALL,
    ) -> None:
        """A table whose heading row repeats on every page it runs onto."""
        self.current_field = field
        # Keep the heading row with at least the first data row.
        self.keep(self.table_start_height(headings, rows, widths, size))
        self.set_font(fonts.FAMILY, "", size)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.set_fill_color(248, 250, 251)
        style = FontFace(
            family=fonts.FAMILY, emphasis="BOLD", size_pt=size - 0.5, color=ACCENT, fill_color=TINT
        )
        kwargs: dict[str, Any] = {
            "col_widths": tuple(widths),
            "width": min(sum(widths), self.epw),
            "align": Align.L,
            "text_align": Align.L,
            "v_align": "TOP",
            "line_height": size * 0.5,
            "padding": (1.4, 1.5, 1.4, 1.5),
            "borders_layout": TableBordersLayout.HORIZONTAL_LINES,
            "headings_style": style,
            "cell_fill_color": (248, 250, 251),
            "cell_fill_mode": TableCellFillMode.EVEN_ROWS,
            "repeat_headings": 1,
        }
        with self.table(**kwargs) as table:
            header = table.row()
            for heading in headings:
                header.cell(heading)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.current_field = "text"
        self.style("body")


STYLES: dict[str, tuple[str, str, float, tuple[int, int, int]]] = {
    "title": (fonts.FAMILY, "B", 20, INK),
    "kicker": (fonts.FAMILY, "B", 8, ACCENT),
    "h1": (fonts.FAMILY, "B", 13, ACCENT),
    "h2": (fonts.FAMILY, "B", 11.5, INK),
    "h3": (fonts.FAMILY, "B", 10.5, INK),
    "quote": (fonts.FAMILY, "I", 10.5, INK),
    "body": (fonts.FAMILY, "", BODY, INK),
    "bold": (fonts.FAMILY, "B", BODY, INK),
    "muted": (fonts.FAMILY, "", SMALL, MUTED),
    "label": (fonts.FAMILY, "B", 6.8, MUTED),
    "running": (fonts.FAMILY, "", TINY, MUTED),
    "accent": (fonts.FAMILY, "B", SMALL, ACCENT),
}
