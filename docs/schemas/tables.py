"""Render the key tables of docs/json.md from the JSON Schemas beside this file.

    python docs/schemas/tables.py          # exit 1 if docs/json.md is out of date
    python docs/schemas/tables.py --write  # rewrite the tables in docs/json.md

The schemas are the one place a key is described; docs/json.md shows them as tables between
``<!-- schema: NAME -->`` and ``<!-- /schema -->`` markers, and a test keeps the two equal.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JSON_MD = HERE.parent / "json.md"
BLOCK = re.compile(r"(<!-- schema: ([a-z-]+) -->\n)(.*?)(<!-- /schema -->)", re.S)


def load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((HERE / f"{name}.schema.json").read_text(encoding="utf-8"))
    return schema


def resolve(ref: str, current: str) -> tuple[dict[str, Any], str]:
    """The schema a ``$ref`` points at, and the file it lives in."""
    file, _, pointer = ref.partition("#")
    name = file.removesuffix(".schema.json") if file else current
    target = load(name)
    for part in [p for p in pointer.split("/") if p]:
        target = target[part]
    return target, name


def type_label(schema: dict[str, Any], current: str) -> str:
    if "anyOf" in schema:
        labels = [type_label(s, current) for s in schema["anyOf"] if s.get("type") != "null"]
        nullable = any(s.get("type") == "null" for s in schema["anyOf"])
        return " or ".join(labels) + (" or null" if nullable else "")
    if "$ref" in schema:
        target, name = resolve(schema["$ref"], current)
        return target["title"] if name == "common" else type_label(target, name)
    kind = schema.get("type")
    if kind == "array":
        item = schema.get("items", {})
        if "$ref" in item and item["$ref"].startswith("common.schema.json"):
            return f"list of {resolve(item['$ref'], current)[0]['title']}s"
        if item.get("type") == "string":
            return "list of text"
        return "list"
    return {"string": "text", "object": "object"}.get(kind or "", kind or "value")


def rows(schema: dict[str, Any], current: str, path: str) -> Iterator[tuple[str, str, str]]:
    """(key path, type, meaning) for every key under ``schema``, depth first in schema order."""
    if "$ref" in schema and "properties" not in schema:
        target, name = resolve(schema["$ref"], current)
        if name in ("common", current) or path == "":
            yield from rows(target, name, path)
        return
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            yield from rows(option, current, path)
    if schema.get("type") == "array":
        yield from rows(schema.get("items", {}), current, f"{path}[]")
    for key, prop in schema.get("properties", {}).items():
        key_path = f"{path}.{key}" if path else key
        yield key_path, type_label(prop, current), prop["description"]
        yield from rows(prop, current, key_path)
    for _, prop in schema.get("patternProperties", {}).items():
        yield from rows(prop, current, f"{path}.<id>" if path else "<id>")


def table(name: str) -> str:
    lines = ["| Key | Type | Meaning |", "|---|---|---|"]
    for path, kind, meaning in rows(load(name), name, ""):
        cell = meaning.replace("|", "\\|")  # a pipe would end the table cell
        lines.append(f"| `{path}` | {kind} | {cell} |")
    return "\n".join(lines) + "\n"


def render(markdown: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), markdown)


if __name__ == "__main__":
    current = JSON_MD.read_text(encoding="utf-8")
    wanted = render(current)
    if "--write" in sys.argv:
        JSON_MD.write_text(wanted, encoding="utf-8")
    elif wanted != current:
        sys.exit("docs/json.md is out of date: run python docs/schemas/tables.py --write")
