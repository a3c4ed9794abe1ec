"""Runs turns on this replica: deadlines, cancellation, and an error event for any failure."""

import asyncio
import logging
import time
from datetime import UTC, datetime

from copilot_contracts.chat import ChatTurnRequested, ErrorEvent
from faststream.nats import NatsBroker

from copilot_orchestrator.adapters.insights_sink import InsightsSink
from copilot_orchestrator.adapters.nats_events import NatsTurnEvents
from copilot_orchestrator.domain.budget import ModelPrice
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner
from copilot_orchestrator.domain.turn_summary import TurnSummary

log = logging.getLogger(__name__)
CANCELLED = "This answer was stopped when the connection dropped. Please ask again."


class TurnCoordinator:
    def __init__(self, runner: TurnRunner, broker: NatsBroker, price: ModelPrice) -> None:
        """The runner's prompt variants also name each turn's variant in its summary."""
        self.runner = runner
        self.broker = broker
        self.price = price
        self.running: dict[str, asyncio.Task[None]] = {}

    async def take(self, turn: ChatTurnRequested) -> None:
        remaining = (turn.deadline - datetime.now(UTC)).total_seconds()
        if remaining <= 0:
            log.info("dropping a turn whose deadline has passed")
            return
        request = TurnInput(
            turn.conversation_id,
            turn.turn_id,
            turn.message,
            turn.session_id,
            turn.consent,
            deadline=time.monotonic() + remaining,
        )
        events = InsightsSink(
            NatsTurnEvents(self.broker, turn.conversation_id, turn.turn_id),
            TurnSummary(
                request, self.price, self.runner.prompts.variant_for(request.conversation_id)
            ),
            self.broker,
        )
        # Shutting down re-raises CancelledError here: the turn is delivered again to another
        # replica, which sums it up; otherwise a turn that never ended was left by the visitor.
        await self._run(request, events, remaining)
        await events.close()

    async def _run(self, request: TurnInput, events: InsightsSink, remaining: float) -> None:
        work = asyncio.create_task(self.runner.run(request, events))
        self.running[request.turn_id] = work
        try:
            async with asyncio.timeout(remaining):
                await work
        except TimeoutError:
            await events.emit(ErrorEvent(code="timeout", message="The answer took too long."))
        except asyncio.CancelledError:
            if not work.cancelled():
                raise  # this replica is shutting down: let the turn be redelivered
            log.info("turn cancelled by the visitor")
            # Straight to the gateway, past the insights (the turn was abandoned, not failed):
            # a visitor who resumes the turn after a dropped connection gets a clear end.
            await events.events.emit(ErrorEvent(code="cancelled", message=CANCELLED))
        except Exception:
            log.exception("turn failed")
            if not events.finished:
                await events.emit(
                    ErrorEvent(code="internal_error", message="Something went wrong on our side.")
                )
        finally:
            self.running.pop(request.turn_id, None)

    def cancel(self, turn_id: str) -> None:
        if (work := self.running.get(turn_id)) is not None:
            work.cancel()
