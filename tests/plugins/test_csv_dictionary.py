"""docs/csv.md is the data dictionary the code describes: regenerate it rather than edit it."""

from __future__ import annotations

from pathlib import Path

from goalplan_csv.dictionary import MEANINGS, generate
from goalplan_csv.tables import TABLES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "csv.md"


def test_docs_csv_md_is_what_the_generator_writes() -> None:
    assert PAGE.read_text("utf-8") == generate(), (
        "docs/csv.md is out of date: python -m goalplan_csv.dictionary > docs/csv.md"
    )


def test_every_column_of_every_table_is_described() -> None:
    names = {column.name for table in TABLES.values() for column in table.columns}
    assert names <= set(MEANINGS)
    page = generate()
    for name in names:
        assert f"| `{name}` |" in page
