"""Fixtures for the PDF exporter: a realistic sample plan, rendering that fails on any glyph
fpdf2 could not draw, and text extraction with page positions."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from pypdf import PdfReader

import goalplan
from tests.plugins.pdf.sample_plan import build_sample


class GlyphWarnings(logging.Handler):
    """Collects what fpdf2 logs at WARNING or above (a missing glyph is only a warning there)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def fpdf_warnings_fail() -> Iterator[GlyphWarnings]:
    handler = GlyphWarnings()
    logger = logging.getLogger("fpdf")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        pytest.fail("fpdf2 logged warnings: " + " | ".join(handler.messages))


def render_pdf(log: goalplan.PlanLog, options: Mapping[str, str] | None = None) -> bytes:
    """Render through the registered exporter, failing the test on any fpdf2 warning."""
    from goalplan_pdf import render

    with fpdf_warnings_fail():
        return render(log, options or {})


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def page_lines(data: bytes) -> list[list[tuple[float, str]]]:
    """Per page, each text run with its baseline height from the page bottom (points)."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[float, str]] = []

        def visit(text: str, cm: list[float], tm: list[float], *_: object, runs: list = runs) -> None:
            if text.strip():
                runs.append((tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


@pytest.fixture(scope="session")
def sample_log(tmp_path_factory: pytest.TempPathFactory) -> goalplan.PlanLog:
    return build_sample(tmp_path_factory.mktemp("sample") / "plans.db")


@pytest.fixture(scope="session")
def sample_pdf(sample_log: goalplan.PlanLog) -> bytes:
    return render_pdf(sample_log)


@pytest.fixture(scope="session")
def sample_text(sample_pdf: bytes) -> list[str]:
    return page_texts(sample_pdf)


@pytest.fixture
def plan_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Open a fresh plan with the given names, returning (Goalplan, Plan)."""
    from tests.conftest import StepClock

    opened: list[goalplan.Goalplan] = []

    def make(client: str = "Ana Díaz", clinician: str = "Sam Lee", credentials: str = "LCSW"):  # type: ignore[no-untyped-def]
        gp = goalplan.Goalplan.open(tmp_path / f"p{len(opened)}.db", actor="s.lee", clock=StepClock())
        opened.append(gp)
        from datetime import date

        plan = gp.open_plan(
            client=client, clinician=clinician, credentials=credentials, opened=date(2026, 1, 5)
        )
        return gp, plan

    yield make
    for gp in opened:
        gp.close()
