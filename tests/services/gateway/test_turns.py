"""A turn whose caller left before reading anything is still closed and cancelled."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from copilot_contracts.chat import DeltaEvent, DoneEvent, TurnEventPublished
from copilot_gateway import turns
from copilot_gateway.adapters.bus import TurnEvents
from copilot_gateway.domain.sessions import Session


class FakeSubscription:
    def __init__(self) -> None:
        self.unsubscribed = False

    async def unsubscribe(self) -> None:
        self.unsubscribed = True


class FakeBus:
    def __init__(self) -> None:
        self.subscription = FakeSubscription()
        self.cancelled: list[str] = []

    async def start_conversation(self, conversation_id: str, session_id: str) -> None: ...

    async def claim_turn(self, turn: Any) -> bool:
        return True

    async def follow(self, turn_id: str) -> TurnEvents:
        return TurnEvents(self.subscription)  # type: ignore[arg-type]

    async def publish_turn(self, turn: Any) -> None: ...

    async def cancel_turn(self, turn: Any, reason: str) -> None:
        self.cancelled.append(reason)


SESSION = Session("s" * 32, "site", datetime.now(UTC) + timedelta(minutes=5))


async def test_an_unread_turn_is_closed_after_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(turns, "ABANDON_GRACE_S", 0.05)
    bus = FakeBus()
    await turns.start_turn(bus, SESSION, "hello", None, timeout_s=0.1)  # type: ignore[arg-type]
    await asyncio.sleep(0.5)
    assert bus.subscription.unsubscribed
    assert bus.cancelled == ["abandoned"]


async def test_a_turn_read_to_its_end_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(turns, "ABANDON_GRACE_S", 0.05)
    bus = FakeBus()
    _, events = await turns.start_turn(bus, SESSION, "hello", None, timeout_s=0.1)  # type: ignore[arg-type]
    await events.close()  # as follow_turn does when the turn ends
    await asyncio.sleep(0.5)
    assert bus.cancelled == []
    assert events.watchdog is not None and events.watchdog.cancelled()


class QuietSubscription(FakeSubscription):
    """Nothing more arrives live: every wait times out."""

    async def next_msg(self, timeout: float) -> Any:  # noqa: ASYNC109 - nats-py's signature
        await asyncio.sleep(timeout)
        raise TimeoutError


def _published(seq: int, event: Any) -> TurnEventPublished:
    return TurnEventPublished(conversation_id="c" * 32, turn_id="t" * 32, seq=seq, event=event)


async def test_a_resumed_turn_passes_on_the_kept_events_after_the_visitors_last() -> None:
    kept = [
        _published(1, DeltaEvent(text="Keep ")),
        _published(2, DeltaEvent(text="them ")),
        _published(1, DeltaEvent(text="Keep ")),  # redelivered to another replica: again
        _published(2, DeltaEvent(text="them ")),
        _published(3, DeltaEvent(text="airtight.")),
        _published(4, DoneEvent()),
    ]
    events = TurnEvents(QuietSubscription(), kept, last_seq=1)  # type: ignore[arg-type]
    turn = turns.ResumedTurn("c" * 32, "t" * 32, datetime.now(UTC) - timedelta(seconds=1))
    seen = [
        (event, events.last_seq)
        async for event in turns.follow_turn(FakeBus(), events, turn, "trace", announce=False)  # type: ignore[arg-type]
    ]
    assert [(e.type, getattr(e, "text", None), seq) for e, seq in seen] == [
        ("delta", "them ", 2),
        ("delta", "airtight.", 3),
        ("done", None, 4),
    ]


async def test_a_resumed_turn_that_ended_long_ago_without_its_end_kept_times_out() -> None:
    events = TurnEvents(QuietSubscription(), [_published(1, DeltaEvent(text="Keep"))])  # type: ignore[arg-type]
    turn = turns.ResumedTurn("c" * 32, "t" * 32, datetime.now(UTC) - timedelta(minutes=5))
    bus = FakeBus()
    seen = [e async for e in turns.follow_turn(bus, events, turn, "trace", announce=False)]  # type: ignore[arg-type]
    assert [e.type for e in seen] == ["delta", "error"]
    assert seen[-1].code == "timeout"  # type: ignore[union-attr]
    assert bus.cancelled == ["timeout"]
