"""Any script: complex scripts are shaped with HarfBuzz in fallback fonts found through fontconfig
or a font folder, and a character no font has never blocks a plan."""

from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

import goalplan
from goalplan_pdf import fonts
from goalplan_pdf.fallback import choose, system_faces
from tests.plugins.pdf.conftest import page_texts, render_pdf

NAMES = {
    "arabic": ("محمد عبد الله", "NotoSansArabic"),
    "hebrew": ("דוד כהן", "NotoSansHebrew"),
    "chinese": ("王芳", "NotoSansCJK"),
    "japanese": ("さくら 山田", "NotoSansCJK"),
    "korean": ("김민수", "NotoSansCJK"),
    "devanagari": ("क्षत्रिय प्रिया", "NotoSansDevanagari"),
    "thai": ("สมชาย ใจดี", "NotoSansThai"),
}
needs_noto = pytest.mark.skipif(
    not any("NotoSansArabic" in f.path for f in system_faces()),
    reason="the Noto fonts (fonts-noto-core, fonts-noto-cjk) are not installed; .ci/run installs them",
)


def embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def glyph_count(data: bytes, font_part: str) -> int:
    """How many glyphs a font's embedded subset has (its CIDToGIDMap or widths array)."""
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font_part in str(font["/BaseFont"]):
                return len(font["/DescendantFonts"][0].get_object()["/W"])
    return 0


def plan_in(tmp_path: Path, client: str, statement: str = "I want to sleep better.") -> goalplan.PlanLog:
    tmp_path.mkdir(parents=True, exist_ok=True)
    gp = goalplan.Goalplan.open(tmp_path / "plans.db", actor="s.lee")
    plan = gp.open_plan(client=client, clinician="Sam Lee", credentials="LCSW", opened=date(2026, 1, 5))
    goal = plan.set_goal(statement, focus="Sleep")
    plan.add_step(goal, f"Talk with {client}")
    log = plan.log()
    gp.close()
    return log


@needs_noto
@pytest.mark.parametrize("script", sorted(NAMES))
def test_each_script_is_drawn_in_a_font_that_has_it(tmp_path: Path, script: str) -> None:
    name, font = NAMES[script]
    data = render_pdf(plan_in(tmp_path, name, f"I want to sleep better — {name}"))
    assert any(font in embedded for embedded in embedded_fonts(data)), embedded_fonts(data)
    text = "".join(page_texts(data))
    assert fonts.REPLACEMENT not in text
    assert "could not be drawn" not in text
    # every letter of the name is in the text layer (shaped scripts may come back reordered)
    letters = {c for c in name if c.isalpha()}
    assert letters <= set(text), letters - set(text)


@needs_noto
def test_arabic_is_shaped_into_joined_forms(tmp_path: Path) -> None:
    """Shaped, the four letters of محمد use their joining forms: glyphs that an unshaped run of
    the same letters (isolated forms) would not use. Without shaping the subset holds 3 glyphs
    (م ح د); shaped, initial, medial and final forms add more."""
    data = render_pdf(plan_in(tmp_path, "محمد"))
    assert glyph_count(data, "NotoSansArabic") > 3


@needs_noto
def test_a_cjk_plan_prefers_the_regional_form_its_text_suggests() -> None:
    assert "JP" in choose(set("さくら山田"), None).regular[0].family
    assert "SC" in choose(set("王芳"), None).regular[0].family


def test_a_character_no_font_has_is_a_visible_mark_listed_in_the_pdf(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = render_pdf(plan_in(tmp_path, "Mei Wong", "I want to smile 🙂 again"))
    text = "".join(page_texts(data))
    assert "I want to smile \ufffd again" in text
    assert "Characters this document could not draw" in text
    assert "U+1F642" in text and "SLIGHTLY SMILING FACE" in text
    assert any("U+1F642" in r.getMessage() for r in caplog.records if r.name == "goalplan_pdf")


def test_strict_glyphs_refuses_naming_field_and_character(tmp_path: Path) -> None:
    from goalplan_pdf import render

    log = plan_in(tmp_path, "Mei Wong", "I want to smile 🙂 again")
    with pytest.raises(goalplan.RejectedError) as caught:
        render(log, {"strict-glyphs": "true"})
    assert "statement" in caught.value.field
    assert "U+1F642" in str(caught.value)
    assert render(plan_in(tmp_path / "other", "Mei Wong"), {"strict-glyphs": "true"})[:5] == b"%PDF-"


def test_a_font_folder_is_tried_before_the_system_fonts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(fonts.bundled_regular(), folder / "MyHebrew.ttf")
    log = plan_in(tmp_path, "דוד כהן")
    chosen = choose(set("דוד"), folder).regular
    assert chosen[0].path == str(folder / "MyHebrew.ttf")
    monkeypatch.setenv("GOALPLAN_FONT_DIR", str(folder))
    data = render_pdf(log)
    assert "DejaVuSans" in " ".join(embedded_fonts(data))
    assert not any("Hebrew" in name for name in embedded_fonts(data))
    assert fonts.REPLACEMENT not in "".join(page_texts(data))


def test_a_font_folder_that_does_not_exist_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goalplan_pdf.options import parse_options

    with pytest.raises(goalplan.RejectedError) as caught:
        parse_options({"fonts": str(tmp_path / "nowhere")})
    assert caught.value.field == "--option fonts"
    monkeypatch.setenv("GOALPLAN_FONT_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(goalplan.RejectedError) as caught:
        parse_options({})
    assert caught.value.field == "GOALPLAN_FONT_DIR"


@needs_noto
def test_mixed_scripts_render_the_same_bytes_twice(tmp_path: Path) -> None:
    log = plan_in(tmp_path, "Nguyễn 王芳 דוד محمد")
    assert render_pdf(log) == render_pdf(log)


@needs_noto
def test_a_line_after_one_that_starts_in_a_fallback_font_keeps_its_font(tmp_path: Path) -> None:
    """The guardian wraps in its narrow cover column: the line after the Arabic name is drawn in
    the body font (read back as text), not with the glyph codes of the label set before it."""
    with goalplan.Goalplan.open(tmp_path / "plans.db", actor="s.lee") as gp:
        plan = gp.open_plan(
            client="Ana Díaz",
            clinician="Sam Lee",
            opened=date(2026, 1, 5),
            guardian="محمد عبد الله",
            guardian_relationship="court-appointed guardian",
        )
        data = render_pdf(plan.log())
    text = " ".join(" ".join(page_texts(data)).split())
    assert "court-appointed guardian)" in text
