"""What an entry says. Calendars leak (shared, synced to phones, shown on lock screens), so by
default an entry names only the plan by a short id; ``details=true`` adds the client and goal."""

from __future__ import annotations

from goalplan_ical.entries import REVIEW, Facts, short_id

DASH = "\u2014"


def summary(facts: Facts, details: bool) -> str:
    plan = short_id(facts.plan_id)
    if facts.kind == REVIEW:
        if details:
            return f"Treatment plan review {DASH} {facts.client_name} (plan {plan})"
        return f"Treatment plan review {DASH} plan {plan}"
    if details:
        return f"Goal target date {DASH} {facts.client_name}: {_clip(facts.statement, 80)}"
    return f"Goal target date {DASH} plan {plan}, goal {short_id(facts.goal_id)}"


def description(facts: Facts, details: bool, ended: str = "") -> str:
    lines: list[str] = [f"Cancelled: {ended}."] if ended else []
    if facts.kind == REVIEW:
        lines.append(
            f"Review {facts.review_number} of treatment plan {facts.plan_id} is due "
            f"(reviewed every {facts.review_every_days} days)."
        )
        if details:
            lines.append(f"Client: {facts.client_name}")
    else:
        lines.append(f"Target date of goal {facts.goal_id} in treatment plan {facts.plan_id}.")
        if details:
            lines.append(f"Client: {facts.client_name}")
            lines.append(f"Goal ({facts.term}-term): {facts.statement}")
            if facts.focus:
                lines.append(f"Focus area: {facts.focus}")
            if facts.measure is not None:
                m = facts.measure
                lines.append(f"Measure: {m.name}, from {m.baseline:g} to {m.target:g} {m.unit}")
    clinician = facts.clinician_name + (
        f", {facts.clinician_credentials}" if facts.clinician_credentials else ""
    )
    lines.append(f"Clinician: {clinician}")
    if not details:
        lines.append("Client details are left out of this calendar; open the plan in goalplan to see them.")
    lines.append(f"goalplan plan show {facts.plan_id}")
    return "\n".join(lines)


def alarm_text(facts: Facts, details: bool) -> str:
    return "Reminder: " + summary(facts, details)


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"
