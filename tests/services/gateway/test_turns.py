"""A turn whose caller left before reading anything is still closed and cancelled."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
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
