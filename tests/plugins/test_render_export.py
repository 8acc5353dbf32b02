"""goalplan.render_export: an exporter run from the public API, as a web download needs it."""

from __future__ import annotations

import pytest

import goalplan


def test_render_export_gives_the_same_bytes_name_and_type_as_the_exporter(panic_plan: goalplan.Plan) -> None:
    rendered = goalplan.render_export(panic_plan.log(), "csv")
    again = goalplan.render_export(panic_plan.log(), "csv")
    assert rendered.media_type.startswith("text/csv")
    assert rendered.file_name.endswith(".csv") and rendered.data == again.data
    assert b"panic attacks" in rendered.data


def test_render_export_refuses_an_unknown_format_and_option(panic_plan: goalplan.Plan) -> None:
    with pytest.raises(goalplan.RejectedError, match="no format 'nope'"):
        goalplan.render_export(panic_plan.log(), "nope")
    with pytest.raises(goalplan.RejectedError, match="is not an option of the csv format"):
        goalplan.render_export(panic_plan.log(), "csv", {"colour": "red"})


def test_export_formats_lists_the_registered_exporters() -> None:
    formats = goalplan.export_formats()
    assert {"csv", "pdf", "ics"} <= set(formats)
    assert all(description.strip() for description in formats.values())
