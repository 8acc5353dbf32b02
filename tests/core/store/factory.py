"""Pending events for store tests: real event types, unique ids, rising recorded-at times."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from goalplan.codec import NewEvent
from goalplan.events import FocusAreaAdded

_counter = itertools.count(1)
_START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


def new_events(count: int, *, tag: str = "focus", actor: str = "dr.ruiz") -> list[NewEvent]:
    events = []
    for _ in range(count):
        n = next(_counter)
        events.append(
            NewEvent.of(
                FocusAreaAdded(focus_id=f"{tag}-{n}", title=f"{tag} area {n}", description="sleep, mood"),
                actor=actor,
                recorded_at=_START + timedelta(seconds=n),
            )
        )
    return events
