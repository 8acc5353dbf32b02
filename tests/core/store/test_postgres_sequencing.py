"""PostgreSQL group sequencing: appends written without positions, sealed by whoever comes next.

A crash between the two phases leaves a claimed append waiting; a row put there with plain SQL
has no valid claim and is never sealed. Both are named by verify; neither is ever shown to a
catch-up reader without a position.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from goalplan.codec import NewEvent
from goalplan.errors import ConcurrencyError, IntegrityError, StoreError
from goalplan.store import open_store
from goalplan.store.claims import Claim
from goalplan.store.integrity import IntegrityReport, check_store, local_trust

from .factory import new_events

psycopg = pytest.importorskip("psycopg")
from goalplan.store.postgres import PostgresStore  # noqa: E402


def insert_forged_row(pg: PostgresStore, raw: psycopg.Connection, version: int) -> NewEvent:
    """A correctly chained event added to plan-a with plain SQL: no position, no claim."""
    head = pg.read_stream("plan-a")[-1]
    forged = new_events(1)[0]
    raw.execute(
        "INSERT INTO events (event_id, plan_id, version, recorded_at, actor, type, schema_version, "
        "payload, prev_hash, hash, hash_scheme) VALUES (%s, 'plan-a', %s, %s, %s, %s, %s, %s, %s, %s, 2)",
        (
            forged.event_id,
            version,
            forged.recorded_at,
            forged.actor,
            forged.type,
            forged.schema_version,
            forged.payload,
            head.hash,
            "f" * 64,
        ),
    )
    return forged


@pytest.fixture
def pg(postgres_url: str) -> Iterator[PostgresStore]:
    with open_store(postgres_url) as store:
        assert isinstance(store, PostgresStore)
        yield store


@pytest.fixture
def raw(postgres_url: str) -> Iterator[psycopg.Connection]:
    with open_store(postgres_url) as store:
        schema = store.schema  # type: ignore[attr-defined]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        yield conn


def integrity(store: PostgresStore) -> IntegrityReport:
    trusted, witness, state, _ = local_trust(store)
    return check_store(store, trusted, witness=witness, witness_state=state)


def write_phase_only(store: PostgresStore, plan_id: str, count: int, expected: int) -> None:
    """What a writer that stops after phase 1 (killed, or its connection lost) leaves behind."""
    with store._conn.transaction():
        store._write_phase(plan_id, new_events(count), expected, None)


def kinds(report: IntegrityReport) -> list[tuple[str, str | None, int | None]]:
    return [(p.kind, p.plan_id, p.version) for p in report.problems]


@pytest.mark.postgres
def test_an_append_left_between_its_phases_is_sealed_by_the_next_writer(pg: PostgresStore) -> None:
    pg.append("plan-a", new_events(2), 0)
    write_phase_only(pg, "plan-a", 3, 2)
    with open_store(pg.url, signing=False) as reader:  # sees only what has a position
        assert [r.version for r in reader.read_all()] == [1, 2]
        assert reader.head_position() == 2
    report = integrity(pg)
    assert kinds(report) == [("pending", "plan-a", 3)]
    assert "versions 3 to 5" in str(report.problems[0])

    with open_store(pg.url) as other:
        result = other.append("plan-b", new_events(1), 0)
    assert result.positions == (6,)  # the waiting append took 3..5 first, in claim order
    assert [(r.plan_id, r.version, r.position) for r in pg.read_all()] == [
        ("plan-a", 1, 1),
        ("plan-a", 2, 2),
        ("plan-a", 3, 3),
        ("plan-a", 4, 4),
        ("plan-a", 5, 5),
        ("plan-b", 1, 6),
    ]
    assert pg.pending_events() == [] and pg.pending_claims() == []
    assert integrity(pg).ok, integrity(pg).problems
    assert pg.check_read_models().mismatches == ()


@pytest.mark.postgres
def test_reading_a_plan_seals_its_waiting_append(pg: PostgresStore) -> None:
    pg.append("plan-a", new_events(1), 0)
    write_phase_only(pg, "plan-a", 2, 1)
    with open_store(pg.url) as other:
        assert [(r.version, r.position) for r in other.read_stream("plan-a")] == [(1, 1), (2, 2), (3, 3)]
    assert integrity(pg).ok


@pytest.mark.postgres
def test_a_retry_of_an_append_that_stopped_midway_returns_its_positions(pg: PostgresStore) -> None:
    events = new_events(2)
    with pg._conn.transaction():
        pg._write_phase("plan-a", events, 0, None)
    result = pg.append("plan-a", events, 0)
    assert result.duplicate and result.positions == (1, 2) and result.versions == (1, 2)
    assert integrity(pg).ok


@pytest.mark.postgres
def test_a_connection_that_may_not_write_shows_only_what_is_sealed_and_says_so(
    pg: PostgresStore, caplog: pytest.LogCaptureFixture
) -> None:
    pg.append("plan-a", new_events(1), 0)
    write_phase_only(pg, "plan-a", 1, 1)
    with open_store(pg.url) as reader:
        assert isinstance(reader, PostgresStore)
        reader._conn.execute("SET default_transaction_read_only = on")
        with caplog.at_level("WARNING", logger="goalplan"):
            assert [r.version for r in reader.read_stream("plan-a")] == [1]
        assert "plan plan-a: versions 2 to 2 are written but not yet sealed" in caplog.text
        assert reader.seal_pending() == 1  # still waiting: it may not seal
    assert [r.version for r in pg.read_stream("plan-a")] == [1, 2]


@pytest.mark.postgres
@pytest.mark.parametrize("claim", ["none", "bad signature", "claim of another plan"])
def test_a_forged_row_without_a_valid_claim_is_never_sealed_and_verify_names_it(
    pg: PostgresStore, raw: psycopg.Connection, claim: str
) -> None:
    pg.append("plan-a", new_events(2), 0)
    forged = insert_forged_row(pg, raw, 3)
    if claim == "bad signature":
        key_id = pg.signing_key().key_id
        raw.execute(
            "INSERT INTO append_claims (plan_id, first_version, last_version, hash, key_id, signature) "
            "VALUES ('plan-a', 3, 3, %s, %s, %s)",
            ("f" * 64, key_id, "AAAA" * 22),
        )
    elif claim == "claim of another plan":
        pg.append("plan-c", new_events(1), 0)
        genuine = pg.read_checkpoints()[-1]
        raw.execute(
            "INSERT INTO append_claims (plan_id, first_version, last_version, hash, key_id, signature) "
            "VALUES ('plan-a', 3, 3, %s, %s, %s)",
            (genuine.hash, genuine.key_id, genuine.signature),
        )
    checkpoints_before = len(pg.read_checkpoints())
    with open_store(pg.url) as other:
        assert other.append("plan-b", new_events(2), 0).positions[0] == pg.head_position() - 1
    assert len(pg.read_checkpoints()) == checkpoints_before + 1  # plan-b's only
    assert [r.version for r in pg.read_stream("plan-a")] == [1, 2]
    assert all(r.event_id != forged.event_id for r in pg.read_all())
    assert pg.pending_events() == [("plan-a", 3, forged.event_id)]
    report = integrity(pg)
    assert kinds(report) == [("unclaimed", "plan-a", 3)], report.problems
    assert forged.event_id in str(report.problems[0].event_id)
    if claim == "none":  # a writer never builds on it (with a claim, the claim check is the sequencer's)
        with pytest.raises(IntegrityError, match="version 3 waits in the store without a signed claim"):
            pg.append("plan-a", new_events(1), 3)
        assert pg.stream_version("plan-a") == 3


@pytest.mark.postgres
def test_the_only_update_an_event_takes_is_its_position_once(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    pg.append("plan-a", new_events(1), 0)
    write_phase_only(pg, "plan-a", 1, 1)
    with pytest.raises(psycopg.Error, match="append-only"):
        raw.execute("UPDATE events SET position = 7 WHERE version = 1")
    with pytest.raises(psycopg.Error, match="append-only"):
        raw.execute("UPDATE events SET position = 2, actor = 'someone' WHERE version = 2")
    with pytest.raises(psycopg.Error, match="append-only"):
        raw.execute("DELETE FROM events WHERE version = 2")
    assert pg.seal_pending() == 1
    assert [r.position for r in pg.read_all()] == [1, 2]


def _back_to_schema_4(raw: psycopg.Connection) -> None:
    """The tables as goalplan 0.2.0 left them (schema 4): positions NOT NULL, no claims."""
    raw.execute("DROP FUNCTION goalplan_begin_append, goalplan_try_claims")
    raw.execute("DROP TABLE append_claims")
    raw.execute("DROP INDEX events_pending")
    raw.execute("DROP TRIGGER events_no_update ON events")
    raw.execute("DROP TRIGGER events_no_delete ON events")
    raw.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION goalplan_refuse_change()"
    )
    raw.execute("ALTER TABLE events ALTER COLUMN position SET NOT NULL")
    raw.execute("DELETE FROM goalplan_migrations WHERE version >= 5")


@pytest.mark.postgres
def test_a_store_made_by_0_2_0_upgrades_and_still_verifies(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    pg.append("plan-a", new_events(3), 0)
    pg.append("plan-b", new_events(2), 0)
    _back_to_schema_4(raw)
    with open_store(pg.url) as upgraded:
        assert isinstance(upgraded, PostgresStore)
        assert integrity(upgraded).ok
        assert upgraded.append("plan-a", new_events(1), 3).positions == (6,)
        assert integrity(upgraded).ok
    versions = [row[0] for row in raw.execute("SELECT version FROM goalplan_migrations ORDER BY version")]
    assert versions == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.postgres
def test_a_writer_registers_its_key_even_when_another_seals_its_appends(pg: PostgresStore) -> None:
    write_phase_only(pg, "plan-a", 1, 0)
    with open_store(pg.url, signing=False) as sealer:  # seals, signs nothing
        assert sealer.append("plan-b", new_events(1), 0).positions == (2,)
    assert [k.key_id for k in pg.stored_keys()] == [pg.signing_key().key_id]
    assert pg.read_checkpoints() == []  # nothing signed: the sealer does not sign


@pytest.mark.postgres
def test_a_writer_whose_known_head_went_stale_gets_concurrency_error_and_writes_nothing(
    pg: PostgresStore,
) -> None:
    pg.append("plan-a", new_events(2), 0)  # pg now knows plan-a's head without asking
    with open_store(pg.url) as other:
        other.append("plan-a", new_events(1), 2)
    with pytest.raises(ConcurrencyError):
        pg.append("plan-a", new_events(1), 2)
    assert pg.stream_version("plan-a") == 3
    assert pg.pending_events() == [] and pg.pending_claims() == []
    assert pg.append("plan-a", new_events(1), 3).positions == (4,)
    assert integrity(pg).ok
    assert pg.check_read_models().mismatches == ()


@pytest.mark.postgres
def test_a_retry_from_the_writer_that_knows_the_head_returns_the_first_result(pg: PostgresStore) -> None:
    events = new_events(2)
    first = pg.append("plan-a", events, 0)
    later = pg.append("plan-a", new_events(1), 2)
    again = pg.append("plan-a", events, 0)
    assert again.duplicate and again.positions == first.positions == (1, 2)
    assert later.positions == (3,) and pg.stream_version("plan-a") == 3
    assert integrity(pg).ok


@pytest.mark.postgres
def test_the_sealer_verifies_other_writers_claims_but_not_the_one_it_just_signed(
    pg: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goalplan.store import postgres as module

    verified: list[str] = []
    real = module.claim_holds

    def counting(claim: Claim, trusted: Mapping[str, str]) -> bool:
        verified.append(claim.plan_id)
        return real(claim, trusted)

    monkeypatch.setattr(module, "claim_holds", counting)
    pg.append("plan-a", new_events(1), 0)
    pg.append("plan-a", new_events(1), 1)
    assert verified == []
    with open_store(pg.url) as other:
        assert isinstance(other, PostgresStore)
        write_phase_only(other, "plan-b", 1, 0)
    assert pg.append("plan-a", new_events(1), 2).positions == (4,)
    assert verified == ["plan-b"]
    assert integrity(pg).ok


@pytest.mark.postgres
def test_an_append_behind_an_untrusted_installations_claim_fails_at_once(
    pg: PostgresStore, signing_key_file: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goalplan.store import postgres as module
    from tests.conftest import KEY_FOLDER

    pg.append("plan-a", new_events(1), 0)
    with open_store(pg.url) as theirs:  # another installation (signing_key_file), not trusted here
        assert isinstance(theirs, PostgresStore)
        write_phase_only(theirs, "plan-a", 1, 1)
    monkeypatch.setenv("GOALPLAN_KEY_FILE", str(KEY_FOLDER / "signing-key.pem"))  # back to ours

    def no_waiting(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for a claim this installation does not trust")

    monkeypatch.setattr(module.time, "sleep", no_waiting)
    with open_store(pg.url) as ours, pytest.raises(StoreError, match="has no claim this installation trusts"):
        ours.append("plan-a", new_events(1), 2)


@pytest.mark.postgres
def test_a_store_that_does_not_sign_still_seals_only_claims_it_can_check(
    pg: PostgresStore, raw: psycopg.Connection
) -> None:
    pg.append("plan-a", new_events(1), 0)
    write_phase_only(pg, "plan-b", 1, 0)  # a genuine claim, signed with this installation's key
    forged = insert_forged_row(pg, raw, 2)
    raw.execute(
        "INSERT INTO append_claims (plan_id, first_version, last_version, hash, key_id, signature) "
        "VALUES ('plan-a', 2, 2, %s, '', '')",
        ("f" * 64,),
    )
    with open_store(pg.url, signing=False) as unsigned:
        assert unsigned.append("plan-c", new_events(1), 0).positions == (3,)  # after plan-b's 2
    assert pg.pending_events() == [("plan-a", 2, forged.event_id)]
    assert [c.plan_id for c in pg.pending_claims()] == ["plan-a"]


@pytest.mark.postgres
def test_read_models_show_a_plan_only_from_its_first_numbered_event(pg: PostgresStore) -> None:
    pg.append("plan-a", new_events(1), 0)
    write_phase_only(pg, "plan-a", 1, 1)  # an existing plan's append waits: keeps its position
    write_phase_only(pg, "plan-new", 1, 0)  # a new plan waits: not listed yet, like its events
    summaries = {row[0]: row for row in pg.plan_summaries()}
    assert list(summaries) == ["plan-a"] and summaries["plan-a"][1] == 1  # last_position
    assert "plan-new" not in pg.dated_plan_ids(changed_after=0)
    assert pg.seal_pending() == 2
    summaries = {row[0]: row for row in pg.plan_summaries()}
    assert list(summaries) == ["plan-a", "plan-new"]
    assert summaries["plan-a"][1:3] == (2, 2) and summaries["plan-new"][1:3] == (3, 1)
    assert "plan-new" in pg.dated_plan_ids(changed_after=0)
    assert pg.check_read_models().mismatches == ()
