"""Admitting recorded events from outside (an import, a migration) through the same rules as a
command: a correctly chained event that the domain would have refused is refused here too."""

from __future__ import annotations

from goalplan.domain import rules
from goalplan.domain.decide import decide
from goalplan.domain.fold import Meta, apply
from goalplan.domain.state import PlanState
from goalplan.errors import RejectedError
from goalplan.events import Event


class StreamRules:
    """One stream replayed event by event: each must be one decide would record, and its
    recorded-at may not go back in time."""

    def __init__(self, plan_id: str, state: PlanState | None = None, last_recorded_at: str = "") -> None:
        self.plan_id = plan_id
        self.state = state or PlanState(plan_id=plan_id)
        self.last_recorded_at = last_recorded_at

    def admit(
        self,
        version: int,
        event_id: str,
        event: Event,
        recorded_at: str,
        actor: str,
        schema_version: int | None = None,
    ) -> None:
        """``schema_version`` is the version the event was recorded at; an older one than the
        event class's is judged without the rules its newer schema brought (domain/rules.py)."""
        where = f"plan {self.plan_id} version {version}"
        if recorded_at < self.last_recorded_at:
            raise RejectedError(
                where,
                f"its recorded_at {recorded_at} is earlier than the event before it "
                f"({self.last_recorded_at}); recorded-at never goes back within a plan.",
            )
        older = schema_version is not None and schema_version < type(event).SCHEMA_VERSION
        token = rules.recorded_before_rule.set(older)
        try:
            # What decide would add may differ in detail (a later version enriches an event, as
            # a signature now binds the plan version); the rules admitting it is what counts.
            decide(self.state, event)
        except RejectedError as exc:
            raise RejectedError(where, f"event {event.TYPE!r} breaks a rule: {exc}") from None
        finally:
            rules.recorded_before_rule.reset(token)
        self.state = apply(self.state, event, Meta(event_id, recorded_at, actor))
        self.last_recorded_at = recorded_at
