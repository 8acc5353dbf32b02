"""The Python API: open a store, open or find a plan, and run the same operations as the CLI.

Every write reads the plan's stream, folds it, lets the domain decide, and appends with the
version it read. If another writer got there first the command is decided again against the
newer plan (with the same event ids, so a retry after an unknown outcome cannot duplicate).
"""

from __future__ import annotations

import getpass
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from attrs import evolve

from goalplan import events as ev
from goalplan.analytics import (
    Instrument,
    LintContext,
    LintReport,
    PlanAnalytics,
    Rule,
    find_instrument,
    find_rule,
    lint,
    normalise_statement,
    plan_analytics,
)
from goalplan.analytics.report import observed_by
from goalplan.audit import AuditReport, AuditScope, AuditSettings, run_audit
from goalplan.codec import (
    NewEvent,
    RecordedEvent,
    format_timestamp,
    parse_timestamp,
)
from goalplan.domain import GoalChange, MeasureChange, Meta, PlanState, apply, decide, fold, revision
from goalplan.domain.icd10cm import billable
from goalplan.domain.material import content_digest
from goalplan.domain.rules import is_safety_finding
from goalplan.errors import CodecError, ConcurrencyError, IntegrityError, NotFoundError, RejectedError
from goalplan.exporting import iter_plan_logs
from goalplan.ids import new_event_id, new_id, normalise_prefix
from goalplan.log_import import ImportReport, import_log
from goalplan.plugins import get_plugin_manager
from goalplan.projections import HistoryEntry, PlanLog, PlanSummary, caseload, parse_moment
from goalplan.projections.read_models import CheckReport, dated_plan_ids, goal_rows
from goalplan.projections.views import readable_part
from goalplan.store import AppendResult, ChainBreak, EventStore, open_store
from goalplan.store.checkpoints import checkpoint_from_json
from goalplan.store.integrity import IntegrityReport, Problem, Trust, check_plan, check_store, local_trust
from goalplan.store.integrity import reach as reach_checkpoint
from goalplan.store.keys import load_key
from goalplan.store.projecting import InlineProjections
from goalplan.text import check_text

Clock = Callable[[], datetime]
MAX_ATTEMPTS = 20


def default_actor() -> str:
    env = os.environ.get("GOALPLAN_ACTOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Goalplan:
    """A store of plans. ``Goalplan.open("goalplan.db")`` or ``Goalplan.open("postgresql://...")``."""

    def __init__(
        self,
        store: EventStore,
        *,
        actor: str | None = None,
        clock: Clock | None = None,
        allow_broken: bool = False,
    ) -> None:
        self.store = store
        self.actor = actor or default_actor()
        self.clock: Clock = clock or _utc_now
        self.allow_broken = allow_broken
        """Read a plan whose chain or checkpoints fail (forensics), marking what is read."""
        self.export_warning = ""
        """Set when a damaged log is exported on purpose: every JSON line then carries it."""
        self._trusted: dict[str, str] | None = None

    @classmethod
    def open(cls, url: str | os.PathLike[str], *, create: bool = True, **kwargs: Any) -> Goalplan:
        """Open a store; ``create=False`` refuses a SQLite file that does not exist yet."""
        return cls(open_store(os.fspath(url), create=create), **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Goalplan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def today(self) -> date:
        return self.clock().astimezone().date()

    # plans ---------------------------------------------------------------------------------

    def open_plan(
        self,
        *,
        client: str,
        clinician: str,
        credentials: str = "",
        opened: date | None = None,
        review_every: int = 90,
        discharge_criteria: str = "",
        birth_date: date | None = None,
        record_number: str = "",
        preferred_name: str = "",
        pronouns: str = "",
        guardian: str = "",
        guardian_relationship: str = "",
        actor: str | None = None,
        plan_id: str | None = None,
    ) -> Plan:
        """Open a plan; the birth date and record number identify the client besides the name."""
        if plan_id is not None:
            check_text("plan_id", plan_id, line=True, required=True)
        plan = Plan(self, plan_id or new_id())
        plan.execute(
            lambda state: [
                ev.PlanOpened(
                    client_name=client,
                    clinician_name=clinician,
                    clinician_credentials=credentials,
                    opened_on=opened or self.today(),
                    review_every_days=review_every,
                    discharge_criteria=discharge_criteria,
                    client_birth_date=birth_date,
                    client_record_number=record_number,
                    client_preferred_name=preferred_name,
                    client_pronouns=pronouns,
                    guardian_name=guardian,
                    guardian_relationship=guardian_relationship,
                )
            ],
            actor=actor,
        )
        return plan

    def resolve_plan_id(self, ref: str) -> str:
        """A plan id, or any unique prefix of one (case and Crockford look-alikes forgiven)."""
        check_text("plan", ref, line=True)
        if ref and ref in self.store.plan_ids(ref):
            return ref
        prefix = normalise_prefix(ref)
        if not prefix:
            raise NotFoundError("plan: give a plan id or a unique prefix of one.")
        matches = self.store.plan_ids(prefix)
        if prefix in matches:
            return prefix
        if not matches:
            if ref and self.store.stream_version(ref) > 0:  # events, but no opening event
                raise IntegrityError(
                    f"plan {ref}: its opening event (version 1) is missing, so the plan cannot be "
                    "read; run `goalplan verify` for the whole report."
                )
            raise NotFoundError(f"plan: no plan id starts with {ref!r}.")
        if len(matches) > 1:
            shown = ", ".join(matches[:5]) + (" ..." if len(matches) > 5 else "")
            raise NotFoundError(
                f"plan: {ref!r} matches {len(matches)} plans ({shown}); give more characters."
            )
        return matches[0]

    def plan(self, ref: str) -> Plan:
        return Plan(self, self.resolve_plan_id(ref))

    def plans(self) -> list[PlanSummary]:
        return caseload(self.store)

    def logs(self) -> Iterable[PlanLog]:
        """Every plan's log, one at a time, so a whole caseload never sits in memory at once.

        Each is checked like ``Plan.log()``: a damaged plan stops the iteration with
        IntegrityError, unless ``allow_broken``.
        """
        trust = local_trust(self.store)  # once for the whole walk, not once per plan
        return iter_plan_logs(self.store, lambda plan_id, records: self.checked_log(plan_id, records, trust))

    def dated_logs(self, *, changed_after: int | None = None) -> Iterator[PlanLog]:
        """The logs of plans whose calendar holds a date now, oldest plan first.

        With ``changed_after`` (a position, as ``store.head_position()`` gave it at the last
        sync) also every plan written since, so a calendar learns of entries that stopped
        applying. Found through the ``plan_dates`` read model: the cost follows the plans with
        dates, not the size of the store.
        """
        trust = local_trust(self.store)
        for plan_id in self.dated_plan_ids(changed_after=changed_after):
            yield self.checked_log(plan_id, self.store.read_stream(plan_id), trust)

    def dated_plan_ids(self, *, changed_after: int | None = None) -> list[str]:
        """The ids :meth:`dated_logs` reads, oldest plan first."""
        return dated_plan_ids(self.store, changed_after=changed_after)

    def rebuild_projections(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild every read model and snapshot from the log; returns the number of plans."""
        if not isinstance(self.store, InlineProjections):
            return 0
        return self.store.rebuild_read_models(progress)

    def check_projections(self, plan: str | None = None) -> CheckReport:
        """Compare the read models and every stored snapshot with a fresh fold of the log."""
        if not isinstance(self.store, InlineProjections):
            return CheckReport(0, 0, (), False)
        return self.store.check_read_models(self.resolve_plan_id(plan) if plan else None)

    # integrity and backup ------------------------------------------------------------------

    def verify(self, plan: str | None = None) -> list[ChainBreak]:
        """The first broken link of each damaged hash chain (``integrity`` checks the whole store)."""
        return self.store.verify(self.resolve_plan_id(plan) if plan else None)

    def integrity(
        self, plan: str | None = None, *, against: Sequence[Mapping[str, Any]] = ()
    ) -> IntegrityReport:
        """Check the whole store (or one plan): chains, positions, signed checkpoints, the
        witness, and any checkpoints kept elsewhere (``checkpoint export`` files, read as JSON)."""
        trusted, witness, state, problems = local_trust(self.store)
        kept = [checkpoint_from_json(record) for record in against]
        if plan is not None:
            plan_id = self.resolve_plan_id(plan)
            records = self.store.read_stream(plan_id)
            found = problems + check_plan(self.store, plan_id, records, trusted, witness)
            head = self.store.head_position()
            for cp, public_key in kept:
                found += reach_checkpoint(self.store, cp, public_key, "against", head)
            return IntegrityReport(1, len(records), 0, head, tuple(found), state, tuple(sorted(trusted)))
        key = load_key()
        report = check_store(
            self.store,
            trusted,
            witness=witness,
            witness_state=state,
            against=kept,
            local_key_id=key.key_id if key else None,
        )
        if problems:
            report = IntegrityReport(
                report.plans,
                report.events,
                report.checkpoints,
                report.head_position,
                tuple(problems) + report.problems,
                report.witness,
                report.trusted_keys,
            )
        return report

    def plan_problems(
        self, plan_id: str, records: Sequence[RecordedEvent], trust: Trust | None = None
    ) -> list[Problem]:
        """What is wrong with one plan's chain, checkpoints or witness (empty when it holds)."""
        trusted, witness, _, problems = trust or local_trust(self.store)
        return problems + check_plan(self.store, plan_id, records, trusted, witness)

    def checked_log(
        self, plan_id: str, records: Sequence[RecordedEvent], trust: Trust | None = None
    ) -> PlanLog:
        """The plan's log if it verifies; else IntegrityError, or (allow_broken) a marked log."""
        problems = self.plan_problems(plan_id, records, trust)
        if not problems:  # verified: the state may be folded from a sealed snapshot on
            read_start = getattr(self.store, "read_start", None)
            return PlanLog(tuple(records), start=read_start(records) if read_start else None)
        if not self.allow_broken:
            more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
            raise IntegrityError(
                f"{problems[0]}{more}. Nothing was shown or written; run `goalplan verify` for the "
                "whole report, or add --allow-broken to read it anyway for forensics."
            )
        kept, left_out = readable_part(records)
        if records and (not kept or kept[0].version != 1):
            raise IntegrityError(
                f"{left_out[0]} Without its opening entry plan {plan_id} cannot be read, even for "
                "forensics; `goalplan log export --allow-broken` still shows every event as stored."
            )
        unreadable = ""
        if left_out:
            kept_ids = {r.event_id for r in kept}
            versions = ", ".join(str(r.version) for r in records if r.event_id not in kept_ids)
            unreadable = f" Left out as unreadable: version(s) {versions}."
        return PlanLog(
            kept,
            f"WARNING: this log fails verification ({problems[0]}); it may have been altered. "
            f"Run `goalplan verify`.{unreadable}",
        )

    def export_log(self, out: IO[str], plan: str | None = None) -> int:
        """Write the log as JSON Lines (one recorded event per line); returns the event count."""
        if plan:
            records: Iterable[Any] = self.store.read_stream(self.resolve_plan_id(plan))
        else:
            records = self.store.iter_all()
        count = 0
        for record in records:
            try:
                line = record.to_json()
            except CodecError:
                if not self.export_warning:
                    raise
                line = {**record.to_json_envelope(), "payload": record.payload}  # kept as found
            if self.export_warning:
                line["integrity_warning"] = self.export_warning
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count

    def import_log(self, lines: IO[bytes] | Iterable[bytes | str]) -> ImportReport:
        """Append an exported log, all or nothing, in one transaction (see goalplan.log_import):
        every line within limits, every hash and link checked, every stream refolded through
        the domain rules. Events already here are skipped once matched."""
        return import_log(self.store, lines)

    # audit ---------------------------------------------------------------------------------

    def audit(
        self,
        *,
        as_of: datetime | date | str | None = None,
        scope: AuditScope | None = None,
        settings: AuditSettings | None = None,
    ) -> AuditReport:
        """The caseload audit (docs/audit.md), read one plan at a time.

        Its day is ``as_of`` or, by default, the moment the newest entry in the store was
        recorded: never the clock, so the same store gives the same report.
        """
        if as_of is None:
            newest = self.store.latest_recorded_at()
            moment = parse_timestamp(newest) if newest else datetime(1970, 1, 1, tzinfo=UTC)
        else:
            moment = as_of if isinstance(as_of, datetime) else parse_moment(str(as_of), "--as-of")
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        scope = scope or AuditScope()
        if scope.plans:
            scope = evolve(scope, plans=tuple(self.resolve_plan_id(p) for p in scope.plans))
        warnings: dict[str, str] = {}  # filled as each plan is read (allow_broken): plan id -> warning

        def streams() -> Iterator[Sequence[RecordedEvent]]:
            for log in self.logs():
                if log.integrity_warning:
                    warnings[log.plan_id] = log.integrity_warning
                yield log.records

        report = run_audit(
            streams(),
            get_plugin_manager().audit_rules(),
            as_of=moment,
            scope=scope,
            settings=settings or AuditSettings(),
            integrity_warnings=warnings,
        )
        # The signed checkpoint of the last append the report read: what its footer carries.
        signed = [c for c in self.store.iter_checkpoints() if c.position <= report.head_position]
        if signed:
            report.checkpoint = signed[-1].to_json()
        return report

    # analytics -----------------------------------------------------------------------------

    def instruments(self) -> dict[str, Instrument]:
        """Registered instruments by id (PHQ-9 and GAD-7 built in, more through plugins)."""
        return get_plugin_manager().instruments()

    def smart_rules(self) -> list[Rule]:
        """Registered SMART rules, built-in and from plugins."""
        return get_plugin_manager().smart_rules()

    def goal_statements(self, *, exclude: str | None = None) -> dict[str, tuple[str, ...]]:
        """Every goal statement in the store, reduced to its words, with the plans that hold it."""
        found: dict[str, list[str]] = {}
        for plan_id, _, statement, status, _, _ in goal_rows(self.store):
            if plan_id == exclude or status == "entered-in-error":
                continue
            key = normalise_statement(statement)
            if key and plan_id not in found.setdefault(key, []):
                found[key].append(plan_id)
        return {k: tuple(v) for k, v in found.items()}


class Plan:
    """One plan's stream. Reading methods fold the log afresh, so they always show the latest;
    a write folds from the plan's latest state or snapshot on."""

    def __init__(self, gp: Goalplan, plan_id: str) -> None:
        self.gp = gp
        self.id = plan_id

    def __repr__(self) -> str:
        return f"Plan({self.id!r})"

    # reading -------------------------------------------------------------------------------

    def log(self) -> PlanLog:
        """The plan's log, verified (chain, signed checkpoints, witness): IntegrityError if it
        fails, unless the store was opened with ``allow_broken`` (then the log is marked)."""
        return self.gp.checked_log(self.id, self.gp.store.read_stream(self.id))

    @property
    def state(self) -> PlanState:
        return self.log().state  # a checked read: the whole log, so it can be verified

    def as_of(self, moment: datetime | date | str) -> PlanState:
        return self.log().as_of(moment)

    def history(self, goal: str | None = None) -> list[HistoryEntry]:
        goal_id = self.resolve_goal(goal) if goal else None
        return self.log().history(goal_id)

    def resolve_goal(self, ref: str, state: PlanState | None = None) -> str:
        return _resolve(ref, (state or self.state).goals, "goal")

    def resolve_step(self, ref: str, state: PlanState | None = None) -> str:
        return _resolve(ref, (state or self.state).steps, "step")

    def resolve_entry(self, ref: str, state: PlanState | None = None) -> str:
        """A correctable entry's event id from a unique prefix; unknown refs pass on to decide."""
        entries = (state or self.state).entries
        if ref in entries:
            return ref
        needle = ref.strip().lower()
        matches = sorted(k for k in entries if k.lower().startswith(needle)) if needle else []
        if len(matches) > 1:
            raise RejectedError(
                "event",
                f"{ref!r} matches {len(matches)} entries ({', '.join(matches[:5])}); give more characters.",
            )
        return matches[0] if matches else ref

    # writing -------------------------------------------------------------------------------

    def execute(
        self,
        build: Callable[[PlanState], Sequence[ev.Event]],
        *,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Decide ``build(state)`` against the latest plan and append it, retrying on conflict.

        With ``expected_version`` (the version its caller decided on, such as the one a form
        showed its user) the plan must still be at that version: otherwise ConcurrencyError and
        no retry, so a change recorded in the meantime is the caller's to look at, not absorbed.
        """
        store = self.gp.store
        who = actor or self.gp.actor
        check_text("actor", who, line=True, required=True)
        if expected_version is not None and (
            isinstance(expected_version, bool)
            or not isinstance(expected_version, int)
            or expected_version < 0
        ):
            raise RejectedError(
                "expected_version", f"must be a version of this plan from 0 (got {expected_version!r})."
            )
        event_ids: list[str] = []
        for attempt in range(MAX_ATTEMPTS):
            state = store.load_state(self.id)
            if expected_version is not None and state.version != expected_version:
                raise ConcurrencyError(self.id, expected_version, state.version)
            proposals = list(build(state))
            while len(event_ids) < len(proposals):
                event_ids.append(new_event_id())
            stamp = self._stamp(state)
            today = max(parse_moment(stamp).astimezone().date(), date.today())
            pending: list[NewEvent] = []
            # An observation may be dated up to today by the recording clock or by the calendar,
            # whichever is later (a clock set in the past refuses nothing the calendar allows).
            for event_id, proposal in zip(event_ids, proposals, strict=False):
                for event in decide(state, proposal, today=today):
                    state = apply(state, event, Meta(event_id, stamp, who))
                    pending.append(NewEvent.of(event, actor=who, recorded_at=stamp, event_id=event_id))
            try:
                return store.append(self.id, pending, state.version - len(pending))
            except ConcurrencyError:
                if expected_version is not None or attempt == MAX_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.001, 0.02) * (attempt + 1))
        raise AssertionError("unreachable")

    def _stamp(self, state: PlanState) -> str:
        now = format_timestamp(self.gp.clock())
        if state.last_recorded_at and now <= state.last_recorded_at:
            # Keep recorded-at rising within a stream even if the clock steps back.
            later = parse_moment(state.last_recorded_at) + timedelta(microseconds=1)
            return format_timestamp(later)
        return now

    def _one(
        self, build: Callable[[PlanState], ev.Event], actor: str | None, expected_version: int | None
    ) -> AppendResult:
        return self.execute(lambda state: [build(state)], actor=actor, expected_version=expected_version)

    def add_focus(
        self,
        title: str,
        description: str = "",
        *,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        focus_id = new_id()
        self._one(
            lambda s: ev.FocusAreaAdded(focus_id=focus_id, title=title, description=description),
            actor,
            expected_version,
        )
        return focus_id

    def set_goal(
        self,
        statement: str,
        *,
        focus: str | None = None,
        term: str = "short",
        measure: ev.Measure | None = None,
        by: date | None = None,
        relevance: str = "",
        status: str = "active",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Set a goal; ``focus`` is a focus area's title or id, and a new title adds the area."""
        goal_id = new_id()
        focus_id = new_id()

        def build(state: PlanState) -> list[ev.Event]:
            events: list[ev.Event] = []
            found = _find_focus(state, focus) if focus else None
            if focus and found is None:
                events.append(ev.FocusAreaAdded(focus_id=focus_id, title=focus))
            events.append(
                ev.GoalSet(
                    goal_id=goal_id,
                    statement=statement,
                    focus_id=(found or focus_id) if focus else None,
                    term=term,
                    measure=measure,
                    target_date=by,
                    relevance=relevance,
                    status=status,
                )
            )
            return events

        self.execute(build, actor=actor, expected_version=expected_version)
        return goal_id

    def revise_goal(
        self,
        goal: str,
        *,
        reason: str,
        statement: str | None = None,
        focus: str | None = None,
        term: str | None = None,
        measure: ev.Measure | MeasureChange | None = None,
        by: date | None = None,
        relevance: str | None = None,
        clear: Sequence[str] = (),
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Change only the fields given; everything else stays as the goal then stands.

        ``measure`` is a whole new Measure, or a MeasureChange naming only the parts that change
        (``MeasureChange(unit="per day")``). The change is decided again against the latest plan
        on every retry, so a concurrent revision of another part is never written back.
        """
        focus_id = new_id()

        def build(state: PlanState) -> list[ev.Event]:
            goal_id = self.resolve_goal(goal, state)
            events: list[ev.Event] = []
            found = _find_focus(state, focus) if focus else None
            if focus and found is None:
                events.append(ev.FocusAreaAdded(focus_id=focus_id, title=focus))
            change = GoalChange(
                goal_id=goal_id,
                reason=reason,
                statement=statement,
                focus_id=(found or focus_id) if focus else None,
                term=term,
                measure=measure,
                target_date=by,
                relevance=relevance,
                cleared=tuple(clear),
            )
            events.append(revision(state, change))
            return events

        return self.execute(build, actor=actor, expected_version=expected_version)

    def add_step(
        self,
        goal: str,
        text: str,
        *,
        by: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        step_id = new_id()
        self._one(
            lambda s: ev.StepAdded(step_id=step_id, goal_id=self.resolve_goal(goal, s), text=text, due_on=by),
            actor,
            expected_version,
        )
        return step_id

    def complete_step(
        self,
        step: str,
        *,
        on: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        return self._one(
            lambda s: ev.StepCompleted(
                step_id=self.resolve_step(step, s), completed_on=on or self.gp.today()
            ),
            actor,
            expected_version,
        )

    def plan_intervention(
        self,
        modality: str,
        description: str,
        frequency: str,
        *,
        goals: Sequence[str] = (),
        type: str = "",
        minutes: int | None = None,
        sessions: int | None = None,
        per: str = "",
        provider: str = "",
        provider_credentials: str = "",
        provider_role: str = "",
        starts: date | None = None,
        ends: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Plan an intervention: ``type`` individual/group/family/couple, ``minutes`` per session,
        ``sessions`` per ``per`` (day, week or month), the responsible provider, start and end."""
        intervention_id = new_id()
        self._one(
            lambda s: ev.InterventionPlanned(
                intervention_id=intervention_id,
                modality=modality,
                description=description,
                frequency=frequency,
                goal_ids=tuple(self.resolve_goal(g, s) for g in goals),
                type=type,
                minutes=minutes,
                sessions=sessions,
                period=per,
                provider_name=provider,
                provider_credentials=provider_credentials,
                provider_role=provider_role,
                starts_on=starts,
                ends_on=ends,
            ),
            actor,
            expected_version,
        )
        return intervention_id

    def record_progress(
        self,
        goal: str,
        value: float,
        *,
        on: date | None = None,
        note: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        return self._one(
            lambda s: ev.ProgressRecorded(
                goal_id=self.resolve_goal(goal, s), value=value, observed_on=on or self.gp.today(), note=note
            ),
            actor,
            expected_version,
        )

    def hold_review(
        self,
        *,
        held: date,
        summary: str = "",
        next: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        return self._one(
            lambda s: ev.ReviewHeld(held_on=held, summary=summary, next_review_on=next),
            actor,
            expected_version,
        )

    def change_status(
        self,
        goal: str,
        status: str,
        *,
        reason: str,
        target_missed: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Move a goal; completing a measured goal whose latest value misses its target needs
        ``target_missed``, the reason for completing it anyway (and one with no values is refused)."""
        return self._one(
            lambda s: ev.GoalStatusChanged(
                goal_id=self.resolve_goal(goal, s),
                status=status,
                reason=reason,
                target_missed_reason=target_missed,
            ),
            actor,
            expected_version,
        )

    def sign(
        self,
        *,
        role: str,
        name: str,
        credentials: str = "",
        on: date | None = None,
        version: int | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Record a signature binding the plan as it is now, or as it was at ``version``.

        With ``version`` (the version the signer read), a material change since then is refused,
        so a signature never approves content its signer did not see.
        """
        bound = None
        if version is not None:
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise RejectedError("version", f"must be a version of this plan from 1 (got {version!r}).")
            seen = fold(self.gp.store.read_stream(self.id, 1)[:version], plan_id=self.id)
            if seen.version < version:
                raise RejectedError(
                    "version", f"plan {self.id} has {seen.version} version(s); there is no version {version}."
                )
            bound = (version, content_digest(seen))
        return self._one(
            lambda s: ev.PlanSigned(
                role=role,
                name=name,
                credentials=credentials,
                signed_on=on or self.gp.today(),
                signed_version=bound[0] if bound else s.version,
                content_digest=bound[1] if bound else content_digest(s),
            ),
            actor,
            expected_version,
        )

    def give_copy(
        self,
        *,
        to: str,
        on: date | None = None,
        method: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Record that the plan (as it is now) was given to the client or guardian."""
        return self._one(
            lambda s: ev.PlanGiven(
                given_on=on or self.gp.today(), given_to=to, method=method, plan_version=s.version
            ),
            actor,
            expected_version,
        )

    def change_client(
        self,
        *,
        reason: str,
        name: str | None = None,
        birth_date: date | None = None,
        record_number: str | None = None,
        preferred_name: str | None = None,
        pronouns: str | None = None,
        guardian: str | None = None,
        guardian_relationship: str | None = None,
        clear: Sequence[str] = (),
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Change the client's identifiers, giving the reason; ``clear`` names fields to empty."""
        return self._one(
            lambda s: ev.ClientDetailsChanged(
                reason=reason,
                client_name=name,
                client_birth_date=birth_date,
                client_record_number=record_number,
                client_preferred_name=preferred_name,
                client_pronouns=pronouns,
                guardian_name=guardian,
                guardian_relationship=guardian_relationship,
                cleared=tuple(clear),
            ),
            actor,
            expected_version,
        )

    def set_details(
        self,
        *,
        reason: str = "",
        strengths: str | None = None,
        needs: str | None = None,
        abilities: str | None = None,
        preferences: str | None = None,
        level_of_care: str | None = None,
        effective_from: date | None = None,
        effective_through: date | None = None,
        aftercare: str | None = None,
        referrals: str | None = None,
        discharge_criteria: str | None = None,
        clear: Sequence[str] = (),
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Set plan-level content; only the fields given change, ``clear`` names fields to empty."""
        return self._one(
            lambda s: ev.PlanDetailsSet(
                reason=reason,
                strengths=strengths,
                needs=needs,
                abilities=abilities,
                preferences=preferences,
                level_of_care=level_of_care,
                effective_from=effective_from,
                effective_through=effective_through,
                aftercare=aftercare,
                referrals=referrals,
                discharge_criteria=discharge_criteria,
                cleared=tuple(clear),
            ),
            actor,
            expected_version,
        )

    def set_presenting_problem(
        self, focus: str, text: str, *, actor: str | None = None, expected_version: int | None = None
    ) -> AppendResult:
        """The presenting problem of a focus area (given by title or id)."""
        return self._one(
            lambda s: ev.PresentingProblemSet(focus_id=_focus_id(s, focus), text=text),
            actor,
            expected_version,
        )

    def add_diagnosis(
        self,
        code: str,
        *,
        focus: Sequence[str] = (),
        primary: bool = False,
        dsm5: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Add an ICD-10-CM diagnosis (checked against the code set); returns the code as recorded."""
        found, description = billable(code)
        self._one(
            lambda s: ev.DiagnosisAdded(
                code=found,
                description=description,
                primary=primary,
                dsm5_text=dsm5,
                focus_ids=tuple(_focus_id(s, f) for f in focus),
            ),
            actor,
            expected_version,
        )
        return found

    def resolve_diagnosis(
        self, code: str, *, reason: str, actor: str | None = None, expected_version: int | None = None
    ) -> AppendResult:
        text = code.strip().upper()
        if "." not in text and len(text) > 3:
            text = f"{text[:3]}.{text[3:]}"
        return self._one(lambda s: ev.DiagnosisResolved(code=text, reason=reason), actor, expected_version)

    def review_safety(
        self,
        *,
        reason: str,
        score: str | None = None,
        on: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Record the safety response to a PHQ-9 item 9 finding (the latest unreviewed one by default)."""

        def build(s: PlanState) -> ev.SafetyReviewRecorded:
            return ev.SafetyReviewRecorded(
                score_event_id=self._safety_score(s, score), reviewed_on=on or self.gp.today(), reason=reason
            )

        return self._one(build, actor, expected_version)

    def _safety_score(self, state: PlanState, ref: str | None) -> str:
        reviewed = {r.score_event_id for r in state.safety_reviews}
        findings = [s for s in state.scores if is_safety_finding(s)]
        if ref is not None:
            matches = [s.event_id for s in findings if s.event_id.startswith(ref.strip().lower())]
            return matches[0] if len(matches) == 1 else ref
        open_ = [s for s in findings if s.event_id not in reviewed]
        if not open_:
            raise RejectedError("score", "this plan has no PHQ-9 item 9 finding waiting for a safety review.")
        return open_[-1].event_id

    def close(
        self,
        *,
        reason: str,
        on: date | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        return self._one(
            lambda s: ev.PlanClosed(reason=reason, closed_on=on or self.gp.today()), actor, expected_version
        )

    def correct(
        self, event_id: str, *, reason: str, actor: str | None = None, expected_version: int | None = None
    ) -> AppendResult:
        """Mark an earlier entry (given by its event id or a unique prefix) entered-in-error."""
        return self._one(
            lambda s: ev.EntryCorrected(corrected_event_id=self.resolve_entry(event_id, s), reason=reason),
            actor,
            expected_version,
        )

    # analytics -----------------------------------------------------------------------------

    def lint(self, *, today: date | None = None, log: PlanLog | None = None) -> LintReport:
        """The SMART review of this plan against every registered rule.

        ``log``: this plan's log as ``log()`` just gave it, so a caller that also shows its
        integrity warning does not read and verify the plan twice.
        """
        context = LintContext(
            today=today or self.gp.today(),
            other_statements=self.gp.goal_statements(exclude=self.id),
            instruments=self.gp.instruments(),
        )
        state = (log or self.log()).state
        return lint(observed_by(state, context.today), self.gp.smart_rules(), context)

    def analytics(self, *, today: date | None = None, log: PlanLog | None = None) -> PlanAnalytics:
        """Progress, scores and GAS; ``log`` as for :meth:`lint`."""
        return plan_analytics((log or self.log()).state, today or self.gp.today(), self.gp.instruments())

    def record_score(
        self,
        instrument: str,
        total: float,
        *,
        items: Sequence[int] = (),
        on: date | None = None,
        goal: str | None = None,
        note: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Record an instrument score; a total or item outside the instrument's range is refused."""
        found = find_instrument(self.gp.instruments(), instrument)
        found.check(total, items)
        return self._one(
            lambda s: ev.ScoreRecorded(
                instrument=found.id,
                total=total,
                items=tuple(items),
                observed_on=on or self.gp.today(),
                goal_id=self.resolve_goal(goal, s) if goal else None,
                note=note,
            ),
            actor,
            expected_version,
        )

    def set_gas_scale(
        self,
        goal: str,
        levels: Sequence[str] | Mapping[int, str],
        *,
        weight: float = 1.0,
        reason: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Describe a goal's attainment levels -2..+2 (a sequence in that order, or level -> text)."""
        if isinstance(levels, Mapping):
            unknown = sorted(set(levels) - set(ev.GAS_LEVELS))
            if unknown:
                raise RejectedError("level", f"must be -2, -1, 0, +1 or +2 (got {unknown[0]!r}).")
            texts = tuple(levels.get(level, "") for level in ev.GAS_LEVELS)
        else:
            texts = tuple(levels)
        return self._one(
            lambda s: ev.GasScaleSet(
                goal_id=self.resolve_goal(goal, s), levels=texts, weight=weight, reason=reason
            ),
            actor,
            expected_version,
        )

    def score_gas(
        self,
        goal: str,
        level: int,
        *,
        on: date | None = None,
        note: str = "",
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        return self._one(
            lambda s: ev.GasScored(
                goal_id=self.resolve_goal(goal, s), level=level, observed_on=on or self.gp.today(), note=note
            ),
            actor,
            expected_version,
        )

    def silence(
        self,
        rule: str,
        *,
        reason: str,
        goal: str | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Accept a lint finding on purpose, for one goal (or the plan, for a plan rule), saying why."""
        found = find_rule(self.gp.smart_rules(), rule)
        if found.scope == "goal" and goal is None:
            raise RejectedError("goal", f"{found.id} is checked per goal; name the goal to silence it for.")
        if found.scope == "plan" and goal is not None:
            raise RejectedError("goal", f"{found.id} is a plan rule; silence it without naming a goal.")
        return self._one(
            lambda s: ev.FindingSilenced(
                rule_id=found.id, reason=reason, goal_id=self.resolve_goal(goal, s) if goal else None
            ),
            actor,
            expected_version,
        )


def _focus_id(state: PlanState, ref: str) -> str:
    found = _find_focus(state, ref)
    if found is None:
        titles = ", ".join(repr(a.title) for a in state.focus_areas.values()) or "none yet"
        raise RejectedError("focus", f"no focus area {ref!r} in this plan (it has: {titles}).")
    return found


def _find_focus(state: PlanState, ref: str) -> str | None:
    for area in state.focus_areas.values():
        if area.focus_id == ref or area.title.casefold() == ref.casefold():
            return area.focus_id
    return None


def _resolve(ref: str, items: Any, kind: str) -> str:
    if ref in items:
        return str(ref)
    prefix = normalise_prefix(ref)
    matches = sorted(k for k in items if k.startswith(prefix)) if prefix else []
    if len(matches) == 1:
        return str(matches[0])
    if not matches:
        raise RejectedError(kind, f"no {kind} id starts with {ref!r} in this plan.")
    raise RejectedError(
        kind, f"{ref!r} matches {len(matches)} {kind}s ({', '.join(matches)}); give more characters."
    )
