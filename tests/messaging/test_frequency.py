"""Frequency caps under concurrency, on SQLite and PostgreSQL: sends to one contact at the
same instant never exceed the cap, and priority decides who gets the last slot."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from orkiestra.contracts import SendRequest
from orkiestra.db import SessionFactory, transaction
from orkiestra.models import Message
from orkiestra.persistence import frequency, messages
from tests.messaging.conftest import Fakes
from tests.messaging.support import Harness

WEEK = timedelta(days=7)


def reserve(db: SessionFactory, contact_id: str, priority: int = 5) -> int:
    request = SendRequest(
        idempotency_key=f"k-{uuid.uuid4().hex}",
        contact_id=contact_id,
        channel="email",
        template="welcome",
        priority=priority,
    )
    with transaction(db) as session:
        row = messages.reserve(session, request)
        assert row.id is not None
        return row.id


def take(db: SessionFactory, message_id: int, contact_id: str, priority: int = 5, cap: int = 3) -> str:
    with transaction(db) as session:
        return frequency.take_slot(
            session,
            message_id=message_id,
            contact_id=contact_id,
            channel="email",
            purpose="marketing",
            priority=priority,
            cap=cap,
            window=WEEK,
            now=datetime.now(UTC),
        )


def race(db: SessionFactory, contact_id: str, priorities: list[int], cap: int) -> dict[int, str]:
    """Reserve one send per priority, then let them all ask for a slot at the same instant."""
    ids = [reserve(db, contact_id, p) for p in priorities]
    barrier = threading.Barrier(len(ids))

    def go(index: int) -> str:
        barrier.wait()
        return take(db, ids[index], contact_id, priorities[index], cap)

    with ThreadPoolExecutor(len(ids)) as pool:
        decisions = list(pool.map(go, range(len(ids))))
    return dict(zip(ids, decisions, strict=True))


def test_concurrent_sends_never_exceed_the_cap(db_harness: Harness) -> None:
    decisions = race(db_harness.sessions, "c1", [5] * 8, cap=3)
    assert Counter(decisions.values()) == {"take": 3, "full": 5}
    with db_harness.sessions() as session:
        assert frequency.used_slots(session, "c1", "email", "marketing", datetime.now(UTC) - WEEK) == 3


def test_the_highest_priority_send_wins_the_last_slot(db_harness: Harness) -> None:
    db = db_harness.sessions
    for _ in range(2):  # two of three slots used
        assert take(db, reserve(db, "c2"), "c2") == "take"
    priorities = [1, 2, 9, 3, 4]
    decisions = race(db, "c2", priorities, cap=3)
    winners = [mid for mid, d in decisions.items() if d == "take"]
    assert len(winners) == 1
    with db() as session:
        winner = session.get(Message, winners[0])
        assert winner is not None and winner.priority == 9
    assert set(decisions.values()) <= {"take", "yield", "full"}


def test_a_lower_priority_send_yields_while_a_higher_one_is_pending(db_harness: Harness) -> None:
    db = db_harness.sessions
    take(db, reserve(db, "c3"), "c3", cap=2)
    low, high = reserve(db, "c3", priority=1), reserve(db, "c3", priority=9)
    assert take(db, low, "c3", 1, cap=2) == "yield"  # asked first, but the last slot is kept
    assert take(db, high, "c3", 9, cap=2) == "take"
    assert take(db, high, "c3", 9, cap=2) == "take"  # a retry keeps its slot, takes no second
    assert take(db, reserve(db, "c3", priority=1), "c3", 1, cap=2) == "full"


async def test_simultaneous_journey_sends_to_one_contact_respect_the_cap(
    db_harness: Harness, fakes: Fakes
) -> None:
    cid = db_harness.seed(email="busy@example.com")
    requests = [db_harness.request(cid, "email", "welcome") for _ in range(6)]
    results = await asyncio.gather(*(db_harness.send(r) for r in requests))
    assert Counter((r.status, r.reason) for r in results) == {
        ("sent", None): 3,
        ("skipped", "frequency_cap"): 3,
    }
    assert len(fakes.smtp.to("busy@example.com")) == 3
    receipt = await db_harness.send(db_harness.request(cid, "email", "welcome", purpose="transactional"))
    assert receipt.status == "sent"  # transactional bypasses the cap


async def test_a_refused_message_gives_its_slot_back(make_harness, fakes: Fakes) -> None:  # type: ignore[no-untyped-def]
    harness: Harness = make_harness(frequency_caps={"sms:marketing": "1/1d"})
    bad = harness.seed(phone="12345")
    harness.consent(bad, "sms")
    refused = await harness.send(harness.request(bad, "sms", "welcome"))
    assert refused.reason == "provider_rejected"
    with harness.sessions() as session:
        since = datetime.now(UTC) - timedelta(days=1)
        assert frequency.used_slots(session, bad, "sms", "marketing", since) == 0
    good = harness.seed(phone="+48500100200")
    harness.consent(good, "sms")
    assert (await harness.send(harness.request(good, "sms", "welcome"))).status == "sent"
    second = await harness.send(harness.request(good, "sms", "welcome"))
    assert (second.status, second.reason) == ("skipped", "frequency_cap")
