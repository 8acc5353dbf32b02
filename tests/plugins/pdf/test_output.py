"""Byte-identical output, metadata from the log, PDF/A-2u structure, fonts, and a rendered page."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

import goalplan
from goalplan_pdf import fonts
from tests.plugins.pdf.conftest import fpdf_warnings_fail, render_pdf


def test_same_log_gives_byte_identical_pdfs(sample_log: goalplan.PlanLog, sample_pdf: bytes) -> None:
    assert render_pdf(sample_log) == sample_pdf
    assert render_pdf(sample_log, {"pdfa": "true"}) == render_pdf(sample_log, {"pdfa": "true"})


def test_a_copy_of_the_log_in_another_store_gives_the_same_bytes(
    sample_log: goalplan.PlanLog, sample_pdf: bytes, tmp_path: Path
) -> None:
    lines = [json.dumps(r.to_json()) for r in sample_log.records]
    with goalplan.Goalplan.open(tmp_path / "copy.db") as gp:
        gp.import_log(lines)
        copy = gp.plan(sample_log.plan_id).log()
    assert copy.records == sample_log.records
    assert render_pdf(copy) == sample_pdf


def test_dates_inside_come_from_the_log(sample_log: goalplan.PlanLog, sample_pdf: bytes) -> None:
    info = PdfReader(io.BytesIO(sample_pdf)).metadata
    assert info is not None
    last = sample_log.records[-1].recorded_at  # e.g. 2026-03-02T10:03:00.000000Z
    assert info["/CreationDate"] == "D:" + last[:19].replace("-", "").replace(":", "").replace("T", "") + "Z"
    assert info["/Title"] == "Treatment plan: Zoë Nguyễn"
    assert sample_log.fingerprint.head_hash in info["/Subject"]
    assert "/ModDate" not in info


def test_pdfa_option_writes_pdfa_2u_structure(sample_log: goalplan.PlanLog) -> None:
    data = render_pdf(sample_log, {"pdfa": "true"})
    assert data.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]

    intents = root["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/OutputConditionIdentifier"] == "sRGB"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    icc = profile.get_data()
    assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB "  # an ICC profile for an RGB colour space

    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="2"' in xmp
    assert 'pdfaid:conformance="U"' in xmp
    created = sample_log.records[-1].recorded_at[:19] + "+00:00"
    assert f'xmp:CreateDate="{created}"' in xmp
    assert f'xmp:ModifyDate="{created}"' in xmp
    assert "Treatment plan: Zoë Nguyễn" in xmp

    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Subtype"] == "/Type0"
            assert "/ToUnicode" in font  # the 'u' of PDF/A-2u: every glyph maps to Unicode
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded
        for state in page["/Resources"].get("/ExtGState", {}).values():
            state = state.get_object()
            assert state.get("/ca", 1) == 1 and state.get("/CA", 1) == 1
            assert state.get("/SMask", "/None") == "/None"


def test_pdfa_off_has_no_output_intent(sample_pdf: bytes) -> None:
    root = PdfReader(io.BytesIO(sample_pdf)).trailer["/Root"]
    assert "/OutputIntents" not in root


@pytest.mark.parametrize(
    ("options", "field"), [({"pdfa": "maybe"}, "--option pdfa"), ({"paper": "a5"}, "--option paper")]
)
def test_bad_option_values_are_rejected(
    sample_log: goalplan.PlanLog, options: dict[str, str], field: str
) -> None:
    with pytest.raises(goalplan.RejectedError) as caught:
        render_pdf(sample_log, options)
    assert caught.value.field == field


def test_letter_paper(sample_log: goalplan.PlanLog) -> None:
    page = PdfReader(io.BytesIO(render_pdf(sample_log, {"paper": "letter"}))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_fonts_are_package_data_with_their_licence() -> None:
    for family, style in fonts.FONT_FILES:
        path = fonts.font_path(family, style)
        assert path.is_file() and path.stat().st_size > 100_000
    licence = fonts.font_path(fonts.FAMILY, "").parent / "LICENSE"
    assert (
        "Bitstream Vera Fonts Copyright" in licence.read_text()
        and "Arev Fonts Copyright" in licence.read_text()
    )
    assert set("Nguyễn Łukasz Zoë Αθηνά Ольга") <= fonts.text_coverage()


def test_the_warning_check_catches_a_glyph_fpdf_would_drop() -> None:
    """The harness every rendering test relies on does fail on fpdf2's missing-glyph warning."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavusans", "", str(fonts.font_path(fonts.FAMILY, "")))
    pdf.add_page()
    pdf.set_font("dejavusans", "", 10)
    pdf.cell(50, 5, "Mei 王")
    with pytest.raises(pytest.fail.Exception, match="missing"), fpdf_warnings_fail():
        pdf.output()


def test_a_page_renders_to_a_non_blank_png(sample_pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    from PIL import Image

    source = tmp_path / "plan.pdf"
    source.write_bytes(sample_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", source, tmp_path / "page"], check=True
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("RGB")
    raw = image.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    ink = sum(1 for p in pixels if sum(p) < 600)
    accent = sum(1 for r, g, b in pixels if b > r + 40 and g > r + 30)  # the teal of chart lines
    assert ink > len(pixels) * 0.01
    assert accent > 50


def test_parsed_fonts_are_kept_per_process(
    sample_log: goalplan.PlanLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second document reuses the fonts the first parsed, and still gets byte-identical output."""
    from fpdf import fonts as fpdf_fonts

    first = render_pdf(sample_log)
    parsed: list[object] = []
    original = fpdf_fonts.TTFFont.__init__

    def counting(self: object, *args: object, **kwargs: object) -> None:
        parsed.append(args[1])
        original(self, *args, **kwargs)

    monkeypatch.setattr(fpdf_fonts.TTFFont, "__init__", counting)
    assert render_pdf(sample_log) == first
    assert parsed == []
