"""The shipped ICD-10-CM index takes exactly the codes ``simple-icd-10-cm`` takes, with the same
descriptions and the same messages, and is read without importing that package."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from goalplan.domain import icd10cm
from goalplan.errors import RejectedError

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def package() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def package_billable(cm: ModuleType, code: str) -> tuple[str, str]:
    """What icd10cm.billable answered when it asked the package directly (goalplan 0.2.0)."""
    text = icd10cm.normalise(code)
    if not icd10cm._SHAPE.fullmatch(text):
        raise RejectedError(
            "code", f"{code!r} is not an ICD-10-CM code (a letter, two characters, then a dot and more)."
        )
    if not cm.is_valid_item(text) or cm.is_chapter_or_block(text):
        raise RejectedError("code", f"{text} is not in the ICD-10-CM code set.")
    if not cm.is_leaf(text):
        under = [c for c in cm.get_descendants(text) if cm.is_leaf(c)]
        shown = ", ".join(under[: icd10cm.MAX_LISTED]) + (
            f" and {len(under) - icd10cm.MAX_LISTED} more" if len(under) > icd10cm.MAX_LISTED else ""
        )
        raise RejectedError(
            "code", f"{text} is a category, not a billable code; use one of the codes under it: {shown}."
        )
    return text, str(cm.get_description(text))


def outcome(check: object, code: str) -> tuple[str, str] | str:
    try:
        return check(code)  # type: ignore[operator, no-any-return]
    except RejectedError as exc:
        return str(exc)


def candidates(cm: ModuleType) -> Iterator[str]:
    """Every code and block of the package as written, one character longer, and near misses
    (undotted and lower-case forms go through normalise, which both share)."""
    for code in cm.get_all_codes(with_dots=True):
        yield code
        yield f"{code}X"
    yield from ("", "F41.", "F4", "ZZZ", "U07.1", "F41.1 ", " f41.1", "F41..1", "F41.1234567")


def test_the_shipped_index_is_what_the_package_gives(package: ModuleType) -> None:
    shipped = gzip.decompress(icd10cm.INDEX.read_bytes()).decode("utf-8")
    assert shipped == icd10cm.build_index(), "run python -m goalplan.domain.icd10cm --write"
    assert icd10cm.code_set_version() == package.simple_icd_10_cm._all_codes_package_file_name


@pytest.mark.slow
def test_every_code_gets_the_answer_the_package_gave(package: ModuleType) -> None:
    differ = [
        (code, new, old)
        for code in candidates(package)
        if (new := outcome(icd10cm.billable, code))
        != (old := outcome(lambda c: package_billable(package, c), code))
    ]
    assert not differ, differ[:5]


def test_a_category_lists_the_billable_codes_under_it_in_tabular_order() -> None:
    with pytest.raises(
        RejectedError, match=r"F41 is a category.*: F41\.0, F41\.1, F41\.3, F41\.8, F41\.9\.$"
    ):
        icd10cm.billable("f41")
    with pytest.raises(RejectedError, match=r"C84 is a category.* and \d+ more\.$"):
        icd10cm.billable("C84")
    assert icd10cm.billable("f411") == ("F41.1", "Generalized anxiety disorder")
    (line,) = [x for x in icd10cm.code_set().lines if x.startswith("H35.3113\t")]
    assert "\t" in json.loads(line.partition("\t")[2])  # a description with a tab survives the format


def test_checking_a_code_does_not_import_the_package() -> None:
    code = (
        "import sys; from goalplan.domain.icd10cm import billable; billable('F41.1'); "
        "print('simple_icd_10_cm' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "core")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
