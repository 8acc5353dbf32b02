"""pdf_pages: goalplan's treatment-plan PDF in pages per second, against fpdf2 on its own laying
out the same text with the same fonts in a bare document, measured in the same run.

The floor is what any PDF of these plans costs with fpdf2: every recorded text of the plan (the
same strings the PDF prints, from ``goalplan_pdf.model.texts``), set in DejaVu Sans with the
same fallback fonts, shaped where the text needs it, in plain paragraphs. goalplan's document
adds the layout (charts, tables, headings kept with what follows, a footer on every page).

    python -m benchmarks.pdf_pages            # a few plans of the benchmark caseload, 3 rounds
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from goalplan.projections import PlanLog

_PAGE = re.compile(rb"/Type /Page\b(?!s)")
TARGET = 0.5  # goalplan's pages per second at least this share of the floor's


def page_count(data: bytes) -> int:
    return len(_PAGE.findall(data))


def goalplan_pdf(log: PlanLog) -> bytes:
    from goalplan.exporting import render
    from goalplan.plugins import get_plugin_manager

    return render(get_plugin_manager().exporter("pdf"), log, {})


def bare_pdf(log: PlanLog) -> bytes:
    """The same text and fonts through fpdf2 alone: fonts added (parsed) as fpdf2 does, one
    paragraph per text, shaping switched on for a text in a complex script."""
    from fpdf import FPDF

    from goalplan_pdf import fonts
    from goalplan_pdf.fallback import choose
    from goalplan_pdf.model import build, texts

    strings = [fonts.clean(text) for _, text in texts(build(log)) if text.strip()]
    used: set[str] = set().union(*(fonts.drawable_chars(t) for t in strings))
    needed = used - fonts.text_coverage()
    chosen = choose(needed, None)
    drawable = fonts.text_coverage() | (needed - chosen.undrawable)
    pdf = FPDF(format="A4")
    for (family, style), _ in fonts.FONT_FILES.items():
        pdf.add_font(family, style, str(fonts.font_path(family, style)))
    families = []
    for i, face in enumerate(chosen.regular):
        pdf.add_font(f"fallback{i}", "", face.path, collection_font_number=face.index)
        families.append(f"fallback{i}")
    if families:
        pdf.set_fallback_fonts(families, exact_match=False)
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, 24)
    pdf.add_page()
    pdf.set_font(fonts.FAMILY, "", 9.5)
    for text in strings:
        shaped = fonts.needs_shaping(set(text))
        if shaped != bool(pdf.text_shaping):
            pdf.set_text_shaping(shaped, direction="ltr")
        text = fonts.replace_missing(text, drawable)
        pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pages_per_second(make: object, logs: Sequence[PlanLog]) -> tuple[float, int]:
    assert callable(make)
    start = time.perf_counter()
    pages = sum(page_count(make(log)) for log in logs)
    return pages / (time.perf_counter() - start), pages


def measure(logs: Sequence[PlanLog], rounds: int) -> dict[str, list[float]]:
    """Pages per second of each side, alternating which goes first, after one warm-up each."""
    goalplan_pdf(logs[0])
    bare_pdf(logs[0])
    found: dict[str, list[float]] = {"goalplan": [], "fpdf2": []}
    for index in range(rounds):
        sides = [("goalplan", goalplan_pdf), ("fpdf2", bare_pdf)]
        for name, make in sides if index % 2 == 0 else reversed(sides):
            found[name].append(pages_per_second(make, logs)[0])
    return found


def sample_logs(workdir: Path, plans: int) -> list[PlanLog]:
    from benchmarks.systems import GoalplanSystem
    from benchmarks.workload import caseload

    system = GoalplanSystem(workdir / "pdf.db")
    workload = sorted(caseload(plans * 4, seed=20240601), key=lambda p: len(p.events))
    chosen = workload[len(workload) // 2 : len(workload) // 2 + plans]  # the median sizes
    for plan in chosen:
        system.append_plan(plan, 100)
    logs = [PlanLog(tuple(system.store.read_stream(p.plan_id))) for p in chosen]
    system.store.close()
    return logs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pdf_pages", description=__doc__)
    parser.add_argument("--plans", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="goalplan-pdf-bench-") as tmp:
        logs = sample_logs(Path(tmp), args.plans)
        found = measure(logs, args.rounds)
    ratios = [a / b for a, b in zip(found["goalplan"], found["fpdf2"], strict=True)]
    ratio = statistics.median(ratios)
    print(f"goalplan PDF: {statistics.median(found['goalplan']):.1f} pages/s (median of {args.rounds})")
    print(f"bare fpdf2:   {statistics.median(found['fpdf2']):.1f} pages/s")
    print(f"ratio:        {ratio:.2f} (target ≥ {TARGET}) {'PASS' if ratio >= TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
