"""The main job on the shipped examples: record four courses of therapy, verify, export.

    python examples/run_examples.py --out exports

Writes exports/caseload.db (the log), exports/log.jsonl (a backup), and one file per plan and
format (CSV, iCalendar, PDF and any other installed exporter) under exports/<format>/.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("exports"), help="output folder")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    db = out / "caseload.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)

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
    print(f"\nDone: {len(plan_ids)} plans in {db}; exports in {out}/", file=sys.stderr)


if __name__ == "__main__":
    main()
