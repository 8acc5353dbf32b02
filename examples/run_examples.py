"""The main job on the shipped examples: record four courses of therapy, verify, export.

    python examples/run_examples.py --out exports

Writes exports/caseload.db (the log), exports/log.jsonl (a backup), and one file per plan and
format (CSV, iCalendar, PDF and any other installed exporter) under exports/<format>/. Every file
written is listed in exports/.run_examples; the next run deletes those first, so no export is left
behind for a plan that no longer exists (plan ids are new on each run), and nothing else in the
folder is touched.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from caseload import build


def goalplan_cli(db: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "goalplan", "--db", str(db), *args], check=True)


MANIFEST = ".run_examples"


def clear_previous_run(out: Path) -> None:
    """Delete what the last run wrote (and the folders it left empty); nothing else."""
    manifest = out / MANIFEST
    if not manifest.exists():
        return
    folders: set[Path] = set()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        written = out / line
        if line and ".." not in Path(line).parts:
            written.unlink(missing_ok=True)
            folders.update(p for p in written.parents if out in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    manifest.unlink()


def record_run(out: Path, before: set[Path]) -> None:
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p not in before)
    listing = "".join(f"{name}\n" for name in written if name != MANIFEST)
    (out / MANIFEST).write_text(listing, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("exports"), help="output folder")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    clear_previous_run(out)
    db = out / "caseload.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), out / "log.jsonl"):
        stale.unlink(missing_ok=True)
    before = {p for p in out.rglob("*") if p.is_file()}

    plan_ids = build(str(db))
    goalplan_cli(db, "plan", "list")
    goalplan_cli(db, "verify")
    goalplan_cli(db, "plan", "show", plan_ids[-1])
    goalplan_cli(db, "history", plan_ids[-1])
    goalplan_cli(db, "log", "export", "-o", str(out / "log.jsonl"))

    from goalplan.plugins import get_plugin_manager

    for name in get_plugin_manager().exporters():
        options = ["--option", "table=goals"] if name == "csv" else []
        goalplan_cli(db, "export", "--all", "--format", name, "--out", str(out / name), *options)
        if name == "csv":
            for table in ("progress", "history"):
                goalplan_cli(
                    db,
                    "export",
                    "--all",
                    "--format",
                    name,
                    "--out",
                    str(out / f"csv-{table}"),
                    "--option",
                    f"table={table}",
                )
    record_run(out, before)
    print(f"\nDone: {len(plan_ids)} plans in {db}; exports in {out}/", file=sys.stderr)


if __name__ == "__main__":
    main()
