"""The fhir exporter's ``--option KEY=VALUE`` pairs, checked before anything is rendered."""

from __future__ import annotations

import re
from collections.abc import Mapping

from attrs import frozen

import goalplan
from goalplan_fhir.vocabulary import DEFAULT_RECORD_NUMBER

OPTION_HELP = {
    "identifier-system": "URI of the practice's record-number system for Patient.identifier "
    f"(default {DEFAULT_RECORD_NUMBER})",
    "bundle": "collection (default) or transaction (each entry a POST, for a FHIR server's base URL)",
}
BUNDLE_TYPES = ("collection", "transaction")
# An absolute URI (RFC 3986 scheme ":" rest), with no spaces; FHIR's uri type allows no more.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@frozen
class FhirOptions:
    identifier_system: str = DEFAULT_RECORD_NUMBER
    bundle: str = "collection"


def parse_options(options: Mapping[str, str]) -> FhirOptions:
    system = options.get("identifier-system", DEFAULT_RECORD_NUMBER).strip()
    if not _URI.match(system):
        raise goalplan.RejectedError(
            "--option identifier-system",
            f"must be an absolute URI such as https://hospital.example.org/mrn or urn:oid:1.2.3; "
            f"got {options['identifier-system']!r}.",
        )
    bundle = options.get("bundle", "collection").strip().lower()
    if bundle not in BUNDLE_TYPES:
        raise goalplan.RejectedError(
            "--option bundle", f"must be collection or transaction; got {options['bundle']!r}."
        )
    return FhirOptions(identifier_system=system, bundle=bundle)
