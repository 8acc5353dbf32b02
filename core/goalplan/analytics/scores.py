"""Per-instrument summaries of a plan's scores: severity now, reliable change, remission, response."""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

from goalplan.analytics.instruments import Instrument
from goalplan.analytics.rci import ReliableChange, reliable_change
from goalplan.domain import PlanState, Score


@frozen(kw_only=True)
class InstrumentSummary:
    """First and latest score on one instrument. Comparisons are None with a single score."""

    instrument: str
    name: str
    count: int
    first: Score
    latest: Score
    severity: str
    first_severity: str
    change: ReliableChange | None
    remission: bool | None
    response: bool | None
    registered: bool

    def to_json(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "name": self.name,
            "count": self.count,
            "first": {"total": self.first.total, "observed_on": self.first.observed_on.isoformat()},
            "latest": {"total": self.latest.total, "observed_on": self.latest.observed_on.isoformat()},
            "severity": self.severity or None,
            "first_severity": self.first_severity or None,
            "reliable_change": self.change.to_json() if self.change else None,
            "remission": self.remission,
            "response": self.response,
        }


def instrument_summaries(
    state: PlanState, instruments: Mapping[str, Instrument], goal_id: str | None = None
) -> list[InstrumentSummary]:
    """One summary per instrument scored in the plan (or linked to ``goal_id`` when given).

    An instrument no longer registered is still summarised by count and totals, without bands.
    """
    by_instrument: dict[str, list[Score]] = {}
    for score in state.scores:
        if goal_id is None or score.goal_id == goal_id:
            by_instrument.setdefault(score.instrument, []).append(score)
    out = []
    for key in sorted(by_instrument):
        scores = by_instrument[key]
        first, latest = scores[0], scores[-1]
        found = instruments.get(key)
        change = None
        remission = response = None
        if found is not None and len(scores) >= 2:
            if found.sd is not None and found.reliability is not None:
                change = reliable_change(
                    first.total,
                    latest.total,
                    sd=found.sd,
                    reliability=found.reliability,
                    lower_is_better=found.lower_is_better,
                )
            if found.in_clinical_range(first.total):
                # Only from a clinical-range start: halving a mild score, or a mild score that
                # was never above the remission cut, is not a response or a remission.
                response = found.is_response(first.total, latest.total)
                remission = found.in_remission(latest.total)
        out.append(
            InstrumentSummary(
                instrument=key,
                name=found.name if found else key,
                count=len(scores),
                first=first,
                latest=latest,
                severity=found.band(latest.total) if found else "",
                first_severity=found.band(first.total) if found else "",
                change=change,
                remission=remission,
                response=response,
                registered=found is not None,
            )
        )
    return out
