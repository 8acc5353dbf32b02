"""The exporter as a plugin: registered through the hook, reached from the command line, and
fpdf2 left unimported until a PDF is actually made."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from pypdf import PdfReader

import goalplan
from goalplan.plugins import make_plugin_manager

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    **os.environ,
    "PYTHONPATH": f"{ROOT / 'core'}{os.pathsep}{ROOT / 'plugins'}",
    "GOALPLAN_LOAD_PLUGINS": "",
}


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalplan", "--db", str(db), *args],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pdf_exporter_is_registered() -> None:
    exporter = make_plugin_manager(load_entry_points=False).exporter("pdf")
    assert (exporter.suffix, exporter.media_type, exporter.plugin) == (
        ".pdf",
        "application/pdf",
        "goalplan_pdf",
    )
    assert set(exporter.options) == {"pdfa", "paper", "fonts", "strict-glyphs"}


def test_help_does_not_import_fpdf() -> None:
    code = (
        "import sys\n"
        "from goalplan.plugins import get_plugin_manager\n"
        "assert 'pdf' in get_plugin_manager().exporters()\n"
        "print(sorted(m for m in sys.modules if m == 'fpdf' or m.startswith('fpdf.') or m == 'fontTools'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    helped = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "goalplan", "--help"],
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert helped.returncode == 0
    assert "| goalplan" in helped.stderr  # the import log is there to search...
    assert " fpdf" not in helped.stderr  # ...and fpdf2 is not in it


def test_cli_export_writes_the_pdf(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Zoë Nguyễn", clinician="Sam Lee", opened=date(2026, 1, 5))
        plan.set_goal("I want to walk to work twice a week.", focus="Health")
    out = tmp_path / "plan.pdf"
    result = run("export", plan.id, "--format", "pdf", "-o", str(out), "--option", "pdfa=true", db=db)
    assert result.returncode == 0, result.stderr
    text = PdfReader(out).pages[0].extract_text()
    assert "Zoë Nguyễn" in text and plan.id in text


def test_cli_prints_an_undrawable_character_as_a_mark_and_warns(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Mei 🙂 王芳", clinician="Sam Lee", opened=date(2026, 1, 5))
    out = tmp_path / "plan.pdf"
    result = run("export", plan.id, "--format", "pdf", "-o", str(out), db=db)
    assert result.returncode == 0, result.stderr
    assert "client_name" in result.stderr and "U+1F642" in result.stderr
    assert "U+738B" not in result.stderr  # a CJK font draws 王
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Mei \ufffd" in text and "U+1F642" in text


def test_cli_strict_glyphs_refuses_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Mei 🙂", clinician="Sam Lee", opened=date(2026, 1, 5))
    out = tmp_path / "plan.pdf"
    result = run(
        "export", plan.id, "--format", "pdf", "-o", str(out), "--option", "strict-glyphs=true", db=db
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "client_name" in lines[0] and "U+1F642" in lines[0] and "strict-glyphs" in lines[0]
    assert not out.exists()
    assert list(tmp_path.glob("*.pdf*")) == []


def test_cli_rejects_a_bad_option(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    with goalplan.Goalplan.open(db, actor="s.lee") as gp:
        plan = gp.open_plan(client="Ana", clinician="Sam Lee", opened=date(2026, 1, 5))
    result = run(
        "export", plan.id, "--format", "pdf", "--option", "pdfa=perhaps", "-o", str(tmp_path / "x.pdf"), db=db
    )
    assert result.returncode == 1
    assert "--option pdfa: must be true or false" in result.stderr
