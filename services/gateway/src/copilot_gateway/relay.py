"""Relay one turn from the bus to the visitor as Server-Sent Events."""

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import anyio
from copilot_contracts.chat import (
    TERMINAL_EVENT_TYPES,
    ChatTurnRequested,
    ErrorEvent,
    MetaEvent,
    TurnEvent,
)

from copilot_gateway.adapters.bus import GatewayBus, TurnEvents

log = logging.getLogger(__name__)


def sse(event: TurnEvent) -> dict[str, str]:
    return {"event": event.type, "data": event.model_dump_json(exclude={"type"})}


async def relay_turn(
    bus: GatewayBus, events: TurnEvents, turn: ChatTurnRequested, trace_id: str
) -> AsyncIterator[dict[str, str]]:
    """Yield the turn's events until it ends; a visitor who leaves early cancels the turn.

    `events` is subscribed before the turn is published, so no early event is missed."""
    finished = False
    reason = "client_disconnected"
    try:
        yield sse(
            MetaEvent(conversation_id=turn.conversation_id, turn_id=turn.turn_id, trace_id=trace_id)
        )
        last_seq = 0
        while True:
            remaining = (turn.deadline - datetime.now(UTC)).total_seconds()
            published = await events.next(wait_s=remaining) if remaining > 0 else None
            if published is None:
                reason = "timeout"
                yield sse(ErrorEvent(code="timeout", message="No answer arrived in time."))
                return
            if published.seq <= last_seq:
                continue  # a repeat after redelivery
            last_seq = published.seq
            yield sse(published.event)
            if published.event.type in TERMINAL_EVENT_TYPES:
                finished = True
                return
    finally:
        # Runs when the visitor disconnects too: the stream is cancelled, so shield the cleanup.
        with anyio.CancelScope(shield=True):
            await events.close()
            if not finished:
                log.info("turn cancelled before it ended: %s", reason)
                await bus.cancel_turn(turn, reason=reason)
