"""The daily scan: turn dates and inactivity into events, so journeys can start on them.

`date_reached(...)` and `inactive_since(...)` triggers need someone to notice that a day
has come. Once a day the scan asks the database, for every such trigger in the catalog,
whose date falls on the day and who went quiet exactly N days ago, and stores one internal
event per contact through the normal ingest path (event + outbox row in one transaction),
so the dispatcher routes them like any other event. Message ids are derived from trigger,
contact and day, so running a day twice (a retry, a catch-up) stores nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from temporalio import activity

from orkiestra.contracts import ScanRequest, ScanResult
from orkiestra.db import SessionFactory, transaction
from orkiestra.logging import get_logger
from orkiestra.persistence import scans
from orkiestra.persistence.ingest import store_calls
from orkiestra.segment import TrackCall
from workflows.sdk.spec import DATE_REACHED, INACTIVE, JourneySpec

log = get_logger(__name__)
CHUNK = 500  # events stored per transaction


def scan_day_of(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def message_id(*parts: object) -> str:
    """Deterministic and within Segment's 255 characters (long ids are hashed)."""
    text = ":".join(str(p) for p in parts)
    return text if len(text) <= 255 else f"scan:{hashlib.sha256(text.encode()).hexdigest()}"


class ScanActivities:
    def __init__(self, sessions: SessionFactory, specs: Sequence[JourneySpec]) -> None:
        self.sessions = sessions
        self.specs = tuple(specs)
        # The same set the API's ingest uses: only events some journey cares about get an
        # outbox row, and every event the scan makes is one (a trigger of some journey).
        self.interesting = frozenset().union(*(s.interesting_events for s in self.specs))

    def _date_calls(self, day: date) -> list[TrackCall]:
        wanted = {
            (str(t.where["attribute"]), int(t.where.get("days_before", 0)))
            for spec in self.specs
            for t in spec.date_triggers()
        }
        calls = []
        for attribute, days_before in sorted(wanted):
            target = day + timedelta(days=days_before)
            with self.sessions() as session:
                found = scans.contacts_with_date(session, attribute, target)
            calls += [
                TrackCall(
                    userId=cid,
                    event=DATE_REACHED,
                    messageId=message_id("date", attribute, days_before, cid, day.isoformat()),
                    properties={
                        "attribute": attribute,
                        "days_before": days_before,
                        "date": target.isoformat(),
                        "value": raw,
                    },
                )
                for cid, raw in found
            ]
        return calls

    def _inactivity_calls(self, day: date) -> list[TrackCall]:
        wanted = {
            (str(t.where["event"]), int(t.where["days"]))
            for spec in self.specs
            for t in spec.inactivity_triggers()
        }
        calls = []
        for event, days in sorted(wanted):
            with self.sessions() as session:
                found = scans.contacts_last_seen_doing(session, event, day - timedelta(days=days))
            calls += [
                TrackCall(
                    userId=cid,
                    event=INACTIVE,
                    messageId=message_id("inactive", event, days, cid, day.isoformat()),
                    properties={"event": event, "days": days, "last_at": last.isoformat()},
                )
                for cid, last in found
            ]
        return calls

    @activity.defn(name="scan_day")
    def scan_day(self, request: ScanRequest) -> ScanResult:
        day = scan_day_of(request.day)
        dated, inactive = self._date_calls(day), self._inactivity_calls(day)
        calls = dated + inactive
        stored = 0
        for i in range(0, len(calls), CHUNK):
            with transaction(self.sessions) as session:
                stored += store_calls(session, calls[i : i + CHUNK], self.interesting).stored
        result = ScanResult(
            day=day.isoformat(), date_events=len(dated), inactivity_events=len(inactive), stored=stored
        )
        log.info("scan.day.done", **result.model_dump())
        return result
