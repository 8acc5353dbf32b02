"""One-way sync of plan entries to a CalDAV calendar collection.

Each entry is one resource at ``<collection>/<uid>.ics``. A new entry is created with
If-None-Match: * and an entry sent before is replaced with If-Match on the ETag the server
gave last time, so a re-sync updates in place and never duplicates, and a change made on the
server behind goalplan's back is reported (412) rather than overwritten. Only entries whose
bytes changed are sent; a plan whose log and options are as last synced is not even rendered.
The event log is only read.
"""

from __future__ import annotations

import hashlib
import http.client
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from attrs import frozen

import goalplan
from goalplan_ical import render
from goalplan_ical.caldav_client import CalDAVClient, CalDAVError, network_failure
from goalplan_ical.entries import CalendarEntry, plan_entries
from goalplan_ical.options import CalendarOptions
from goalplan_ical.sync_state import Pushed, SyncState


@frozen
class SyncReport:
    calendar: str
    plans: int
    created: int
    updated: int
    unchanged: int
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def __str__(self) -> str:
        removed = f", {self.deleted} cancelled deleted" if self.deleted else ""
        return (
            f"Synced {self.plans} plan(s) to {self.calendar}: {self.changed} changed "
            f"({self.created} created, {self.updated} updated{removed}), {self.unchanged} unchanged."
        )


def sync_caldav(
    logs: Iterable[goalplan.PlanLog],
    client: CalDAVClient,
    options: CalendarOptions,
    state_path: Path,
    *,
    log_position: int | None = None,
    force: bool = False,
    delete_cancelled_after: timedelta | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Send what changed since the last sync; ``force`` sends every entry without preconditions,
    taking back entries edited or removed on the server (or after the sync state was lost).

    With ``delete_cancelled_after``, an entry cancelled at least that long before ``now`` (by
    the log's time of the cancelling event) is deleted from the server instead of kept there
    as CANCELLED, and is not sent again unless it comes back. ``progress`` is called with 1
    after each plan.
    """
    state = SyncState(state_path)
    calendar = client.url
    digest = options.digest()
    cutoff = None
    if delete_cancelled_after is not None:
        cutoff = _stamp((now or datetime.now(UTC)) - delete_cancelled_after)
    plans = created = updated = unchanged = deleted = 0
    try:
        for log in logs:
            plans += 1
            fingerprint = log.fingerprint
            if (
                not force
                and state.plan_is_synced(
                    calendar, log.plan_id, fingerprint.version, fingerprint.head_hash, digest
                )
                and not (cutoff is not None and state.has_cancelled_before(calendar, log.plan_id, cutoff))
            ):
                unchanged += state.count_for_plan(calendar, log.plan_id)
                if progress is not None:
                    progress(1)
                continue
            for entry in plan_entries(log):
                body = render.resource(entry, options)
                content_hash = hashlib.sha256(body).hexdigest()
                known = state.pushed(calendar, entry.uid)
                cancelled_at = _stamp(entry.stamp) if entry.cancelled else None
                if cutoff is not None and cancelled_at is not None and cancelled_at <= cutoff:
                    if known is not None:
                        _delete(client, entry, known, force)
                        deleted += 1
                    if known is not None or state.deleted_hash(calendar, entry.uid) != content_hash:
                        state.record_delete(calendar, entry.uid, log.plan_id, content_hash)
                    continue
                if not force and known is not None and known.content_hash == content_hash:
                    unchanged += 1
                    continue
                etag = _put(client, entry, body, known, force)
                state.record_push(
                    calendar,
                    entry.uid,
                    log.plan_id,
                    Pushed(etag, content_hash, entry.sequence, cancelled_at),
                )
                if known is None:
                    created += 1
                else:
                    updated += 1
            state.record_plan(calendar, log.plan_id, fingerprint.version, fingerprint.head_hash, digest)
            if progress is not None:
                progress(1)
        if log_position is not None:
            state.record_position(calendar, log_position)
    finally:
        client.close()
        state.close()
    return SyncReport(calendar, plans, created, updated, unchanged, deleted)


def _stamp(moment: datetime) -> str:
    """A UTC time as text that sorts as the time does."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _delete(client: CalDAVClient, entry: CalendarEntry, known: Pushed, force: bool) -> None:
    what = entry.describe()
    try:
        if force:
            answer = client.request("DELETE", client.href(entry.uid), None, {})
        else:
            answer = client.delete(entry.uid, etag=known.etag)
    except http.client.HTTPException as exc:
        raise CalDAVError(
            f"the calendar server at {client.where} sent an answer that is not valid HTTP "
            f"({type(exc).__name__}) to deleting {what}; nothing more was sent."
        ) from None
    except OSError as exc:
        raise CalDAVError(
            f"cannot reach the calendar server at {client.where} ({network_failure(exc)}) "
            f"while deleting {what}; nothing more was sent."
        ) from None
    if answer.status in (200, 204, 404, 410):  # gone already is as good as deleted
        return
    if answer.status == 412:
        raise CalDAVError(
            f"{what} was changed on the server since the last sync (412 Precondition Failed), so it "
            "was not deleted (--force deletes it anyway)."
        )
    code = f"{answer.status} {answer.reason}".strip()
    hint = "; check --user and --password-env" if answer.status == 401 else ""
    raise CalDAVError(f"the server refused to delete {what} ({code}){hint}.")


def _put(client: CalDAVClient, entry: CalendarEntry, body: bytes, known: Pushed | None, force: bool) -> str:
    what = entry.describe()
    try:
        answer = client.put(entry.uid, body, etag=known.etag if known else None, unconditional=force)
        if answer.status in (200, 201, 204):
            etag = answer.etag or client.head_etag(entry.uid)
            if not etag:
                raise CalDAVError(
                    f"the server stored {what} but gave no ETag for it, so later updates could not be "
                    "made safely; this server is not supported."
                )
            return etag
    except http.client.HTTPException as exc:
        raise CalDAVError(
            f"the calendar server at {client.where} sent an answer that is not valid HTTP "
            f"({type(exc).__name__}) to {what}; nothing more was sent."
        ) from None
    except OSError as exc:
        raise CalDAVError(
            f"cannot reach the calendar server at {client.where} ({network_failure(exc)}) "
            f"while sending {what}; nothing more was sent."
        ) from None
    raise CalDAVError(_refusal(answer.status, answer.reason, what, client.url, created=known is None))


def _refusal(status: int, reason: str, what: str, url: str, *, created: bool) -> str:
    code = f"{status} {reason}".strip()
    if 300 <= status < 400:
        return f"the server redirected {what} elsewhere ({code}); give the calendar collection's final URL."
    if status == 401:
        return (
            f"the server refused the credentials ({code}) when sending {what}; "
            "check --user and --password-env."
        )
    if status == 403:
        return f"the server does not allow writing to {url} ({code}) when sending {what}."
    if status == 404:
        return f"the server has no calendar at {url} ({code}) when sending {what}; create the calendar first."
    if status == 409:
        return (
            f"the server reported a conflict ({code}) when sending {what}: the calendar collection {url} "
            "may not exist, or another entry there already uses this UID."
        )
    if status == 412 and created:
        return (
            f"{what} already exists on the server but this sync state has no record of sending it "
            f"({code}); it was not overwritten (was the sync state file removed, or did another store "
            "sync here? --force takes it over)."
        )
    if status == 412:
        return (
            f"{what} was changed or removed on the server since the last sync ({code}); "
            "goalplan did not overwrite it (--force puts goalplan's version back)."
        )
    return f"the server refused {what} ({code})."
