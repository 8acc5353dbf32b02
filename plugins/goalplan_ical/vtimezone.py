"""An RFC 5545 VTIMEZONE built from the zoneinfo transitions, with one RRULE per yearly rule.

icalendar's ``Timezone.from_tzid`` writes each rule as a first onset plus RDATEs, and some
widely used readers (ical.js, Mozilla's parser) then ignore the first onset, reading a whole
summer an hour off; it also gives the onset in the new local time. Here every observance is
either a yearly RRULE ("last Sunday of March") starting at its first onset (since 1970), or a
lone DTSTART for a transition that follows no yearly rule, and every DTSTART is the onset
in the local time in force *before* it (RFC 5545 3.6.5: 02:00 for Berlin's spring change).

The result depends only on the zone and the span (and the installed tz database), never on
the clock, so calendars stay byte-identical.
"""

from __future__ import annotations

import calendar as monthdays
import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from attrs import evolve, frozen
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY = timedelta(days=1)


@frozen
class Offset:
    """What a zone says at one instant."""

    utcoffset: timedelta
    name: str
    daylight: bool
    negative: bool = False  # "negative daylight saving": winter is the exception (Europe/Dublin)


@frozen
class Transition:
    at: datetime  # the UTC instant the new offset starts
    before: Offset
    after: Offset

    @property
    def onset(self) -> datetime:
        """The local wall-clock time of the change, in the offset in force before it."""
        return (self.at + self.before.utcoffset).replace(tzinfo=None)

    def patterns(self) -> frozenset[int]:
        """The ordinals of the onset's weekday in its month: 1..5 from the start, -1 if last."""
        day = self.onset.day
        found = {(day - 1) // 7 + 1}
        if day + 7 > monthdays.monthrange(self.onset.year, self.onset.month)[1]:
            found.add(-1)
        return frozenset(found)


@frozen
class Observance:
    """One STANDARD or DAYLIGHT component: onsets in consecutive years following one rule."""

    first: Transition
    last: Transition
    ordinals: frozenset[int]
    onsets: tuple[datetime, ...]  # the UTC instants of every change it stands for

    def key(self) -> tuple[Offset, Offset, int, time]:
        onset = self.first.onset
        return (self.first.before, self.first.after, onset.month, onset.time())

    def extended(self, transition: Transition) -> Observance | None:
        """This observance carried on by the next year's transition, if it follows the same rule."""
        onset = transition.onset
        if onset.year != self.last.onset.year + 1 or onset.weekday() != self.first.onset.weekday():
            return None
        candidate = Observance(transition, transition, transition.patterns(), (transition.at,))
        if candidate.key() != self.key():
            return None
        ordinals = self.ordinals & candidate.ordinals
        if not ordinals:
            return None
        return evolve(self, last=transition, ordinals=ordinals, onsets=(*self.onsets, transition.at))

    def byday(self) -> str:
        ordinal = -1 if -1 in self.ordinals else min(self.ordinals)
        return f"{ordinal}{WEEKDAYS[self.first.onset.weekday()]}"


def _offset(zone: ZoneInfo, moment: datetime) -> Offset:
    local = moment.astimezone(zone)
    dst = local.dst() or timedelta(0)
    return Offset(
        utcoffset=local.utcoffset() or timedelta(0),
        name=local.tzname() or "",
        daylight=dst > timedelta(0),
        negative=dst < timedelta(0),
    )


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[Transition]:
    """Every change of offset, name or daylight flag in [start, end), to the second."""
    moment, current = start, _offset(zone, start)
    while moment < end:
        step = min(moment + _DAY, end)
        following = _offset(zone, step)
        if following != current:
            low, high = moment, step  # current holds at low, something else at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            after = _offset(zone, high)
            yield Transition(high, current, after)
            moment, current = high, after
            continue
        moment = step


def _observances(found: list[Transition]) -> list[Observance]:
    done: list[Observance] = []
    open_: dict[tuple[Offset, Offset, int, time], Observance] = {}
    for transition in found:
        fresh = Observance(transition, transition, transition.patterns(), (transition.at,))
        key = fresh.key()
        known = open_.get(key)
        carried = known.extended(transition) if known else None
        if carried is not None:
            open_[key] = carried
            continue
        if known is not None:
            done.append(known)
        open_[key] = fresh
    done.extend(open_.values())
    return sorted(done, key=lambda o: o.first.at)


# Rules are followed back to this year at most, so a rule's DTSTART is its first onset since
# then (Berlin's summer time rule from 1981), as published zone files do. Readers that compare
# zones over earlier years (vobject checks 2000-2020) then see the zone's real changes.
HISTORY_FROM = 1970


def build_vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE valid for every local time from ``first`` to ``last`` (whole years)."""
    zone = ZoneInfo(tzid)
    span_start = datetime(first.year, 1, 1, tzinfo=UTC) - _DAY
    span_end = datetime(last.year + 1, 1, 1, tzinfo=UTC) + _DAY
    found, observances = _history(tzid, min(first.year - 1, HISTORY_FROM), last.year + 2)
    in_force = max((t.at for t in found if t.at <= span_start), default=None)
    component = Timezone()
    component.add("TZID", tzid)
    if in_force is None:
        component.add_component(_fixed(zone, span_start))
    for observance in observances:
        if in_force in observance.onsets or any(span_start < at < span_end for at in observance.onsets):
            component.add_component(_component(observance, span_end))
    return component


@functools.lru_cache(maxsize=32)
def _history(
    tzid: str, from_year: int, to_year: int
) -> tuple[tuple[Transition, ...], tuple[Observance, ...]]:
    """Every transition from ``from_year`` to the end of ``to_year``, grouped into observances.

    A year after the span is included to tell a rule still in force (open RRULE) from one that
    ends; cached, as a sync renders one calendar per entry.
    """
    zone = ZoneInfo(tzid)
    start = datetime(from_year, 1, 1, tzinfo=UTC) - _DAY
    end = datetime(to_year + 1, 1, 1, tzinfo=UTC) + _DAY
    found = tuple(transitions(zone, start, end))
    return found, tuple(_observances(list(found)))


def _component(observance: Observance, span_end: datetime) -> TimezoneStandard | TimezoneDaylight:
    first = observance.first
    part = TimezoneDaylight() if _daylight(first) else TimezoneStandard()
    part.add("DTSTART", first.onset)
    if len(observance.onsets) > 1:
        rule: dict[str, object] = {
            "FREQ": "YEARLY",
            "BYMONTH": first.onset.month,
            "BYDAY": observance.byday(),
        }
        if observance.last.at < span_end:
            # UTC, as RFC 5545 requires inside a VTIMEZONE; a day after the last onset, because
            # readers built on dateutil compare UNTIL with the local onset and would otherwise
            # drop the last one east of Greenwich. The next onset is a year away either way.
            rule["UNTIL"] = observance.last.at + _DAY
        part.add("RRULE", rule)
    part.add("TZNAME", first.after.name)
    part.add("TZOFFSETFROM", first.before.utcoffset)
    part.add("TZOFFSETTO", first.after.utcoffset)
    return part


def _daylight(transition: Transition) -> bool:
    """Whether the change starts a DAYLIGHT observance. Calendar programs expect the summer
    offset there, so a zone with negative daylight saving (the tz database's Dublin: IST is
    standard, winter GMT one hour "back") is written as published zone files write it."""
    if transition.before.negative or transition.after.negative:
        return transition.after.utcoffset > transition.before.utcoffset
    return transition.after.daylight


def _fixed(zone: ZoneInfo, moment: datetime) -> TimezoneStandard | TimezoneDaylight:
    """The offset in force at the start of the span, for a zone with no change in the year before."""
    offset = _offset(zone, moment)
    part = TimezoneDaylight() if offset.daylight else TimezoneStandard()
    part.add("DTSTART", datetime.combine(moment.date(), time(0, 0)))
    part.add("TZNAME", offset.name)
    part.add("TZOFFSETFROM", offset.utcoffset)
    part.add("TZOFFSETTO", offset.utcoffset)
    return part
