"""Safety findings: a PHQ-9 whose item 9 (thoughts of death or self-harm) is above 0.

Each such score needs a documented safety response. It stays a finding (shown by ``plan show``
and ``analytics``, and failing lint rule ``safety.phq9-item9``) until a safety review recorded
in the log answers it, with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from attrs import frozen

from goalplan.domain import PlanState
from goalplan.domain.rules import SAFETY_ITEM, is_safety_finding


@frozen(kw_only=True)
class SafetyFinding:
    score_event_id: str
    observed_on: date
    item_score: int
    reviewed_on: date | None
    review: str | None

    @property
    def open(self) -> bool:
        return self.reviewed_on is None

    def to_json(self) -> dict[str, Any]:
        return {
            "score_event_id": self.score_event_id,
            "observed_on": self.observed_on.isoformat(),
            "item9": self.item_score,
            "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
            "review": self.review,
        }

    def describe(self) -> str:
        answer = (
            f"safety review on {self.reviewed_on.isoformat()}: {self.review}"
            if self.reviewed_on
            else "no safety review recorded"
        )
        return f"PHQ-9 item 9 = {self.item_score} on {self.observed_on.isoformat()} — {answer}"


def safety_findings(state: PlanState, today: date | None = None) -> tuple[SafetyFinding, ...]:
    """Every PHQ-9 item 9 finding observed by ``today`` (all, if None), with its review if any."""
    reviews = {r.score_event_id: r for r in state.safety_reviews}
    found = []
    for score in state.scores:
        if not is_safety_finding(score) or (today is not None and score.observed_on > today):
            continue
        review = reviews.get(score.event_id)
        found.append(
            SafetyFinding(
                score_event_id=score.event_id,
                observed_on=score.observed_on,
                item_score=score.items[SAFETY_ITEM - 1],
                reviewed_on=review.reviewed_on if review else None,
                review=review.reason if review else None,
            )
        )
    return tuple(found)
