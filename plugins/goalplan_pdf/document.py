"""The page: fonts, colours, type scale, running header and footer, and layout helpers that
keep a heading on the same page as what follows it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, TableCellFillMode, XPos, YPos

from goalplan_pdf import fonts
from goalplan_pdf.fallback import Fallbacks

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
RUNNING_TOP = 11.0  # the running title's top, below the --allow-broken banner's two lines
RUNNING_RULE = 16.0
BANNER_GAP = 1.7  # between the banner's last line and the running title
MARGIN_BOTTOM = 24.0
MISSING = "Not recorded (required)"  # the placeholder for a required element with no value
COUNT_WIDTH = 24.0  # the footer's "Page x of y"
LONG_WORD = 8  # words this long or longer are measured, in case they are wider than their column


class PlanDocument(FPDF):
    """An FPDF that draws a visible replacement mark for a character no font has, instead of
    dropping it, and keeps its running header and footer at the page margins."""

    def __init__(
        self,
        *,
        paper: str,
        compliance: str | None,
        running_title: str,
        footer_lines: Sequence[str],
        fallbacks: Fallbacks | None = None,
        shaping: bool = False,
        warning: str = "",
    ):
        super().__init__(orientation="portrait", unit="mm", format=paper, enforce_compliance=compliance)
        self.warning = warning
        """Printed at the top of every page: the log failed verification (--allow-broken)."""
        self.banner_drop = 0.0
        """How far a warning longer than two lines pushes the running title and the body down."""
        self.running_title = running_title
        self.footer_lines = tuple(footer_lines)
        self.current_field = "text"
        for (family, style), _ in fonts.FONT_FILES.items():
            fonts.install(
                self, family, style, str(fonts.font_path(family, style)), body=family == fonts.FAMILY
            )
        self.fallback_families: list[str] = []
        extra: frozenset[str] = frozenset()
        if fallbacks is not None and fallbacks.regular:
            for i, (face, bold) in enumerate(zip(fallbacks.regular, fallbacks.bold, strict=True)):
                family = f"fallback{i}"
                fonts.install(self, family, "", face.path, face.index)
                if bold is not None:
                    fonts.install(self, family, "B", bold.path, bold.index)
                self.fallback_families.append(family)
                extra |= frozenset(c for c in fallbacks.needed if face.has(c))
        # Shaping and fallback fonts are switched on only for the texts that need them: fpdf2's
        # line breaking re-shapes a fragment for every character it adds, which would make every
        # English paragraph of a plan with one Arabic name many times slower.
        needed = fallbacks.needed if fallbacks is not None else frozenset()
        self.shaping_chars = frozenset(c for c in needed if shaping and fonts.needs_shaping({c}))
        self.fallback_chars = extra
        self._mode = (False, False)
        self._drawing = 0  # depth of cell/multi_cell calls under way
        self._numbered = False
        self.drawable = {style: fonts.coverage(fonts.FAMILY, style) | extra for style in ("", "B", "I")}
        self.drawable["mono"] = fonts.coverage(fonts.MONO, "")
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # pages are counted once all exist: see number_pages
        self.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        self.set_auto_page_break(True, MARGIN_BOTTOM)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.c_margin = 0
        self.style("body")

    # text safety -------------------------------------------------------------------------

    def normalize_text(self, text: str) -> str:
        text = fonts.clean(text)
        if self.font_family == fonts.MONO:
            covered = self.drawable["mono"]
        else:
            covered = self.drawable.get(self.font_style.replace("U", ""), self.drawable[""])
        text = fonts.replace_missing(text, covered)
        if not self._drawing:
            # a line of a paragraph being drawn keeps the paragraph's mode: switching it between
            # shaping and drawing would print shaped glyph ids as characters
            self._text_mode(text)
        return str(super().normalize_text(text))

    def cell(
        self, w: float | None = None, h: float | None = None, text: str = "", *args: Any, **kwargs: Any
    ) -> Any:
        if not self._drawing:
            self._text_mode(fonts.clean(str(text)))
            self._settle_font(str(text))
        self._drawing += 1
        try:
            return super().cell(w, h, text, *args, **kwargs)
        finally:
            self._drawing -= 1

    def _settle_font(self, text: str) -> None:
        """Set the body font on the page before a text that starts in a fallback font.

        fpdf2 (2.8) otherwise sets it inside that line's saved graphics state, so it is undone
        when the line ends while fpdf2 takes it as set, and the next line is drawn in whatever
        font was set before: its glyph codes print as the wrong letters. A zero-width space in the
        body font sets it where it lasts.
        """
        if not self._mode[0] or not text or text.lstrip()[:1] not in self.fallback_chars:
            return
        x, y = self.x, self.y
        self._drawing += 1
        try:
            super().cell(0.01, 0.01, "\u200b")
        finally:
            self._drawing -= 1
        self.set_xy(x, y)

    def _text_mode(self, text: str) -> None:
        """Fallback fonts for a text with characters DejaVu lacks; HarfBuzz shaping (and the bidi
        algorithm) for one in a complex script. Every text is measured and drawn through here."""
        mode = (
            bool(self.fallback_chars) and not self.fallback_chars.isdisjoint(text),
            bool(self.shaping_chars) and not self.shaping_chars.isdisjoint(text),
        )
        if mode[0] != self._mode[0]:
            self.set_fallback_fonts(self.fallback_families if mode[0] else [], exact_match=False)
            self._mode = (mode[0], self._mode[1])
        # shaping is part of fpdf2's graphics state, which a table or local context restores on
        # exit: compare with the state itself, not with what was last set
        if mode[1] != bool(self.text_shaping):
            # the document is English: a line that starts with a client's Arabic or Hebrew name
            # still reads left to right, with the name itself right to left
            self.set_text_shaping(mode[1], direction="ltr")

    def multi_cell(self, w: float, h: float | None = None, text: str = "", *args: Any, **kwargs: Any) -> Any:
        pad = kwargs.get("padding")
        if hasattr(pad, "left"):
            inset = getattr(pad, "left") + getattr(pad, "right")  # noqa: B009  # an fpdf2 Padding
        else:
            inset = (pad[1] + pad[3]) if pad else 0.0
        text = self.breakable(str(text), w - inset if w else w)
        if not self._drawing:
            self._text_mode(fonts.clean(text))  # before fpdf2 looks at its shaping settings
            self._settle_font(text)
        self._drawing += 1
        try:
            return super().multi_cell(w, h, text, *args, **kwargs)
        finally:
            self._drawing -= 1

    def breakable(self, text: str, width: float) -> str:
        """A word too wide for its column breaks after a hyphen it has, or else with a soft hyphen
        (fpdf2 would otherwise cut it anywhere, without a hyphen)."""
        room = (width or self.w - self.r_margin - self.x) - 2 * self.c_margin - 0.5
        if room <= 0 or all(len(word) < LONG_WORD for word in text.split()):
            return text
        words = text.split(" ")
        return " ".join(self._hyphenate(word, room) if len(word) >= LONG_WORD else word for word in words)

    def _hyphenate(self, word: str, room: float) -> str:
        if self.get_string_width(word) <= room or not fonts.text_coverage().issuperset(word):
            return word  # fits, or a script (such as Chinese) that breaks without hyphens
        if "-" in word.strip("-"):
            return "-\u200b".join(self._hyphenate(part, room) for part in word.split("-"))
        pieces, piece = [], ""
        for char in word:
            if piece and self.get_string_width(piece + char + "-") > room:
                pieces.append(piece)
                piece = ""
            piece += char
        pieces.append(piece)
        return "\u00ad".join(pieces)

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis to fit ``width`` in the current font."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[: max(len(text) - max(len(text) // 8, 1), 0)]
        return text.rstrip() + "…"

    # type scale --------------------------------------------------------------------------

    def style(self, name: str) -> None:
        family, emphasis, size, colour = STYLES[name]
        self.set_font(family, emphasis, size)
        self.set_text_color(*colour)

    # running header and footer -----------------------------------------------------------

    def header(self) -> None:
        with self._furniture():
            if self.warning:
                self.set_xy(MARGIN_X, 3.5)
                self.set_font(fonts.FAMILY, "B", 6.6)
                self.set_text_color(180, 0, 0)
                self.multi_cell(self.w - 2 * MARGIN_X, 2.9, self.warning, align=Align.L)
                # a banner longer than its two lines pushes the running title and the body down
                self.banner_drop = max(0.0, round(self.get_y() + BANNER_GAP - RUNNING_TOP, 3))
                self.set_top_margin(MARGIN_TOP + self.banner_drop)
                self.style("body")
                self.set_xy(self.l_margin, self.t_margin)
            if self.page_no() == 1:
                return
            self._header()

    def footer(self) -> None:
        with self._furniture():
            self._footer()

    @contextmanager
    def _furniture(self) -> Iterator[None]:
        """Header and footer are drawn in the middle of whatever paragraph broke the page: they
        choose their own text mode, and the paragraph gets its own back afterwards."""
        drawing, fallback, shaping = self._drawing, self._mode[0], bool(self.text_shaping)
        self._drawing = 0
        try:
            yield
        finally:
            self._drawing = drawing
            if self._mode[0] != fallback:
                self.set_fallback_fonts(self.fallback_families if fallback else [], exact_match=False)
                self._mode = (fallback, self._mode[1])
            if bool(self.text_shaping) != shaping:
                self.set_text_shaping(shaping, direction="ltr")

    def _header(self) -> None:
        # page furniture sits at the page margins whatever indentation the body is using
        left, width = MARGIN_X, self.w - 2 * MARGIN_X
        self.set_xy(left, RUNNING_TOP + self.banner_drop)
        self.style("running")
        tag = "Treatment plan"
        tag_w = self.get_string_width(tag) + 2
        # the plain tag first: fpdf2 then has the body font set on the page before any fallback
        self.set_x(left + width - tag_w)
        self.cell(tag_w, 4, tag, align=Align.R)
        self.set_x(left)
        self.cell(width - tag_w, 4, self.fit(self.running_title, width - tag_w - 4), align=Align.L)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        rule = RUNNING_RULE + self.banner_drop
        self.line(left, rule, left + width, rule)
        self.set_xy(self.l_margin, self.t_margin)
        self.style("body")

    def _footer(self) -> None:
        left, width = MARGIN_X, self.w - 2 * MARGIN_X
        top = self.h - 16
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(left, top, left + width, top)
        self.set_xy(left, top + 1.8)
        self.style("running")
        self.cell(
            width - COUNT_WIDTH, 3.4, self.fit(self.footer_lines[0], width - COUNT_WIDTH - 3), align=Align.L
        )
        for i, line in enumerate(self.footer_lines[1:]):
            self.set_xy(left, top + 5.4 + i * 3.4)
            self.set_font(fonts.MONO, "", 5.9)
            self.set_text_color(*MUTED)
            self.cell(width, 3.2, line, align=Align.L)
        self.style("body")

    def output(self, *args: Any, **kwargs: Any) -> Any:
        if not self._numbered:
            self.number_pages()
        try:
            return super().output(*args, **kwargs)
        finally:
            # each document opened its own font files (fonts.install); leaving them to the
            # garbage collector is a ResourceWarning and, in a long-lived process, open files
            for font in self.fonts.values():
                ttfont = getattr(font, "ttfont", None)
                if ttfont is not None:
                    ttfont.close()

    def number_pages(self) -> None:
        """ "Page x of y" in each footer, flush with the footer rule, once the page count is known.

        fpdf2's page-count alias cannot be used with text shaping, and it reserves room for a
        three-digit count that leaves a gap before the number.
        """
        self._numbered = True
        total = self.pages_count
        auto, margin = self.auto_page_break, self.b_margin
        self.set_auto_page_break(False)
        for page in range(1, total + 1):
            self.page = page
            self.current_font_is_set_on_page = False
            self.style("running")
            self.set_xy(self.w - MARGIN_X - COUNT_WIDTH, self.h - 16 + 1.8)
            self.cell(COUNT_WIDTH, 3.4, f"Page {page} of {total}", align=Align.R)
        self.page = total
        self.set_auto_page_break(auto, margin)

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
        assert isinstance(height, float | int)  # output="HEIGHT" returns the height alone
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

    def label_value(
        self,
        label: str,
        value: str,
        *,
        label_width: float = 34,
        field: str = "text",
        required: bool = False,
    ) -> None:
        """A definition row: small grey label on the left, wrapped value on the right. A required
        element with no value prints a red placeholder, so the gap shows on paper."""
        width = self.epw - label_width
        if required and not value.strip():
            value = MISSING
        self.style("body")
        self.current_field = field
        height = self.text_height(value or "—", width)
        self.keep(min(height, 40) + 1)
        y = self.y
        self.style("label")
        self.set_xy(self.l_margin, y + 0.35)
        self.cell(label_width, LINE, label.upper())
        self.style("bold" if value == MISSING else "body")
        if value == MISSING:
            self.set_text_color(*BAD)
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
        line = size * 0.5
        room = self.page_break_trigger - self.t_margin - 4 * line - 8
        most = max(6, int(0.45 * room / line))
        with self.table(**kwargs) as table:
            header = table.row()
            for heading in headings:
                header.cell(heading)
            for values in rows:
                for part in self._row_parts(values, widths, line, most):
                    row = table.row()
                    for value in part:
                        row.cell(value)
        self.current_field = "text"
        self.style("body")

    def _row_parts(
        self, values: Sequence[str], widths: Sequence[float], line: float, most: int
    ) -> list[list[str]]:
        """A row too tall for a page, as rows of at most ``most`` lines each (fpdf2 cannot break
        one row across pages); the first cell of a continuation says so."""
        if sum(len(v) for v in values) < 400:
            return [list(values)]
        wrapped = [
            self.multi_cell(w - 3, line, v, dry_run=True, output="LINES", align=Align.L) if v else [""]
            for v, w in zip(values, widths, strict=True)
        ]
        count = max(len(lines) for lines in wrapped)
        if count <= most:
            return [list(values)]
        parts = []
        for start in range(0, count, most):
            part = ["\n".join(lines[start : start + most]) for lines in wrapped]
            if start:
                part[0] = "(continued)" if not part[0] else part[0]
            parts.append(part)
        return parts

    def quote(self, text: str, x: float, width: float, line: float, bar: tuple[int, int, int]) -> None:
        """Text with an accent bar on its left, drawn line by line so that a statement of any
        length runs on over pages with the bar beside it on each."""
        lines = self.multi_cell(width - 4, line, text, dry_run=True, output="LINES", align=Align.L)
        top = self.y
        for text_line in lines:
            if self.y + line > self.page_break_trigger:
                self._bar(x, top, bar)
                self.add_page()
                top = self.y
            self.set_x(x + 4)
            self.cell(width - 4, line, text_line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._bar(x, top, bar)
        self.set_x(self.l_margin)

    def _bar(self, x: float, top: float, colour: tuple[int, int, int]) -> None:
        if self.y - top > 1.2:
            self.set_fill_color(*colour)
            self.rect(x, top + 0.6, 0.9, self.y - top - 1.2, style="F")


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
