"""The Reliable Change Index (Jacobson & Truax 1991).

Jacobson NS, Truax P. Clinical significance: a statistical approach to defining meaningful change
in psychotherapy research. J Consult Clin Psychol 1991;59(1):12-19.

    SE     = s1 * sqrt(1 - r_xx)        standard error of measurement
    S_diff = sqrt(2 * SE**2)            standard error of the difference between two scores
    RC     = (x2 - x1) / S_diff         |RC| > 1.96: the change is unlikely (p < .05) to be noise

This is the one criterion goalplan uses, strictly: a change is reliable only when |RC| is above
1.96, that is when the score moved by more than 1.96 * S_diff points (the critical difference).
It is not the NHS Talking Therapies point rule, and the display says which it is.
"""

from __future__ import annotations

import math

from attrs import frozen

from goalplan.errors import RejectedError

CRITERION = 1.96
CRITERION_NAME = "Jacobson-Truax |RC| > 1.96"


@frozen(kw_only=True)
class ReliableChange:
    first: float
    latest: float
    se: float
    s_diff: float
    rc: float
    reliable: bool
    outcome: str  # "improved", "deteriorated" or "no reliable change"
    criterion: float = CRITERION

    @property
    def critical_difference(self) -> float:
        """How many points a score must move by, more than, for the change to be reliable."""
        return self.criterion * self.s_diff

    def summary(self) -> str:
        """One line that shows the change against the criterion, so the verdict can be checked."""
        return (
            f"{self.latest - self.first:+g} points, RC {self.rc:+.3f}; reliable only beyond "
            f"±{self.critical_difference:.2f} points ({CRITERION_NAME}): {self.outcome}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "first": self.first,
            "latest": self.latest,
            "se": round(self.se, 4),
            "s_diff": round(self.s_diff, 4),
            "rc": round(self.rc, 4),
            "critical_difference": round(self.critical_difference, 4),
            "criterion": CRITERION_NAME,
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
        first=first,
        latest=latest,
        se=se,
        s_diff=s_diff,
        rc=rc,
        reliable=reliable,
        outcome=outcome,
        criterion=criterion,
    )
