"""The persistence layer on SQLite and PostgreSQL: ingest, outbox leases, journey runs,
the message log and time zones. Every test runs on both databases."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from orkiestra.contracts import SendRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Contact, Event, JourneyRun, Message, OutboxEntry
from orkiestra.persistence import contacts, journeys, messages, outbox, timeline
from orkiestra.persistence.ingest import IngestResult, store_calls
from orkiestra.segment import IdentifyCall, PageCall, SegmentCall, TrackCall

INTERESTING = frozenset({"Signed Up", "Order Completed"})
LEASE = timedelta(minutes=5)
EXPIRED = timedelta(seconds=-1)  # a lease that has already run out when it is written


def store(db: SessionFactory, *calls: SegmentCall) -> IngestResult:
    with transaction(db) as session:
        return store_calls(session, list(calls), INTERESTING)


def signed_up(user: str, message_id: str | None = None, **extra: Any) -> TrackCall:
    return TrackCall(userId=user, event="Signed Up", messageId=message_id, **extra)


def count(session: Session, model: type, *where: Any) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def claim(
    db: SessionFactory, owner: str, limit: int = 100, lease: timedelta = LEASE
) -> list[outbox.ClaimedEvent]:
    with transaction(db) as session:
        return outbox.claim(session, owner, limit, lease)


# ----- ingest ----------------------------------------------------------------------------------


def test_store_calls_reports_what_it_stored_and_routed(db: SessionFactory) -> None:
    result = store(
        db,
        signed_up("u1", "m1"),
        TrackCall(userId="u1", event="Page Scrolled", messageId="m2"),
        IdentifyCall(userId="u1", traits={"email": "a@example.com"}, messageId="m3"),
        PageCall(anonymousId="a1", name="Home", messageId="m4"),
    )
    assert result == IngestResult(received=4, stored=4, duplicates=0, routed=1)
    with db() as session:
        assert count(session, Event) == 4
        [row] = session.execute(select(OutboxEntry)).scalars()
        event = session.get(Event, row.event_id)
        assert event is not None and event.message_id == "m1"
        assert {c.id for c in session.execute(select(Contact)).scalars()} == {"u1", "a1"}


def test_store_calls_is_idempotent_on_message_id(db: SessionFactory) -> None:
    assert store(db, signed_up("u1", "m1")).stored == 1
    again = store(db, signed_up("u1", "m1"), signed_up("u1", "m1"), signed_up("u1", "m2"))
    assert again == IngestResult(received=3, stored=1, duplicates=2, routed=1)
    with db() as session:
        assert count(session, Event) == 2
        assert count(session, OutboxEntry) == 2


def test_store_calls_rolls_back_with_its_transaction(db: SessionFactory) -> None:
    with pytest.raises(RuntimeError), transaction(db) as session:
        store_calls(session, [signed_up("u1", "m1")], INTERESTING)
        raise RuntimeError("the request failed after storing")
    with db() as session:
        assert count(session, Event) == 0
        assert count(session, OutboxEntry) == 0
        assert count(session, Contact) == 0


def test_concurrent_identifies_of_one_contact_lose_no_trait(db: SessionFactory) -> None:
    store(db, IdentifyCall(userId="u1", traits={"start": True}))
    writers = 8
    barrier = threading.Barrier(writers)

    def identify(i: int) -> None:
        barrier.wait()
        # Late calls (older than the profile's last_seen_at) must not lose traits either.
        late = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=i)
        store(db, IdentifyCall(userId="u1", traits={f"t{i}": i}, timestamp=late))

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(identify, range(writers)))
    with db() as session:
        traits = session.get(Contact, "u1").traits  # type: ignore[union-attr]
    assert traits == {"start": True, **{f"t{i}": i for i in range(writers)}}


def test_get_contact_follows_a_merged_anonymous_id(db: SessionFactory) -> None:
    store(db, TrackCall(anonymousId="a1", event="Product Viewed"))
    store(db, IdentifyCall(userId="u1", anonymousId="a1", traits={"email": "a@example.com"}))
    with db() as session:
        found = contacts.get_contact(session, "a1")
        assert found is not None and found.id == "u1"
        assert contacts.get_contact(session, "nobody") is None
        assert contacts.resolve_contact_ids(session, ["a1", "a2"]) == {"a1": "u1"}


# ----- outbox leases ---------------------------------------------------------------------------


def test_claim_returns_the_events_in_order_with_a_lease(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1", properties={"plan": "pro"}), signed_up("u2", "m2"))
    claimed = claim(db, "A")
    assert [(c.message_id, c.contact_id, c.name, c.type, c.attempts) for c in claimed] == [
        ("m1", "u1", "Signed Up", "track", 1),
        ("m2", "u2", "Signed Up", "track", 1),
    ]
    assert claimed[0].properties == {"plan": "pro"}
    assert claimed[0].timestamp.tzinfo is not None
    assert claimed[0].outbox_id < claimed[1].outbox_id
    with db() as session:
        rows = list(session.execute(select(OutboxEntry)).scalars())
    assert {r.lease_owner for r in rows} == {"A"}
    assert all(r.available_at > datetime.now(UTC) + LEASE - timedelta(minutes=1) for r in rows)


def test_claim_respects_the_limit(db: SessionFactory) -> None:
    store(db, *(signed_up(f"u{i}", f"m{i}") for i in range(5)))
    first = claim(db, "A", limit=2)
    second = claim(db, "A", limit=10)
    assert [c.message_id for c in first] == ["m0", "m1"]
    assert [c.message_id for c in second] == ["m2", "m3", "m4"]


def test_leased_rows_are_not_claimed_by_a_second_owner(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1"))
    assert len(claim(db, "A")) == 1
    assert claim(db, "B") == []
    assert claim(db, "A") == []  # not even by the owner: the lease is the lock


def test_an_expired_lease_is_claimed_again_and_its_old_owner_cannot_complete_it(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1"))
    [first] = claim(db, "A", lease=EXPIRED)
    [second] = claim(db, "B")
    assert second.outbox_id == first.outbox_id
    assert second.attempts == 2
    with transaction(db) as session:
        outbox.complete(session, [first.outbox_id], "A")  # A was too slow
    with db() as session:
        assert outbox.pending_count(session) == 1
    with transaction(db) as session:
        outbox.complete(session, [second.outbox_id], "B")
    with db() as session:
        assert outbox.pending_count(session) == 0
        assert count(session, Event) == 1  # the event itself stays


def test_completed_rows_are_gone(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1"), signed_up("u2", "m2"))
    claimed = claim(db, "A")
    with transaction(db) as session:
        outbox.complete(session, [claimed[0].outbox_id], "A")
        outbox.complete(session, [], "A")
    with db() as session:
        remaining = list(session.execute(select(OutboxEntry.id)).scalars())
    assert remaining == [claimed[1].outbox_id]
    assert claim(db, "B") == []  # the other row is still leased to A


def test_retry_later_releases_the_row_and_makes_it_due_later(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1"))
    [first] = claim(db, "A")
    with transaction(db) as session:
        outbox.retry_later(session, first.outbox_id, "B", "not B's row", timedelta(0))  # B holds no lease
    assert claim(db, "B") == []
    with transaction(db) as session:
        outbox.retry_later(session, first.outbox_id, "A", "RPCError: " + "x" * 5000, timedelta(hours=1))
    with db() as session:
        row = session.get(OutboxEntry, first.outbox_id)
        assert row is not None
        assert row.lease_owner is None
        assert (
            row.last_error is not None
            and row.last_error.startswith("RPCError")
            and len(row.last_error) == 2000
        )
        assert row.available_at > datetime.now(UTC) + timedelta(minutes=59)
    assert claim(db, "B") == []  # not due yet


def test_a_row_released_without_delay_is_due_again_for_any_owner(db: SessionFactory) -> None:
    store(db, signed_up("u1", "m1"))
    [first] = claim(db, "A")
    with transaction(db) as session:
        outbox.retry_later(session, first.outbox_id, "A", "Temporal unavailable", timedelta(0))
    [again] = claim(db, "B")
    assert again.outbox_id == first.outbox_id
    assert again.attempts == 2
    with db() as session:
        row = session.get(OutboxEntry, first.outbox_id)
        assert row is not None and row.lease_owner == "B" and row.last_error == "Temporal unavailable"


def test_concurrent_claimers_never_share_a_row(db: SessionFactory) -> None:
    total = 300
    with transaction(db) as session:
        store_calls(session, [signed_up(f"u{i}", f"m{i}") for i in range(total)], INTERESTING)
    owners = [f"owner-{i}" for i in range(4)]
    barrier = threading.Barrier(len(owners))

    def drain(owner: str) -> list[int]:
        barrier.wait()
        mine: list[int] = []
        while True:
            batch = claim(db, owner, limit=7)
            if not batch:
                return mine
            mine.extend(c.outbox_id for c in batch)

    with ThreadPoolExecutor(len(owners)) as pool:
        results = list(pool.map(drain, owners))
    claimed = [oid for ids in results for oid in ids]
    assert len(claimed) == total, "a row was claimed by two owners" if len(claimed) > total else "rows lost"
    assert len(set(claimed)) == total
    with db() as session:
        by_owner = dict(
            session.execute(
                select(OutboxEntry.lease_owner, func.count()).group_by(OutboxEntry.lease_owner)
            ).all()
        )
    assert by_owner == {o: len(ids) for o, ids in zip(owners, results, strict=True) if ids}


# ----- journey runs ----------------------------------------------------------------------------


def test_journey_run_start_and_end(db: SessionFactory) -> None:
    with transaction(db) as session:
        journeys.record_start(session, "welcome_series/u1", "run-1", "welcome_series", "u1")
        journeys.record_start(session, "welcome_series/u1", "run-1", "welcome_series", "u1")  # retried
    with db() as session:
        [run] = journeys.active_runs(session, "u1", ["welcome_series"])
        assert (run.run_id, run.status, run.ended_at) == ("run-1", "active", None)
        assert run.started_at.tzinfo is not None
        assert journeys.active_runs(session, "u1", ["other"]) == []
        assert journeys.counts_by_journey(session) == {"welcome_series": {"active": 1}}

    with transaction(db) as session:
        journeys.record_end(
            session, "run-1", "welcome_series/u1", "welcome_series", "u1", "converted", "goal"
        )
    with db() as session:
        run = journeys.last_run(session, "welcome_series/u1")
        assert run is not None
        assert (run.status, run.outcome) == ("converted", "goal")
        assert run.ended_at is not None and run.ended_at >= run.started_at
        assert journeys.active_runs(session, "u1", ["welcome_series"]) == []
        assert count(session, JourneyRun) == 1

    # a late, retried start record does not bring the ended run back to life
    with transaction(db) as session:
        journeys.record_start(session, "welcome_series/u1", "run-1", "welcome_series", "u1")
    with db() as session:
        assert journeys.last_run(session, "welcome_series/u1").status == "converted"  # type: ignore[union-attr]


def test_journey_end_recorded_before_its_start_keeps_the_end(db: SessionFactory) -> None:
    with transaction(db) as session:
        journeys.record_end(session, "run-9", "j/u9", "j", "u9", "completed", None)
        journeys.record_start(session, "j/u9", "run-9", "j", "u9")
    with db() as session:
        [run] = journeys.runs_for_contact(session, "u9")
    assert run.status == "completed"
    assert run.ended_at is not None


def test_last_run_is_the_newest_and_counts_group_by_status(db: SessionFactory) -> None:
    with transaction(db) as session:
        journeys.record_start(session, "j/u1", "r1", "j", "u1")
        journeys.record_end(session, "r1", "j/u1", "j", "u1", "completed", None)
    with transaction(db) as session:
        journeys.record_start(session, "j/u1", "r2", "j", "u1")
        journeys.record_start(session, "j/u2", "r3", "j", "u2")
        journeys.record_start(session, "k/u2", "r4", "k", "u2")
    with db() as session:
        assert journeys.last_run(session, "j/u1").run_id == "r2"  # type: ignore[union-attr]
        assert journeys.last_run(session, "j/nobody") is None
        assert journeys.counts_by_journey(session) == {"j": {"completed": 1, "active": 2}, "k": {"active": 1}}
        assert [r.run_id for r in journeys.runs_for_contact(session, "u1")] == ["r1", "r2"]
    with transaction(db) as session:
        journeys.mark_exited(session, "u2")
    with db() as session:
        runs = journeys.runs_for_contact(session, "u2")
        assert {r.status for r in runs} == {"exited"}
        assert all(r.ended_at is not None for r in runs)
        assert journeys.last_run(session, "j/u1").status == "active"  # type: ignore[union-attr]


# ----- the message log -------------------------------------------------------------------------


def send_request(key: str = "welcome_series/u1/email/welcome/1", **extra: Any) -> SendRequest:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "contact_id": "u1",
        "channel": "email",
        "template": "welcome",
        "journey": "welcome_series",
        "workflow_id": "welcome_series/u1",
        **extra,
    }
    return SendRequest(**fields)


def test_reserve_twice_with_the_same_key_is_the_same_row(db: SessionFactory) -> None:
    with transaction(db) as session:
        first = messages.reserve(session, send_request())
    with transaction(db) as session:
        second = messages.reserve(session, send_request(template="changed"))
    assert first.id == second.id
    assert second.template == "welcome"
    assert second.status == "sending"
    with db() as session:
        assert count(session, Message) == 1


def test_reserve_after_finish_returns_the_finished_row(db: SessionFactory) -> None:
    with transaction(db) as session:
        reserved = messages.reserve(session, send_request())
        assert reserved.id is not None
        messages.finish(
            session,
            reserved.id,
            status="sent",
            to_address="ala@example.com",
            subject="Witaj",
            provider_message_id="<abc@orkiestra>",
        )
    with transaction(db) as session:
        again = messages.reserve(session, send_request())  # a retried activity
    assert again.id == reserved.id
    assert (again.status, again.to_address, again.subject, again.provider_message_id) == (
        "sent",
        "ala@example.com",
        "Witaj",
        "<abc@orkiestra>",
    )
    assert again.updated_at >= again.created_at


def test_skipped_message_keeps_its_reason_and_messages_list_newest_first(db: SessionFactory) -> None:
    with transaction(db) as session:
        a = messages.reserve(session, send_request("k1"))
        messages.finish(session, a.id, status="skipped", reason="no_consent")  # type: ignore[arg-type]
    with transaction(db) as session:
        b = messages.reserve(session, send_request("k2", channel="sms", template="nudge"))
        messages.finish(session, b.id, status="failed", error="SMTP 554")  # type: ignore[arg-type]
        messages.reserve(session, send_request("other", contact_id="u2"))
    with db() as session:
        listed = messages.for_contact(session, "u1")
        assert [(m.idempotency_key, m.status, m.reason, m.error) for m in listed] == [
            ("k2", "failed", None, "SMTP 554"),
            ("k1", "skipped", "no_consent", None),
        ]
        assert [m.idempotency_key for m in messages.for_contact(session, "u1", limit=1)] == ["k2"]


# ----- time zones ------------------------------------------------------------------------------


def test_datetimes_come_back_as_aware_utc(db: SessionFactory) -> None:
    warsaw = timezone(timedelta(hours=2))
    store(
        db,
        IdentifyCall(userId="u1", traits={}, timestamp=datetime(2024, 6, 1, 14, 30, tzinfo=warsaw)),
        TrackCall(userId="u1", event="Signed Up", messageId="m1"),
    )
    with transaction(db) as session:
        journeys.record_start(session, "j/u1", "r1", "j", "u1")
        messages.reserve(session, send_request())
    with db() as session:
        stamps: list[datetime] = []
        for event in session.execute(select(Event)).scalars():
            stamps += [event.timestamp, event.received_at]
        person = session.get(Contact, "u1")
        assert person is not None
        stamps += [person.created_at, person.updated_at, person.last_seen_at]  # type: ignore[list-item]
        run = journeys.last_run(session, "j/u1")
        assert run is not None
        stamps.append(run.started_at)
        [msg] = messages.for_contact(session, "u1")
        stamps += [msg.created_at, msg.updated_at]
        [row] = session.execute(select(OutboxEntry)).scalars()
        stamps.append(row.available_at)
        identify = session.execute(select(Event).where(Event.type == "identify")).scalar_one()
    assert all(s is not None and s.utcoffset() == timedelta(0) for s in stamps)
    assert identify.timestamp == datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
    assert identify.timestamp.tzinfo == UTC


def test_naive_datetimes_are_refused(db: SessionFactory) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(db) as session:
        session.add(Contact(id="u1", created_at=datetime(2024, 1, 1)))
        session.flush()


def test_timeline_merges_events_runs_and_messages_newest_first(db: SessionFactory) -> None:
    store(
        db,
        TrackCall(userId="u1", event="Signed Up", messageId="m1", timestamp=datetime(2020, 1, 1, tzinfo=UTC)),
    )
    with transaction(db) as session:
        journeys.record_start(session, "j/u1", "r1", "j", "u1")
        reserved = messages.reserve(session, send_request())
        messages.finish(session, reserved.id, status="skipped", reason="quiet_hours")  # type: ignore[arg-type]
    with transaction(db) as session:
        journeys.record_end(session, "r1", "j/u1", "j", "u1", "completed", "done")
    with db() as session:
        entries = timeline.for_contact(session, "u1", 100)
        assert [e["kind"] for e in entries][-1] == "event.track"
        assert {e["kind"] for e in entries} == {
            "event.track",
            "journey.started",
            "journey.completed",
            "message.skipped",
        }
        assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
        assert len(timeline.for_contact(session, "u1", 2)) == 2
