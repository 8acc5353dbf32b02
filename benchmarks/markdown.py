"""The tables of docs/performance.md from a results file: ``python -m benchmarks.markdown FILE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _memory(entry: dict[str, Any] | None) -> str:
    if not entry:
        return " | |"
    return f" {entry['peak_rss_kb'] / 1024:.0f} MB | {entry['growth_kb'] / 1024:.0f} MB |"


def tables(report: dict[str, Any]) -> str:
    throughput, memory = report["throughput"], report["memory"]
    lines = [
        "| scenario | system | median /s | min /s | max /s | peak RSS | growth |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for scenario in ("append_batched", "replay", "catchup", "append_single"):
        for system, s in sorted(throughput.get(scenario, {}).items()):
            lines.append(
                f"| {scenario} | {system} | {_rate(s['median'])} | {_rate(s['min'])} | {_rate(s['max'])} |"
                + _memory(memory.get(f"{scenario}/{system}"))
            )
    for scenario, by in throughput.items():
        if scenario.startswith("export_all/"):
            one, every = by["one_core"]["median"], by["all_cores"]["median"]
            lines.append(
                f"| {scenario} | one core / all cores | {_rate(one)} / {_rate(every)} | | |"
                + _memory(memory.get(f"{scenario}/goalplan"))
            )
    lines += [
        "",
        "| ratio (goalplan / peer) | min | median | max | target | result |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key, r in report["ratios"].items():
        target = report["targets"].get(key)
        if target is None:
            continue
        verdict = "PASS" if target["pass"] else "MISS"
        name = key + (" (all cores / one)" if key == "export_all/one_core" else "")
        spread = f"{r['min']:.2f} | {r['median']:.2f} | {r['max']:.2f}"
        lines.append(f"| {name} | {spread} | ≥ {target['at_least']} | {verdict} |")
    scaling = report.get("memory_scaling")
    if scaling:
        verdict = "PASS" if report["targets"]["memory/replay_1m_vs_100k"]["pass"] else "MISS"
        lines.append(
            f"| memory: replay {scaling['large']['events']:,} / {scaling['small']['events']:,} events | | "
            f"{scaling['ratio']:.2f} ({scaling['large']['peak_rss_kb'] / 1024:.1f} / "
            f"{scaling['small']['peak_rss_kb'] / 1024:.1f} MB) | | ≤ 1.5 | {verdict} |"
        )
    for key, r in report["bounds"].items():
        lines.append(f"| bound: {key} | {r['min']:.2f} | {r['median']:.2f} | {r['max']:.2f} | | |")
    scaled = report.get("scale") or {}
    if scaled.get("ratios"):
        lines += ["", "| scale scenario (ratio) | value | target | result |", "|---|---:|---:|---|"]
        for key, value in scaled["ratios"].items():
            target = report["targets"].get(key)
            goal = verdict = ""
            if target:
                goal = f"≤ {target['at_most']}" if "at_most" in target else f"≥ {target['at_least']}"
                verdict = "PASS" if target["pass"] else "MISS"
            lines.append(f"| {key} | {value:.2f} | {goal} | {verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(tables(json.loads(Path(sys.argv[1]).read_text())))
