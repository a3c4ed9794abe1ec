"""Relay one turn from the bus to the visitor as Server-Sent Events."""

from collections.abc import AsyncIterator
from contextlib import aclosing

from copilot_contracts.chat import ChatTurnRequested, TurnEvent

from copilot_gateway.adapters.bus import GatewayBus, TurnEvents
from copilot_gateway.turns import follow_turn


def sse(event: TurnEvent) -> dict[str, str]:
    return {"event": event.type, "data": event.model_dump_json(exclude={"type"})}


async def relay_turn(
    bus: GatewayBus, events: TurnEvents, turn: ChatTurnRequested, trace_id: str
) -> AsyncIterator[dict[str, str]]:
    # aclosing: leaving early closes the inner stream at once, which cancels the turn.
    async with aclosing(follow_turn(bus, events, turn, trace_id)) as stream:
        async for event in stream:
            yield sse(event)
