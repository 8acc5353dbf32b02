"""The Reliable Change Index (Jacobson & Truax 1991).

Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful change
in psychotherapy research. J Consult Clin Psychol 1991;59(1):12-19.

    SE     = s1 * sqrt(1 - r_xx)        standard error of measurement
    S_diff = sqrt(2 * SE**2)            standard error of the difference between two scores
    RC     = (x2 - x1) / S_diff         |RC| > 1.96: the change is unlikely (p < .05) to be noise
"""

from __future__ import annotations

import math

from attrs import frozen

from goalplan.errors import RejectedError

CRITERION = 1.96


@frozen(kw_only=True)
class ReliableChange:
    first: float
    latest: float
    se: float
    s_diff: float
    rc: float
    reliable: bool
    outcome: str  # "improved", "deteriorated" or "no reliable change"

    def to_json(self) -> dict[str, object]:
        return {
            "first": self.first,
            "latest": self.latest,
            "se": round(self.se, 4),
            "s_diff": round(self.s_diff, 4),
            "rc": round(self.rc, 4),
            "reliable": self.reliable,
            "outcome": self.outcome,
        }


def reliable_change(
    first: float,
    latest: float,
    *,
    sd: float,
    reliability: float,
    lower_is_better: bool = True,
    criterion: float = CRITERION,
) -> ReliableChange:
    """RC from ``first`` to ``latest``; "improved" follows the scale's good direction."""
    if not (math.isfinite(sd) and sd > 0):
        raise RejectedError("sd", f"must be a positive number (got {sd!r}).")
    if not (math.isfinite(reliability) and 0 <= reliability < 1):
        raise RejectedError("reliability", f"must be at least 0 and below 1 (got {reliability!r}).")
    se = sd * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2 * se**2)
    rc = (latest - first) / s_diff
    reliable = abs(rc) > criterion
    if not reliable:
        outcome = "no reliable change"
    elif (rc < 0) == lower_is_better:
        outcome = "improved"
    else:
        outcome = "deteriorated"
    return ReliableChange(
        first=first, latest=latest, se=se, s_diff=s_diff, rc=rc, reliable=reliable, outcome=outcome
    )
