"""Reading a Bundle someone else wrote: tolerant of what is missing, strict about what is wrong.

Every accessor returns None (or an empty list) for an element that is absent or of the wrong
shape, so the importer can say what it could not map instead of failing on it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import goalplan

Json = dict[str, Any]
MAX_BYTES = 50 * 1024 * 1024


def load_bundle(data: bytes, where: str) -> Json:
    """The Bundle in ``data``, or RejectedError in one sentence naming the file."""
    if len(data) > MAX_BYTES:
        raise goalplan.RejectedError(
            where, f"is larger than {MAX_BYTES // (1024 * 1024)} MB; nothing was imported."
        )
    try:
        bundle = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise goalplan.RejectedError(where, "is not UTF-8 text; nothing was imported.") from None
    except json.JSONDecodeError as exc:
        raise goalplan.RejectedError(
            where, f"is not JSON ({exc.msg} at line {exc.lineno}); nothing was imported."
        ) from None
    except RecursionError:
        raise goalplan.RejectedError(
            where, "is nested too deeply to be a FHIR Bundle; nothing was imported."
        ) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else None
        what = f"a {found} resource" if isinstance(found, str) else "not a FHIR resource"
        raise goalplan.RejectedError(
            where, f"is {what}; goalplan imports a FHIR Bundle (resourceType Bundle); nothing was imported."
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise goalplan.RejectedError(where, "is a Bundle with no entries; nothing was imported.")
    return bundle


class BundleIndex:
    """The Bundle's resources, and reference resolution within it."""

    def __init__(self, bundle: Json) -> None:
        self.resources: list[Json] = []
        self._by_key: dict[str, Json] = {}
        for entry in as_list(bundle.get("entry")):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                continue
            self.resources.append(resource)
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                self._by_key[full_url] = resource
            if isinstance(resource.get("id"), str):
                self._by_key[f"{resource['resourceType']}/{resource['id']}"] = resource

    def of_type(self, resource_type: str) -> list[Json]:
        return [r for r in self.resources if r["resourceType"] == resource_type]

    def resolve(self, reference: Any) -> Json | None:
        """The resource a Reference points to inside the Bundle (urn:uuid, Type/id or a URL)."""
        if not isinstance(reference, dict):
            return None
        target = reference.get("reference")
        if not isinstance(target, str):
            return None
        if target in self._by_key:
            return self._by_key[target]
        parts = target.split("/_history/")[0].rstrip("/").split("/")
        if len(parts) >= 2:
            return self._by_key.get(f"{parts[-2]}/{parts[-1]}")
        return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def label(resource: Json) -> str:
    """How the report names a resource: Type/id, or the type alone when it has no id."""
    rid = resource.get("id")
    return f"{resource['resourceType']}/{rid}" if isinstance(rid, str) else str(resource["resourceType"])


def text(value: Any) -> str | None:
    """A string element's value, exactly as written; None if absent or blank."""
    return value if isinstance(value, str) and value.strip() else None


def concept_text(concept: Any) -> str | None:
    """A CodeableConcept's text, else its first coding's display, else its first code."""
    if not isinstance(concept, dict):
        return None
    found = text(concept.get("text"))
    if found:
        return found
    for coding in codings(concept):
        found = text(coding.get("display")) or text(coding.get("code"))
        if found:
            return found
    return None


def codings(concept: Any) -> list[Json]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [c for c in concept["coding"] if isinstance(c, dict)]


def has_code(concept: Any, system: str, code: str) -> bool:
    return any(c.get("system") == system and c.get("code") == code for c in codings(concept))


def extensions(element: Any, url: str) -> list[Json]:
    if not isinstance(element, dict) or not isinstance(element.get("extension"), list):
        return []
    return [e for e in element["extension"] if isinstance(e, dict) and e.get("url") == url]


def parts_of(element: Any) -> dict[str, Json]:
    """A complex extension's parts by their url."""
    return {
        e["url"]: e
        for e in as_list(as_dict(element).get("extension"))
        if isinstance(e, dict) and isinstance(e.get("url"), str)
    }


def extension_value(element: Any, url: str, kind: str) -> Any:
    found = extensions(element, url)
    return found[0].get(f"value{kind}") if found else None


def fhir_date(value: Any) -> date | None:
    """The day of a FHIR date or dateTime (a partial date such as 2026-01 has no day: None)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def decimal(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def person_name(resource: Json) -> str | None:
    """A HumanName as one line: its text, else given names and family name."""
    names = resource.get("name")
    if not isinstance(names, list):
        return None
    for name in names:
        if not isinstance(name, dict):
            continue
        found = text(name.get("text"))
        if found:
            return found
        given = [g for g in as_list(name.get("given")) if isinstance(g, str)]
        prefix = [p for p in as_list(name.get("prefix")) if isinstance(p, str)]
        family = name.get("family") if isinstance(name.get("family"), str) else ""
        joined = " ".join(p for p in [*prefix, *given, family] if p).strip()
        if joined:
            return joined
    return None


def modifier_urls(resource: Json) -> list[str]:
    """URLs of modifier extensions anywhere in a resource: each may change its meaning."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for item in (
                node.get("modifierExtension", []) if isinstance(node.get("modifierExtension"), list) else []
            ):
                if isinstance(item, dict):
                    found.append(str(item.get("url", "?")))
            for key, value in node.items():
                if key != "modifierExtension" and key != "contained":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(resource)
    return found
