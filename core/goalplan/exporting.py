"""Exporters: what a plugin registers, and how the core runs one safely and repeatably.

The contract (docs/plugins.md): an exporter's ``render`` gets a read-only PlanLog and the
options the user gave, and returns bytes. Same log and options, same bytes: anything dated in
the output comes from the log, never the clock. The core checks option names before rendering,
renders fully in memory, and only then writes the file atomically, so a failing exporter leaves
no partial file and cannot touch the log.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from attrs import field, frozen

from goalplan.codec import RecordedEvent
from goalplan.errors import GoalplanError, RejectedError
from goalplan.files import make_private_folder
from goalplan.files import write_atomically as write_atomically  # its home before goalplan.files
from goalplan.projections import PlanLog
from goalplan.store import EventStore
from goalplan.text import check_text

ID_SCAN_BATCH = 1000  # events held at once while finding plan ids: bounds memory, not the caseload

Render = Callable[[PlanLog, Mapping[str, str]], bytes]
FileStem = Callable[[PlanLog, Mapping[str, str]], str]
RenderCaseload = Callable[[Iterable[PlanLog], Mapping[str, str]], bytes]
# Given the options, a renderer for the whole caseload in one file, or None for a file per plan.
Caseload = Callable[[Mapping[str, str]], RenderCaseload | None]


def _one_line(_: object, attribute: object, value: str) -> None:
    if not value.strip() or "\n" in value:
        raise ValueError(f"exporter {getattr(attribute, 'name', '')} must be one non-empty line")


@frozen(kw_only=True)
class Exporter:
    """A named output format, registered by a plugin's ``register_exporters`` hook.

    ``options`` maps each option name the exporter accepts to a one-line help text; any other
    ``--option`` key is refused before ``render`` runs. ``file_stem`` names a plan's file in
    ``export --all`` (default: the plan id), for exporters whose output must not carry the id.
    ``caseload``, given the options, may return a renderer that writes every plan into one
    file for ``export --all`` (e.g. CSV's ``scope=caseload``); ``plugin`` is filled in by the
    manager.
    """

    name: str = field()
    suffix: str = field()
    media_type: str = field()
    description: str = field(validator=_one_line)
    render: Render
    options: Mapping[str, str] = field(factory=dict)
    file_stem: FileStem | None = None
    caseload: Caseload | None = None
    plugin: str = ""

    @name.validator
    def _name_is_simple(self, _: object, value: str) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", value):
            raise ValueError(f"exporter name {value!r} must be lower-case letters, digits, - or _")

    @suffix.validator
    def _suffix_is_an_extension(self, _: object, value: str) -> None:
        if not re.fullmatch(r"(\.[A-Za-z0-9]+)*", value):
            raise ValueError(f"exporter suffix {value!r} must look like '.csv' (or be empty)")

    @media_type.validator
    def _media_type_has_a_slash(self, _: object, value: str) -> None:
        if not re.fullmatch(r"[\w.+-]+/[\w.+-]+(;.*)?", value):
            raise ValueError(f"exporter media type {value!r} must look like 'text/csv'")


class ExportFailed(GoalplanError):
    """An exporter raised or misbehaved; the message names the exporter and its plugin."""


def parse_option_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """Command-line ``--option KEY=VALUE`` pairs as a mapping; a key given twice is refused."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RejectedError("--option", f"must be KEY=VALUE, got {pair!r}.")
        if key.strip() in options:
            raise RejectedError(f"--option {key.strip()}", "is given twice; give each option once.")
        check_text("--option", key, line=True)
        check_text(f"--option {key.strip()}", value, line=True)
        options[key.strip()] = value
    return options


def check_options(exporter: Exporter, options: Mapping[str, str]) -> None:
    for key, value in options.items():
        check_text("--option", key, line=True)
        check_text(f"--option {key}", value, line=True)
        if key not in exporter.options:
            allowed = ", ".join(sorted(exporter.options)) or "none"
            raise RejectedError(
                f"--option {key}",
                f"is not an option of the {exporter.name} format; its options are: {allowed}.",
            )


def _who(exporter: Exporter) -> str:
    return f"the {exporter.name} exporter (plugin {exporter.plugin or 'unknown'})"


def render(exporter: Exporter, log: PlanLog, options: Mapping[str, str]) -> bytes:
    """Run an exporter on its own fresh view of the log; a failure is reported with its name.

    A RejectedError (a bad option value) passes through as the user's mistake; anything else the
    exporter raises becomes ExportFailed naming the exporter, its plugin and the plan.
    """
    check_options(exporter, options)
    view = PlanLog(
        log.records, log.integrity_warning, log.start
    )  # its own folded state, so one exporter cannot alter another's
    try:
        data = exporter.render(view, dict(options))
    except RejectedError:
        raise
    except (Exception, SystemExit) as exc:  # SystemExit too: an exporter must not end goalplan silently
        raise ExportFailed(
            f"{_who(exporter)} failed on plan {log.plan_id}: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(data, bytes):
        raise ExportFailed(f"{_who(exporter)} returned {type(data).__name__}, not bytes.")
    return data


def caseload_renderer(exporter: Exporter, options: Mapping[str, str]) -> RenderCaseload | None:
    """The exporter's one-file renderer for ``export --all`` with these options, if it has one."""
    check_options(exporter, options)
    return exporter.caseload(dict(options)) if exporter.caseload is not None else None


def render_caseload(
    exporter: Exporter, renderer: RenderCaseload, logs: Iterable[PlanLog], options: Mapping[str, str]
) -> bytes:
    """Every plan in one file; a failure is reported with the exporter's name, as ``render``."""
    try:
        views = (PlanLog(log.records, log.integrity_warning, log.start) for log in logs)  # warning kept
        data = renderer(views, dict(options))
    except RejectedError:
        raise
    except Exception as exc:
        raise ExportFailed(f"{_who(exporter)} failed on the caseload: {type(exc).__name__}: {exc}") from exc
    if not isinstance(data, bytes):
        raise ExportFailed(f"{_who(exporter)} returned {type(data).__name__}, not bytes.")
    return data


def file_name(exporter: Exporter, log: PlanLog, options: Mapping[str, str]) -> str:
    """The file a plan is written to by ``export --all``."""
    if exporter.file_stem is None:
        return safe_file_name(log.plan_id) + exporter.suffix
    try:
        stem = exporter.file_stem(PlanLog(log.records, log.integrity_warning, log.start), dict(options))
    except RejectedError:
        raise
    except (Exception, SystemExit) as exc:
        raise ExportFailed(
            f"{_who(exporter)} could not name the file for plan {log.plan_id}: {type(exc).__name__}: {exc}"
        ) from exc
    return safe_file_name(stem) + exporter.suffix


def safe_file_name(text: str) -> str:
    """A file name safe on every common file system, distinct for distinct plan ids.

    goalplan's own ids (Crockford base32) and other single-case letters-and-digits names are
    used as they are; anything else (an id imported from elsewhere) is cleaned and given a
    short hash of the original, so two names never share a file, even ignoring case.
    """
    if re.fullmatch(r"[0-9A-Z]{1,64}|[0-9a-z]{1,64}", text):
        return text
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")[:100] or "plan"
    return f"{cleaned}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}"


def iter_plan_logs(
    store: EventStore, check: Callable[[str, tuple[RecordedEvent, ...]], PlanLog] | None = None
) -> Iterator[PlanLog]:
    """Each plan's log in the order plans were opened, holding one plan in memory at a time.

    Plan ids are found by a catch-up read of the log in fixed-size batches (each stream's first
    event opens the plan), so not even the list of ids grows with the caseload. ``check`` turns
    each plan's records into its log, refusing (or marking) a damaged one.
    """
    for record in store.iter_all(batch=ID_SCAN_BATCH):
        if record.version == 1:
            records = tuple(store.read_stream(record.plan_id))
            yield PlanLog(records) if check is None else check(record.plan_id, records)


def count_plans(store: EventStore) -> int:
    return sum(1 for record in store.iter_all(batch=ID_SCAN_BATCH) if record.version == 1)


def export_all(
    logs: Iterable[PlanLog],
    exporter: Exporter,
    options: Mapping[str, str],
    out_dir: Path,
) -> Iterator[Path]:
    """Render and write one file per plan, yielding each path once it is complete.

    Stops at the first failure: the files already written stay as they are, and the failing
    plan leaves no file behind (rendering finishes in memory before anything is written).
    """
    check_options(exporter, options)
    for written, log in enumerate(logs):
        try:
            path = out_dir / file_name(exporter, log, options)
            data = render(exporter, log, options)
        except ExportFailed as exc:
            raise ExportFailed(f"{exc} ({written} file(s) already written to {out_dir} were kept.)") from exc
        make_private_folder(out_dir)  # 0700 when it is new; only once there is something to write
        write_atomically(path, data, durable=False)
        yield path
