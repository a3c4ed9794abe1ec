"""Relay one turn from the bus to the visitor as Server-Sent Events."""

from collections.abc import AsyncIterator
from contextlib import aclosing

from copilot_contracts.chat import TurnEvent

from copilot_gateway.adapters.bus import GatewayBus, TurnEvents, TurnRef
from copilot_gateway.turns import follow_turn


def sse(event: TurnEvent, seq: int = 0) -> dict[str, str]:
    """The event, with its number as the SSE id: a visitor whose stream is cut resumes
    after it (`Last-Event-ID`)."""
    message = {"event": event.type, "data": event.model_dump_json(exclude={"type"})}
    if seq:
        message["id"] = str(seq)
    return message


async def relay_turn(
    bus: GatewayBus,
    events: TurnEvents,
    turn: TurnRef,
    trace_id: str,
    announce: bool = True,
) -> AsyncIterator[dict[str, str]]:
    # aclosing: leaving early closes the inner stream at once, which cancels the turn.
    async with aclosing(follow_turn(bus, events, turn, trace_id, announce)) as stream:
        async for event in stream:
            yield sse(event, events.last_seq)
