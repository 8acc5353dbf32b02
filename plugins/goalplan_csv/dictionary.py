"""The CSV data dictionary: every table's columns with their type, de-identified form and
meaning, and docs/csv.md generated from them, so the page cannot drift from the code.

Regenerate the page with ``python -m goalplan_csv.dictionary > docs/csv.md``; a test fails
when the page differs from what this module produces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from goalplan_csv.analysis import INSTRUMENT_COLUMNS, PROGRESS_COLUMNS
from goalplan_csv.options import DELIMITERS, OPTION_HELP
from goalplan_csv.options import TABLES as TABLE_NAMES
from goalplan_csv.tables import TABLES, Column

KINDS: Mapping[str, str] = {
    "plan": "id",
    "goal": "id",
    "event": "id",
    "name": "text",
    "free": "text",
    "code": "code",
    "number": "number",
    "date": "date",
    "timestamp": "timestamp",
    "change": "text or number",
}

# What each table holds, one sentence; then its columns, with meanings per column name.
TABLE_INTROS: Mapping[str, str] = {
    "goals": "One row per goal, as it stands now, with its progress analytics.",
    "progress": "One row per measurement, ordered by goal, then by the day observed. "
    "A measurement withdrawn by a correction is not listed.",
    "scores": "One row per instrument score, in the order observed. "
    "A score withdrawn by a correction is not listed.",
    "history": "One row for each field an event changed: the auditor's view (`goalplan history`) as a table.",
    "plans": "One row per plan: where it stands. With `scope=caseload` this is the caseload overview, "
    "one row for each plan in the store.",
    "record": "One row per plan: the fileable record's plan-level elements (identifiers, effective dates, "
    "level of care, strengths and needs, discharge, aftercare, referrals, copy given, safety).",
    "diagnoses": "One row per ICD-10-CM diagnosis, in the order added (resolved ones included).",
    "interventions": "One row per intervention, in the order planned.",
    "signatures": "One row per signature, in the order recorded, with the version it approves and "
    "whether it is still current.",
}

MEANINGS: Mapping[str, str] = {
    "plan_id": "The plan's id.",
    "client": "The client's name.",
    "clinician": "The clinician's name.",
    "goal_id": "The goal's id; empty for a plan-level row.",
    "focus_area": "The focus area the goal belongs to.",
    "term": "`short` or `long`.",
    "statement": "The goal in the client's words, as currently worded.",
    "measure": "What is measured.",
    "unit": "The measure's unit.",
    "baseline": "The measure's value when the goal was set.",
    "target": "The value the goal aims for.",
    "direction": "`increase` or `decrease`: whether the goal aims up or down.",
    "target_date": "The day the goal is due.",
    "relevance": "Why the goal matters to the client.",
    "status": "The FHIR Goal.lifecycleStatus (`proposed`, `active`, `completed`, ...).",
    "latest_value": "The last measurement recorded.",
    "latest_observed_on": "The day of the last measurement.",
    "percent_toward_target": "(latest − baseline) / (target − baseline) × 100, one decimal: 0 is the "
    "baseline, 100 the target, above 100 past it, below 0 worse than the baseline; works for goals "
    "that aim down as well as up.",
    "measurements": "How many measurements were recorded.",
    "steps": "How many steps the goal has.",
    "steps_done": "How many of them are done.",
    "revisions": "How many times the goal was revised.",
    "set_at": "When the goal was first recorded (UTC).",
    "set_by": "Who recorded it.",
    "trend_per_week": "Least-squares slope of the recent measurements, in the measure's unit per "
    "week (negative when the values fall), four decimals; empty with fewer than two observation days.",
    "projected_on": "The day the trend, carried on from the latest value, reaches the target; empty if "
    "it never does or the target is already met.",
    "on_track": "`on-track`, `at-risk`, `off-track`, `unknown` (no measure, no target date or no trend), "
    "or `not-applicable` (the goal is completed, cancelled, rejected or entered in error).",
    "achievement_status": "FHIR Goal.achievementStatus derived from the measure (`in-progress`, "
    "`improving`, `worsening`, `no-change`, `achieved`, `sustaining`, `not-achieved`, `no-progress`); "
    "empty for a goal without a measure.",
    "gas_level": "Goal Attainment Scaling: the latest scored level, −2 to +2; empty if not scored.",
    "gas_weight": "The goal's GAS weight; empty for a goal without a GAS scale.",
    "as_of": "The analysis day (see below); the same on every row of a plan.",
    "observed_on": "The day the value was observed.",
    "value": "The measured value.",
    "note": "The note recorded with it.",
    "recorded_at": "When it was recorded (UTC).",
    "recorded_by": "Who recorded it.",
    "event_id": "The id of the event in the log.",
    "instrument": "The registered instrument id, e.g. `phq9`.",
    "total": "The instrument's total score.",
    "severity": "The total's severity band; empty if the instrument is no longer registered.",
    "event_type": "The kind of change (the event's type tag).",
    "version": "The event's version in the plan's stream.",
    "field": "The field the event changed.",
    "old_value": "The value before; numbers for `baseline`, `target` and `review_every_days`, else text.",
    "new_value": "The value after, typed as `old_value`.",
    "reason": "The reason given for the change.",
    "opened_on": "The day the plan was opened.",
    "closed_on": "The day it was closed; empty while it is open.",
    "review_every_days": "The review cadence in days.",
    "reviews": "How many reviews were held.",
    "last_review_on": "The day of the last review held.",
    "next_review_on": "The day the next review is due; empty for a closed plan.",
    "goals": "How many goals the plan has (any status).",
    "goals_open": "How many are still being worked towards (proposed, planned, accepted, active, on-hold).",
    "goals_completed": "How many are completed.",
    "scores": "How many instrument scores were recorded.",
    "signatures": "How many signatures were recorded.",
    "last_recorded_at": "When the plan's last entry was recorded (UTC).",
    "record_number": "The client's record number in the practice.",
    "level_of_care": "The level of care, as recorded.",
    "effective_from": "The first day the plan is in effect.",
    "effective_through": "The last day the plan is in effect.",
    "primary_diagnosis": "The ICD-10-CM code of the active primary diagnosis; empty if none.",
    "diagnoses": "How many diagnoses are active.",
    "item9": "A PHQ-9's item 9 score, when items were recorded; above 0 is a safety finding.",
    "safety_reviewed_on": "The day of the safety review that answered that finding; empty if none.",
    "client_birth_date": "The client's date of birth.",
    "client_record_number": "The client's record number in the practice.",
    "client_preferred_name": "The name the client goes by.",
    "client_pronouns": "The client's pronouns.",
    "guardian_name": "The guardian or legal representative.",
    "guardian_relationship": "The guardian's relationship to the client.",
    "clinician_credentials": "The clinician's credentials.",
    "strengths": "The client's strengths.",
    "needs": "The client's needs.",
    "abilities": "The client's abilities.",
    "preferences": "The client's preferences for treatment.",
    "discharge_criteria": "When treatment can end.",
    "aftercare": "Aftercare planned for after discharge.",
    "referrals": "Referrals made.",
    "plan_given_on": "The day a copy of the plan was last given to the client.",
    "plan_given_version": "The plan version that copy showed.",
    "open_safety_findings": "PHQ-9 item 9 findings with no safety review yet.",
    "content_digest": "SHA-256 of the plan's material content (what a signature binds).",
    "code": "The ICD-10-CM code.",
    "description": "The code set's description of the code.",
    "primary": "`true` for the primary diagnosis, else `false`.",
    "dsm5_text": "The DSM-5 diagnosis text, if recorded.",
    "focus_areas": "The focus areas it addresses (titles, `; `-separated).",
    "resolve_reason": "Why it was resolved; empty while active.",
    "intervention_id": "The intervention's id.",
    "modality": "The modality, e.g. `CBT`.",
    "type": "`individual`, `group`, `family` or `couple`; empty if not recorded.",
    "minutes": "Session length in minutes.",
    "sessions": "Sessions per `period`.",
    "period": "`day`, `week` or `month`.",
    "frequency": "How often, as displayed.",
    "provider": "The responsible provider.",
    "provider_credentials": "The provider's credentials.",
    "provider_role": "The provider's role, e.g. `primary therapist`.",
    "starts_on": "The day the intervention starts.",
    "ends_on": "The day it ends.",
    "goal_ids": "The goals it serves (ids, space-separated).",
    "role": "`client`, `guardian`, `clinician` or `supervisor` (co-signature).",
    "name": "Who signed.",
    "credentials": "The signer's credentials.",
    "signed_on": "The day of the signature.",
    "signed_version": "The plan version the signature approves.",
    "current": "`true` while the plan's material content is what the signature approved, else `false`.",
    "changed_after": "When not current: each material change since, `what (recorded day, version N)`, "
    "`; `-separated.",
}
# Names shared by several tables whose meaning differs in one of them.
TABLE_MEANINGS: Mapping[str, Mapping[str, str]] = {
    "plans": {
        "status": "The FHIR CarePlan status: `active` until the plan is closed, then `completed`.",
        "measurements": "How many measurements were recorded, over all goals.",
        "version": "How many events the plan's log holds.",
    },
    "record": {
        "status": "The FHIR CarePlan status: `active` until the plan is closed, then `completed`.",
        "version": "How many events the plan's log holds.",
    },
    "diagnoses": {
        "status": "`active` or `resolved`.",
        "recorded_at": "When the diagnosis was recorded (UTC).",
    },
    "interventions": {"description": "What the clinician will do."},
    "signatures": {"recorded_by": "Who recorded the signature (kept apart from who signed)."},
}

INSTRUMENT_MEANINGS: Mapping[str, str] = {
    "first": "The first total recorded for this goal.",
    "latest": "The latest total.",
    "latest_on": "The day of the latest total.",
    "severity": "The latest total's severity band (`minimal` ... `severe` for the PHQ-9).",
    "rci": "Reliable Change Index from first to latest (Jacobson & Truax), four decimals; empty with "
    "one score, or for an instrument registered without a standard deviation and reliability.",
    "change": "`improved`, `deteriorated` or `no reliable change` (strict Jacobson–Truax: \\|RCI\\| > "
    "1.96 counts as reliable; see [analytics.md](analytics.md)).",
    "response": "`true` when the latest total is down by at least the instrument's response fraction of "
    "the first (50 % for the PHQ-9 and GAD-7), else `false`; empty with one score, a first total below "
    "the clinical range (10 for the PHQ-9 and GAD-7), or an instrument that defines no response.",
    "remission": "`true` when the latest total is below the remission threshold (5 for the PHQ-9 and "
    "GAD-7), else `false`; empty with one score, a first total below the clinical range, or an "
    "instrument that defines none.",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if "\\|" not in text else text


def _deidentified(column: Column) -> str:
    name = column.deidentified_name()
    if name is None:
        return "dropped"
    if column.kind in ("date", "timestamp"):
        return f"`{name}` (day offset)"
    if column.kind in ("plan", "goal"):
        return f"`{name}` (keyed pseudonym)"
    if column.kind == "change":
        return "codes, numbers and day offsets kept; other values empty"
    return "kept"


def column_rows(columns: tuple[Column, ...], meanings: Mapping[str, str]) -> Iterator[str]:
    yield "| Column | Type | De-identified | Meaning |"
    yield "|--------|------|---------------|---------|"
    for column in columns:
        meaning = meanings[column.name]  # a KeyError here means a column without a description
        yield f"| `{column.name}` | {KINDS[column.kind]} | {_deidentified(column)} | {_cell(meaning)} |"


def table_sections() -> Iterator[str]:
    for name in TABLE_NAMES:
        table = TABLES[name]
        yield f"### {name}"
        yield ""
        yield TABLE_INTROS[name]
        yield ""
        yield from column_rows(table.columns, {**MEANINGS, **TABLE_MEANINGS.get(name, {})})
        yield ""
        if name == "goals":
            yield "Then the progress analytics, the same values `goalplan analytics` and"
            yield "`plan show --json` report (the rules are in [analytics.md](analytics.md)), as recorded"
            yield "up to the analysis day:"
            yield ""
            yield from column_rows(tuple(Column(n, k) for n, k in PROGRESS_COLUMNS), MEANINGS)
            yield ""
            yield "Then, for each instrument, eight columns named after its id (`phq9_…`, `gad7_…`), about"
            yield "the scores recorded for this goal (scores recorded for the plan as a whole are in the"
            yield "scores table only). They are empty for a goal with no score on that instrument."
            yield ""
            group = tuple(Column(f"<id>_{n}", k) for n, k in INSTRUMENT_COLUMNS)
            yield from column_rows(group, {f"<id>_{n}": m for n, m in INSTRUMENT_MEANINGS.items()})
            yield ""
            yield "The instrument groups are those registered when the file is written (PHQ-9 and GAD-7 are"
            yield "built in; a plugin may add more), in order of id, so every plan of one installation has"
            yield "the same header. An instrument that scored a goal but is no longer registered keeps its"
            yield "group, with totals but no band, RCI, response or remission."
            yield ""


def _options_table() -> Iterator[str]:
    yield "| Option | Values |"
    yield "|--------|--------|"
    for name, text in OPTION_HELP.items():
        yield f"| `{name}` | {_cell(text)} |"


def generate() -> str:
    """docs/csv.md, exactly."""
    delimiters = ", ".join(f"`{d}`" if d.strip() else "tab" for d in dict.fromkeys(DELIMITERS.values()))
    lines = [
        "# CSV export",
        "",
        "<!-- Generated by `python -m goalplan_csv.dictionary > docs/csv.md`; edit",
        "     plugins/goalplan_csv/dictionary.py instead. A test checks the two agree. -->",
        "",
        "    goalplan export PLAN --format csv [--option table=TABLE] ...          # TABLE: see below",
        "    goalplan export --all --format csv --out DIR [--option ...]            # one file per plan",
        "    goalplan export --all --format csv --option scope=caseload -o all.csv  # every plan in one file",
        "    goalplan export PLAN --format csv --option profile=deidentified  # key: $GOALPLAN_PSEUDONYM_KEY",
        "",
        "The CSV exporter is the built-in plugin `goalplan_csv`. One file holds one table of one plan;",
        "`--all` writes one file per plan, or with `scope=caseload` one file for the whole caseload",
        "(`table=plans` then gives the caseload overview, one row per plan).",
        "",
        "## Options",
        "",
        *_options_table(),
        "",
        "A bad value is refused with one sentence naming the option, and nothing is written.",
        "",
        "## Format",
        "",
        "- RFC 4180 as spreadsheet programs read it: Python's `excel` dialect, every record (the last",
        "  included) ending in CRLF, a header row first, UTF-8.",
        f"- Fields are separated by commas, or by the `delimiter` option: one of {delimiters}.",
        "  Spreadsheets set to most European locales use `,` as the decimal mark and expect `;`",
        "  between fields: `--option 'delimiter=;'` (quoted, as the shell ends a command at `;`).",
        "  Numbers keep the `.` decimal point whatever the delimiter: a spreadsheet with a decimal",
        "  comma may need the column's format set to read `0.5` as a number.",
        "- Text cells are always in double quotes (a quote inside is doubled; a line break inside a",
        "  note stays inside the quotes). Numbers are written bare: `3`, `0.5`, `-2`. Empty cells are",
        '  `""`. So a reader that treats unquoted cells as numbers (Python\'s',
        "  `csv.QUOTE_NONNUMERIC`, most spreadsheets) gets numbers where there are numbers.",
        "- Dates are `YYYY-MM-DD`; recorded-at times are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.",
        "- **Formula injection.** A spreadsheet treats a cell that starts with `=`, `+`, `-` or `@`",
        "  (and, in some programs, tab, carriage return, line feed or NUL) as a formula, and a formula",
        "  can fetch URLs or run commands; some also skip leading spaces, zero-width characters or a",
        "  byte-order mark first, read the full-width `＝ ＋ － ＠` as operators, or run `|` as a DDE",
        "  call. Every text cell that begins with one of those characters, or with one of them after",
        "  such invisible leading characters, is written with a leading apostrophe, as OWASP's CSV",
        "  injection guidance and ASVS 5.0 V1.2.10 describe: a goal written `=HYPERLINK(...)`",
        "  appears as the text `'=HYPERLINK(...)`. This",
        "  applies to every text cell, including names, statements, notes and reasons; numbers are",
        "  never prefixed, so a negative value stays a number. The apostrophe is visible to programs",
        "  that read the file as plain text.",
        "- The same log and options always give the same bytes, with the same instruments registered",
        "  (they decide the instrument columns of the goals table). Nothing depends on the day the",
        "  file is written: see [the analysis day](#the-analysis-day).",
        "- A plan read with `goalplan --allow-broken` (its log fails verification) adds a last column,",
        "  `integrity_warning`, holding the warning on each of that plan's rows (empty for the other",
        "  plans of a caseload file). A damaged plan with no row in the chosen table gets one row with",
        "  every other cell empty, so the file still says it read that plan. In the de-identified",
        "  profile the column holds a fixed sentence instead of the plan's warning, which names the plan",
        "  and event ids that every other cell pseudonymises.",
        "",
        "Types: *id* and *text* and *code* are quoted text (a *code* is one of a fixed set of words),",
        "*number* a bare number, *date* `YYYY-MM-DD`, *timestamp* a UTC time. Booleans are the text",
        "cells `true` and `false`; a value that cannot be given is an empty cell.",
        "",
        "## Tables",
        "",
        *table_sections(),
        "## The analysis day",
        "",
        "The exporter never reads the clock. Whether a goal is on track or its target date has passed",
        "is judged on the UTC day of the plan's last recorded entry (its last `recorded_at`), or of its",
        "latest recorded observation if that is later (analytics for a day leave out values observed",
        "after it, and the CSV keeps every recorded value), written in the `as_of` column: the columns",
        "say how the plan stood as recorded up to that day. Exporting",
        "the same log next month gives the same file; recording anything new moves the day forward.",
        "`goalplan analytics` and `plan show`, by contrast, use today's date, so for a plan with no",
        "recent entries they can differ from the CSV on `on_track` and `achievement_status`;",
        "`goalplan analytics PLAN --today <as_of>` gives the CSV's view.",
        "",
        "## The whole caseload in one file",
        "",
        "`export --all --format csv --option scope=caseload -o FILE` writes the chosen table of every",
        "plan under one header, plans in the order they were opened (`plan_id`, or `plan_pseudonym`,",
        "tells them apart; without `-o` it goes to standard output). Every option applies as for one",
        "plan. The columns are those of one plan; a goals-table group for an instrument no longer",
        "registered that scored some plan's goal comes last, empty for the other plans. The analysis",
        "day (`as_of`) and de-identified day offsets stay per plan. `scope=caseload` with one PLAN, or",
        "with `--out DIR`, is refused.",
        "",
        "## De-identified profile",
        "",
        "`--option profile=deidentified` drops names and free text, replaces ids by keyed pseudonyms",
        "and dates by day offsets from the plan's opening; the *De-identified* column of each table",
        "above says what becomes of each column. The analytics columns and the scores table keep",
        "their values: numbers (trend, GAS level and weight, totals, RCI) and codes (on-track status,",
        "achievement status, instrument id, severity, change, response, remission). GAS level",
        "descriptions are not exported in either profile.",
        "",
        "In the history table, `old_value` and `new_value` are kept only for codes (`term`, `status`),",
        "numbers (`baseline`, `target`, `review_every_days`) and dates (`target_date`, `opened_on`,",
        "`closed_on`, as day offsets); for every other field the row stays, so the table still shows",
        "*that* a statement was revised on day 38, but the values are empty.",
        "",
        "What this protects and what it does not: [privacy.md](privacy.md).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
