"""A plan now and as it stood at a past moment, and the log fingerprint documents carry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from functools import cached_property

from attrs import field, frozen

from goalplan.codec import RecordedEvent, format_timestamp, parse_iso_date
from goalplan.domain import PlanState, apply, fold
from goalplan.errors import GoalplanError, RejectedError
from goalplan.projections.history import HistoryEntry, plan_history
from goalplan.store.snapshots import Snapshot, start_from
from goalplan.text import check_date


def parse_moment(text: str, field: str = "as_of") -> datetime:
    """A date means the end of that day (UTC); a datetime without zone is read as UTC."""
    try:
        if len(text) == 10:
            day = parse_iso_date(text)
            return datetime.combine(day, time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RejectedError(
            field,
            f"must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS][+HH:MM]), got {text!r}.",
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        check_date(field, moment.date())
        moment.astimezone(UTC)
    except OverflowError:
        raise RejectedError(field, f"{text!r} is outside the dates goalplan keeps.") from None
    return moment


def as_of(records: Sequence[RecordedEvent], moment: datetime) -> PlanState:
    """The plan as the log stood at ``moment``: only events recorded by then count."""
    stamp = format_timestamp(moment)
    return fold((r for r in records if r.recorded_at <= stamp), plan_id=records[0].plan_id if records else "")


def readable_part(
    records: Sequence[RecordedEvent],
) -> tuple[tuple[RecordedEvent, ...], tuple[GoalplanError, ...]]:
    """For a forensic read of a damaged log: the events that still decode and fit the plan as
    it stood, and why each other one was left out (the reader is told, nothing is guessed)."""
    kept: list[RecordedEvent] = []
    left_out: list[GoalplanError] = []
    state = PlanState(plan_id=records[0].plan_id if records else "")
    for record in records:
        try:
            state = apply(state, record.event, record)
        except GoalplanError as exc:
            left_out.append(exc)
            continue
        kept.append(record)
    return tuple(kept), tuple(left_out)


@frozen
class Fingerprint:
    """What a printed document was made from: enough for an auditor to match it to the log."""

    plan_id: str
    version: int
    head_hash: str

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version} {self.head_hash[:16]}"


@frozen
class PlanLog:
    """A read-only view of one plan's log: what exporters and reports are given."""

    records: tuple[RecordedEvent, ...]
    integrity_warning: str = ""
    """Empty for a verified log. Set only when a damaged log is read on purpose (--allow-broken):
    every page or line an exporter writes from this log must then carry this sentence."""
    start: Snapshot | None = field(default=None, eq=False, repr=False)
    """A sealed snapshot of this verified log (see Goalplan.checked_log), so ``state`` decodes
    its own copy and folds only the records after it; ignored unless its version and head hash
    are those of a record here."""

    @property
    def plan_id(self) -> str:
        return self.records[0].plan_id if self.records else ""

    @cached_property
    def state(self) -> PlanState:
        if self.start is not None:
            state = start_from(self.start, self.records)
            if state is not None:
                return state
        return fold(self.records)

    def as_of(self, moment: datetime | date | str) -> PlanState:
        if isinstance(moment, str):
            moment = parse_moment(moment)
        elif not isinstance(moment, datetime):
            moment = datetime.combine(moment, time.max, tzinfo=UTC)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # as parse_moment reads a datetime without zone
        return as_of(self.records, moment)

    def history(self, goal_id: str | None = None) -> list[HistoryEntry]:
        return plan_history(self.records, goal_id)

    def up_to(self, version: int) -> PlanLog:
        """The log as it stood at ``version``: its first ``version`` events, nothing after.

        An exporter given this view makes the document it made when the plan was at that
        version, byte for byte, since everything it prints comes from the events it is given. A
        log read despite a broken chain keeps its warning.
        """
        return PlanLog(tuple(r for r in self.records if r.version <= version), self.integrity_warning)

    @property
    def fingerprint(self) -> Fingerprint:
        last = self.records[-1] if self.records else None
        return Fingerprint(self.plan_id, last.version if last else 0, last.hash if last else "")

    @property
    def last_recorded_at(self) -> datetime | None:
        return self.records[-1].recorded_at_dt if self.records else None

    def replay(self) -> Iterator[tuple[RecordedEvent, PlanState]]:
        """Each recorded event with the plan as it stood just after it, folded incrementally.

        For projections that need the plan's whole course (when did this date last move?)
        without refolding the log once per event.
        """
        state = PlanState(plan_id=self.plan_id)
        for record in self.records:
            state = apply(state, record.event, record)
            yield record, state
