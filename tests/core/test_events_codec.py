"""The codec: every event round-trips, payloads are canonical, old shapes are upcast, errors name both."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st

from goalplan import codec
from goalplan.codec import (
    GENESIS_HASH,
    NewEvent,
    RecordedEvent,
    canonical_json,
    chain_hash,
    decode,
    encode,
    format_timestamp,
    parse_iso_date,
    upcaster,
)
from goalplan.errors import CodecError
from goalplan.events import (
    EVENT_TYPES,
    ClientDetailsChanged,
    DiagnosisAdded,
    DiagnosisResolved,
    EntryCorrected,
    Event,
    FindingSilenced,
    FocusAreaAdded,
    GasScaleSet,
    GasScored,
    GoalRevised,
    GoalSet,
    GoalStatusChanged,
    InterventionPlanned,
    PlanClosed,
    PlanDetailsSet,
    PlanGiven,
    PlanOpened,
    PlanSigned,
    PresentingProblemSet,
    ProgressRecorded,
    ReviewHeld,
    SafetyReviewRecorded,
    ScoreRecorded,
    StepAdded,
    StepCompleted,
)
from goalplan.jcs import jcs
from tests.core.streams import finite, measures, texts

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
ids = st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=1, max_size=16)
maybe_text = st.none() | texts
maybe_date = st.none() | dates

STRATEGIES: dict[type[Event], st.SearchStrategy[Event]] = {
    PlanOpened: st.builds(
        PlanOpened,
        client_name=texts,
        clinician_name=texts,
        clinician_credentials=st.just("") | texts,
        opened_on=dates,
        review_every_days=st.integers(1, 366),
        discharge_criteria=st.just("") | texts,
        client_birth_date=maybe_date,
        client_record_number=st.just("") | texts,
        client_preferred_name=st.just("") | texts,
        client_pronouns=st.just("") | texts,
        guardian_name=st.just("") | texts,
        guardian_relationship=st.just("") | texts,
    ),
    ClientDetailsChanged: st.builds(
        ClientDetailsChanged,
        reason=texts,
        client_name=maybe_text,
        client_birth_date=maybe_date,
        client_record_number=maybe_text,
        client_preferred_name=maybe_text,
        client_pronouns=maybe_text,
        guardian_name=maybe_text,
        guardian_relationship=maybe_text,
        cleared=st.lists(st.sampled_from(["client_pronouns", "guardian_name"]), unique=True).map(tuple),
    ),
    PlanDetailsSet: st.builds(
        PlanDetailsSet,
        reason=st.just("") | texts,
        strengths=maybe_text,
        needs=maybe_text,
        abilities=maybe_text,
        preferences=maybe_text,
        level_of_care=maybe_text,
        effective_from=maybe_date,
        effective_through=maybe_date,
        aftercare=maybe_text,
        referrals=maybe_text,
        discharge_criteria=maybe_text,
        cleared=st.lists(st.sampled_from(["aftercare", "effective_through"]), unique=True).map(tuple),
    ),
    PresentingProblemSet: st.builds(PresentingProblemSet, focus_id=ids, text=texts),
    DiagnosisAdded: st.builds(
        DiagnosisAdded,
        code=st.sampled_from(["F41.1", "F32.A", "F43.10"]),
        description=texts,
        primary=st.booleans(),
        dsm5_text=st.just("") | texts,
        focus_ids=st.lists(ids, max_size=3).map(tuple),
    ),
    DiagnosisResolved: st.builds(DiagnosisResolved, code=st.sampled_from(["F41.1", "F32.A"]), reason=texts),
    PlanGiven: st.builds(
        PlanGiven,
        given_on=dates,
        given_to=texts,
        method=st.just("") | texts,
        plan_version=st.none() | st.integers(1, 10_000),
    ),
    SafetyReviewRecorded: st.builds(
        SafetyReviewRecorded, score_event_id=st.uuids().map(str), reviewed_on=dates, reason=texts
    ),
    FocusAreaAdded: st.builds(FocusAreaAdded, focus_id=ids, title=texts, description=st.just("") | texts),
    GoalSet: st.builds(
        GoalSet,
        goal_id=ids,
        statement=texts,
        focus_id=st.none() | ids,
        term=st.sampled_from(["short", "long"]),
        measure=st.none() | measures(),
        target_date=maybe_date,
        relevance=st.just("") | texts,
        status=st.sampled_from(["proposed", "planned", "accepted", "active", "on-hold"]),
    ),
    GoalRevised: st.builds(
        GoalRevised,
        goal_id=ids,
        reason=texts,
        statement=maybe_text,
        focus_id=st.none() | ids,
        term=st.none() | st.sampled_from(["short", "long"]),
        measure=st.none() | measures(),
        target_date=maybe_date,
        relevance=maybe_text,
        cleared=st.lists(
            st.sampled_from(["focus_id", "measure", "target_date", "relevance"]), unique=True
        ).map(tuple),
    ),
    StepAdded: st.builds(StepAdded, step_id=ids, goal_id=ids, text=texts, due_on=maybe_date),
    StepCompleted: st.builds(StepCompleted, step_id=ids, completed_on=dates),
    InterventionPlanned: st.builds(
        InterventionPlanned,
        intervention_id=ids,
        modality=texts,
        description=texts,
        frequency=texts,
        goal_ids=st.lists(ids, max_size=3).map(tuple),
        type=st.sampled_from(["", "individual", "group", "family", "couple"]),
        minutes=st.none() | st.integers(1, 480),
        sessions=st.none() | st.integers(1, 31),
        period=st.sampled_from(["", "day", "week", "month"]),
        provider_name=st.just("") | texts,
        provider_credentials=st.just("") | texts,
        provider_role=st.just("") | texts,
        starts_on=maybe_date,
        ends_on=maybe_date,
    ),
    ProgressRecorded: st.builds(
        ProgressRecorded, goal_id=ids, value=finite, observed_on=dates, note=st.just("") | texts
    ),
    ReviewHeld: st.builds(ReviewHeld, held_on=dates, summary=st.just("") | texts, next_review_on=maybe_date),
    GoalStatusChanged: st.builds(
        GoalStatusChanged,
        goal_id=ids,
        status=st.sampled_from(["active", "on-hold", "completed", "cancelled"]),
        reason=texts,
        target_missed_reason=st.just("") | texts,
    ),
    PlanSigned: st.builds(
        PlanSigned,
        role=st.sampled_from(["client", "guardian", "clinician", "supervisor"]),
        name=texts,
        credentials=st.just("") | texts,
        signed_on=dates,
        signed_version=st.none() | st.integers(1, 10_000),
        content_digest=st.just("") | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    ),
    PlanClosed: st.builds(PlanClosed, reason=texts, closed_on=dates),
    EntryCorrected: st.builds(EntryCorrected, corrected_event_id=st.uuids().map(str), reason=texts),
    ScoreRecorded: st.builds(
        ScoreRecorded,
        instrument=st.sampled_from(["phq9", "gad7"]),
        total=finite,
        items=st.lists(st.integers(0, 3), max_size=9).map(tuple),
        observed_on=dates,
        goal_id=st.none() | ids,
        note=st.just("") | texts,
    ),
    GasScaleSet: st.builds(
        GasScaleSet,
        goal_id=ids,
        levels=st.lists(texts, min_size=5, max_size=5).map(tuple),
        weight=st.floats(0.1, 100),
        reason=st.just("") | texts,
    ),
    GasScored: st.builds(
        GasScored, goal_id=ids, level=st.integers(-2, 2), observed_on=dates, note=st.just("") | texts
    ),
    FindingSilenced: st.builds(FindingSilenced, rule_id=texts, reason=texts, goal_id=st.none() | ids),
}
any_event = st.one_of(*STRATEGIES.values())


def test_every_event_type_has_a_strategy() -> None:
    assert {cls.TYPE for cls in STRATEGIES} == set(EVENT_TYPES)


def test_type_tags_are_stable_snake_case() -> None:
    assert sorted(EVENT_TYPES) == [
        "client_details_changed",
        "diagnosis_added",
        "diagnosis_resolved",
        "entry_corrected",
        "finding_silenced",
        "focus_area_added",
        "gas_scale_set",
        "gas_scored",
        "goal_revised",
        "goal_set",
        "goal_status_changed",
        "intervention_planned",
        "plan_closed",
        "plan_details_set",
        "plan_given",
        "plan_opened",
        "plan_signed",
        "presenting_problem_set",
        "progress_recorded",
        "review_held",
        "safety_review_recorded",
        "score_recorded",
        "step_added",
        "step_completed",
    ]
    raised = {"plan_opened": 2, "intervention_planned": 2, "plan_signed": 2, "goal_status_changed": 2}
    assert {tag: cls.SCHEMA_VERSION for tag, cls in EVENT_TYPES.items() if cls.SCHEMA_VERSION != 1} == raised


@pytest.mark.parametrize(
    ("tag", "payload"),
    [
        (
            "plan_opened",
            '{"client_name":"Ana","clinician_name":"Dr R","opened_on":"2026-01-05","review_every_days":60}',
        ),
        (
            "intervention_planned",
            '{"description":"d","frequency":"weekly","intervention_id":"I1","modality":"CBT"}',
        ),
        ("plan_signed", '{"name":"Ana","role":"client","signed_on":"2026-01-05"}'),
        ("goal_status_changed", '{"goal_id":"G1","reason":"r","status":"completed"}'),
    ],
)
def test_a_version_1_payload_reads_as_version_2_with_the_new_fields_at_their_defaults(
    tag: str, payload: str
) -> None:
    old = decode(tag, 1, payload)
    assert type(old).SCHEMA_VERSION == 2
    assert encode(old) == payload  # nothing new is set, so the payload spells the same
    assert decode(tag, 2, payload) == old


@given(any_event)
def test_every_event_round_trips(event: Event) -> None:
    payload = encode(event)
    assert decode(event.TYPE, event.SCHEMA_VERSION, payload) == event
    assert decode(event.TYPE, event.SCHEMA_VERSION, json.loads(payload)) == event


@given(any_event)
def test_payloads_are_canonical(event: Event) -> None:
    payload = encode(event)
    assert payload == jcs(json.loads(payload))  # one spelling (RFC 8785), whatever the key order
    assert encode(decode(event.TYPE, event.SCHEMA_VERSION, payload)) == payload


@given(any_event)
def test_a_recorded_event_round_trips_through_its_export_form(event: Event) -> None:
    new = NewEvent.of(event, actor="dr.ruiz", recorded_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    digest = chain_hash(plan_id="P1", version=1, event=new, prev_hash=GENESIS_HASH)
    record = RecordedEvent(
        new.event_id,
        "P1",
        1,
        7,
        new.recorded_at,
        new.actor,
        new.type,
        new.schema_version,
        new.payload,
        GENESIS_HASH,
        digest,
        new.hash_scheme,
    )
    plan_id, version, back, prev, digest_back = codec.new_event_from_json(
        json.loads(json.dumps(record.to_json()))
    )
    assert (plan_id, version, back, prev, digest_back) == ("P1", 1, new, GENESIS_HASH, digest)
    assert record.event == event


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": [1.5, "é"], "c": {"z": None, "y": True}}) == (
        '{"a":[1.5,"é"],"b":1,"c":{"y":true,"z":null}}'
    )
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_default_fields_are_left_out_of_the_payload() -> None:
    event = GoalSet(goal_id="G1", statement="Walk daily")
    assert encode(event) == '{"goal_id":"G1","statement":"Walk daily"}'


def test_an_unknown_type_names_the_type_and_the_version() -> None:
    with pytest.raises(CodecError) as caught:
        decode("goal_exploded", 3, "{}")
    message = str(caught.value)
    assert "'goal_exploded'" in message and "schema version 3" in message
    assert "goal_set" in message  # and says what this goalplan does read


def test_a_newer_schema_version_names_the_type_and_both_versions() -> None:
    with pytest.raises(CodecError) as caught:
        decode("goal_set", 2, '{"goal_id":"G1","statement":"x"}')
    message = str(caught.value)
    assert "'goal_set'" in message and "schema version 2" in message and "version 1" in message
    assert "upgrade" in message


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ('{"step_id":"S1","completed_on":"2026-02-30"}', "2026-02-30"),
        ('{"step_id":"S1","completed_on":"2026-2-3"}', "2026-2-3"),
        ('{"step_id":"S1","completed_on":"2026-02-03T10:00"}', "2026-02-03T10:00"),
        ('{"step_id":"S1","completed_on":"2026-02-03","extra":1}', "extra"),
        ('{"step_id":"S1"}', "completed_on"),
    ],
)
def test_a_malformed_payload_names_its_type(payload: str, problem: str) -> None:
    with pytest.raises(CodecError) as caught:
        decode("step_completed", 1, payload)
    assert "'step_completed'" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize("value", ["3", True, None, "NaN"])
def test_numbers_in_payloads_are_numbers(value: object) -> None:
    payload = {"goal_id": "G1", "value": value, "observed_on": "2026-02-03"}
    with pytest.raises(CodecError):
        decode("progress_recorded", 1, payload)


@pytest.mark.parametrize(
    "text", ["2026-02-29", "2026-13-01", "26-02-01", "2026/02/01", " 2026-02-01", "20260201"]
)
def test_dates_are_real_iso_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_date(text)


def test_a_leap_day_is_a_real_date() -> None:
    assert parse_iso_date("2028-02-29") == date(2028, 2, 29)


def test_recorded_at_is_utc_with_microseconds_and_z() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2026, 3, 1, 14, 30, 5, 12, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(moment) == "2026-03-01T12:30:05.000012Z"
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 3, 1))


def test_the_chain_hash_is_sha256_over_the_canonical_envelope_and_the_payload() -> None:
    """The construction docs/architecture.md documents, recomputed by hand."""
    new = NewEvent(
        event_id="e1",
        type="review_held",
        schema_version=1,
        payload='{"held_on":"2026-04-01"}',
        actor="dr.ruiz",
        recorded_at="2026-04-01T10:00:00.000000Z",
    )
    header = (
        '{"actor":"dr.ruiz","event_id":"e1","plan_id":"P1","prev_hash":"' + GENESIS_HASH + '",'
        '"recorded_at":"2026-04-01T10:00:00.000000Z","schema_version":1,"type":"review_held","version":1}'
    )
    expected = hashlib.sha256((header + "\n" + '{"held_on":"2026-04-01"}').encode("utf-8")).hexdigest()
    assert chain_hash(plan_id="P1", version=1, event=new, prev_hash=GENESIS_HASH) == expected
    assert chain_hash(plan_id="P2", version=1, event=new, prev_hash=GENESIS_HASH) != expected
    assert chain_hash(plan_id="P1", version=2, event=new, prev_hash=GENESIS_HASH) != expected


# --- upcasting an old payload shape into the current class -----------------------------------------


@pytest.fixture
def test_only_registry() -> Iterator[None]:
    """Leave EVENT_TYPES and the upcasters exactly as they were, whatever the test registers."""
    event_types, upcasters = dict(EVENT_TYPES), dict(codec._UPCASTERS)
    try:
        yield
    finally:
        EVENT_TYPES.clear()
        EVENT_TYPES.update(event_types)
        codec._UPCASTERS.clear()
        codec._UPCASTERS.update(upcasters)


def test_an_old_payload_is_upcast_into_the_current_class(test_only_registry: None) -> None:
    @frozen(kw_only=True)
    class ScaleScored(Event):
        """Version 2 renamed ``score`` to ``value`` and added ``scale``."""

        TYPE = "test_scale_scored"
        SCHEMA_VERSION = 2
        goal_id: str
        value: float
        scale: str

    @upcaster("test_scale_scored", 1)
    def _v1_to_v2(old: dict[str, object]) -> dict[str, object]:
        data = {k: v for k, v in old.items() if k != "score"}
        return {**data, "value": old["score"], "scale": "GAS"}

    assert EVENT_TYPES["test_scale_scored"] is ScaleScored
    old_payload = '{"goal_id":"G1","score":2}'
    assert decode("test_scale_scored", 1, old_payload) == ScaleScored(goal_id="G1", value=2.0, scale="GAS")
    current = ScaleScored(goal_id="G1", value=1.5, scale="PHQ-9")
    assert decode("test_scale_scored", 2, encode(current)) == current

    # A stored old record keeps its stored payload, so its hash still verifies after upcasting.
    record = RecordedEvent("e1", "P1", 1, 1, "2026-01-01T00:00:00.000000Z", "a", "test_scale_scored", 1,
                           old_payload, GENESIS_HASH, "")  # fmt: skip
    digest = chain_hash(plan_id="P1", version=1, event=record, prev_hash=GENESIS_HASH)
    assert record.event == ScaleScored(goal_id="G1", value=2.0, scale="GAS")
    assert record._replace(hash=digest).payload == old_payload


def test_a_missing_upcaster_names_the_type_and_the_versions(test_only_registry: None) -> None:
    @frozen(kw_only=True)
    class Scored(Event):
        TYPE = "test_scored_v3"
        SCHEMA_VERSION = 3
        value: float

    with pytest.raises(CodecError) as caught:
        decode("test_scored_v3", 1, '{"value":1}')
    assert "'test_scored_v3'" in str(caught.value) and "from schema version 1 to 2" in str(caught.value)


def test_the_test_only_types_are_gone_afterwards() -> None:
    assert not any(tag.startswith("test_") for tag in EVENT_TYPES)
    assert not any(tag.startswith("test_") for tag, _ in codec._UPCASTERS)


def test_a_type_tag_cannot_be_taken_twice() -> None:
    with pytest.raises(ValueError, match="goal_set"):

        class Impostor(Event):
            TYPE = "goal_set"
