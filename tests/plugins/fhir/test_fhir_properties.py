"""Properties over generated plans: every export validates, and imports back to the same plan."""

from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import goalplan
from goalplan.exporting import render
from goalplan.plugins import get_plugin_manager
from goalplan_fhir.importing import import_bundle
from tests.plugins.fhir.fhir_helpers import plan_summary, schema_errors, validate_r4b

# Text a clinician might type: letters, marks, digits, punctuation, symbols and spaces in any
# script; no control, format or separator characters other than the space (see the next test
# for those).
TEXT = st.text(
    st.characters(whitelist_categories=("L", "M", "N", "P", "S"), whitelist_characters=" "),
    min_size=1,
    max_size=40,
).filter(lambda t: t.strip() != "")
UNITS = st.sampled_from(["per week", "days per week", "0-10 rating", "minutes", "%", "Kg", "pages read"])
VALUES = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3))
OPENED = date(2026, 1, 5)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    goals = []
    for _ in range(draw(st.integers(1, 3))):
        baseline, target = draw(st.tuples(VALUES, VALUES).filter(lambda bt: bt[0] != bt[1]))
        measure = None
        if draw(st.booleans()):
            measure = goalplan.Measure(name=draw(TEXT), unit=draw(UNITS), baseline=baseline, target=target)
        progress = draw(
            st.lists(st.tuples(st.integers(0, 200), VALUES, st.one_of(st.just(""), TEXT)), max_size=4)
        )
        goals.append(
            {
                "statement": draw(TEXT),
                "focus": draw(st.one_of(st.none(), TEXT)),
                "term": draw(st.sampled_from(["short", "long"])),
                "measure": measure,
                "by": draw(
                    st.one_of(st.none(), st.integers(1, 400).map(lambda d: OPENED + timedelta(days=d)))
                ),
                "relevance": draw(st.one_of(st.just(""), TEXT)),
                "progress": progress if measure else [],
                "status": draw(
                    st.sampled_from(["active", "on-hold", "completed", "cancelled", "entered-in-error"])
                ),
            }
        )
    return {
        "client": draw(TEXT),
        "clinician": draw(TEXT),
        "credentials": draw(st.one_of(st.just(""), TEXT)),
        "goals": goals,
        "phq9": draw(st.lists(st.integers(0, 3), min_size=9, max_size=9)),
        "record_number": draw(st.one_of(st.just(""), TEXT)),
        "birth_date": draw(st.one_of(st.none(), st.dates(date(1920, 1, 1), date(2025, 12, 31)))),
        "guardian": draw(st.one_of(st.just(""), TEXT)),
        "diagnoses": draw(
            st.lists(st.sampled_from(["F41.1", "F32.1", "F43.10", "F40.10"]), unique=True, max_size=2)
        ),
        "provider": draw(
            st.one_of(st.none(), st.tuples(TEXT, st.one_of(st.just(""), TEXT), st.one_of(st.just(""), TEXT)))
        ),
        "schedule": draw(
            st.one_of(
                st.none(),
                st.tuples(st.integers(1, 240), st.integers(1, 7), st.sampled_from(["day", "week", "month"])),
            )
        ),
    }


def record(gp: goalplan.Goalplan, story: dict[str, Any]) -> goalplan.Plan:
    plan = gp.open_plan(
        client=story["client"],
        clinician=story["clinician"],
        credentials=story["credentials"],
        opened=OPENED,
        record_number=story["record_number"],
        birth_date=story["birth_date"],
        guardian=story["guardian"],
    )
    for g in story["goals"]:
        titles = {f.title.casefold(): f.title for f in plan.state.focus_areas.values()}
        focus = titles.get(g["focus"].casefold(), g["focus"]) if g["focus"] is not None else None
        goal = plan.set_goal(
            g["statement"],
            focus=focus,
            term=g["term"],
            measure=g["measure"],
            by=g["by"],
            relevance=g["relevance"],
        )
        for day, value, note in g["progress"]:
            plan.record_progress(goal, value, on=OPENED + timedelta(days=day), note=note)
        status, missed, m = g["status"], "", g["measure"]
        if status == "completed" and m is not None:
            latest = plan.state.goals[goal].latest
            if latest is None:
                status = "cancelled"  # a measured goal is completed only once it has a value
            elif not (latest.value >= m.target if m.target > m.baseline else latest.value <= m.target):
                missed = "Good enough for the client."
        if status != "active":
            plan.change_status(goal, status, reason="Changed in the story.", target_missed=missed)
    for n, code in enumerate(story["diagnoses"]):
        plan.add_diagnosis(code, primary=n == 0)
    live = [g.goal_id for g in plan.state.goals.values() if g.status in ("active", "on-hold")]
    name, credentials, role = story["provider"] or ("", "", "")
    minutes, sessions, per = story["schedule"] or (None, None, "")
    plan.plan_intervention(
        "CBT",
        "Cognitive restructuring",
        "weekly",
        goals=live[:1],
        provider=name,
        provider_credentials=credentials,
        provider_role=role,
        minutes=minutes,
        sessions=sessions,
        per=per,
    )
    items = list(story["phq9"])
    plan.record_score("PHQ-9", sum(items), items=items, on=OPENED)
    return plan


@settings(max_examples=25, deadline=None)
@given(plans())
def test_any_plan_exports_validly_and_imports_back_to_the_same_plan(story: dict[str, Any]) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        goalplan.open(Path(folder) / "a.db") as a,
        goalplan.open(Path(folder) / "b.db") as b,
    ):
        plan = record(a, story)
        data = render(get_plugin_manager().exporter("fhir"), plan.log(), {})
        bundle = json.loads(data)
        validate_r4b(bundle)
        assert schema_errors(bundle) == []
        copy = b.plan(import_bundle(b, data).plan_id)
        assert plan_summary(copy.state) == plan_summary(plan.state)


def test_whitespace_fhir_strings_do_not_allow_becomes_a_space_or_a_line_break(gp: goalplan.Goalplan) -> None:
    plan = gp.open_plan(client="Zoë\u00a0Okafor", clinician="Ana\u2003Ruiz", opened=OPENED)
    plan.set_goal("I will walk\u2028every\u00a0day.")
    bundle = json.loads(render(get_plugin_manager().exporter("fhir"), plan.log(), {}))
    assert schema_errors(bundle) == []
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    assert goal["description"]["text"] == "I will walk\nevery day."
    patient = bundle["entry"][0]["resource"]
    assert patient["name"] == [{"use": "official", "text": "Zoë Okafor"}]


# Fresh containers each draw: a replacement must never be shared, or a later one could nest it.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.just(""),
    st.just("x"),
    st.just("2026-02-30"),
    st.builds(list),
    st.builds(dict),
    st.builds(lambda: [None]),
    st.builds(lambda: {"reference": "Goal/missing"}),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += paths(value, (*prefix, n))
    return found


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_damaged_bundle_is_imported_in_part_or_refused_never_a_crash(data: st.DataObject) -> None:
    """Any element of an exported Bundle replaced by junk: the import maps what it can or refuses."""
    from tests.plugins.fhir.conftest import build_clinical_plan, build_rich_plan

    with (
        tempfile.TemporaryDirectory() as folder,
        goalplan.open(Path(folder) / "a.db") as a,
        goalplan.open(Path(folder) / "b.db") as b,
    ):
        build = data.draw(st.sampled_from([build_rich_plan, build_clinical_plan]))
        bundle = json.loads(render(get_plugin_manager().exporter("fhir"), build(a).log(), {}))
        targets = paths(bundle)
        for path in data.draw(st.lists(st.sampled_from(targets), min_size=1, max_size=4)):
            node = bundle
            try:
                for step in path[:-1]:
                    node = node[step]
                node[path[-1]] = data.draw(JUNK)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier replacement took this path away
        try:
            result = import_bundle(b, json.dumps(bundle).encode())
        except goalplan.RejectedError as exc:
            assert exc.message.endswith("nothing was imported.")
            assert b.plans() == []
        else:
            assert b.plan(result.plan_id).state.is_open
