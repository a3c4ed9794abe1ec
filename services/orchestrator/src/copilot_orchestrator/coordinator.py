"""Runs turns on this replica: deadlines, cancellation, and an error event for any failure."""

import asyncio
import logging
from datetime import UTC, datetime

from copilot_contracts.chat import ChatTurnRequested, ErrorEvent
from faststream.nats import NatsBroker

from copilot_orchestrator.adapters.nats_events import NatsTurnEvents
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner

log = logging.getLogger(__name__)


class TurnCoordinator:
    def __init__(self, runner: TurnRunner, broker: NatsBroker) -> None:
        self.runner = runner
        self.broker = broker
        self.running: dict[str, asyncio.Task[None]] = {}

    async def take(self, turn: ChatTurnRequested) -> None:
        events = NatsTurnEvents(self.broker, turn.conversation_id, turn.turn_id)
        remaining = (turn.deadline - datetime.now(UTC)).total_seconds()
        if remaining <= 0:
            log.info("dropping a turn whose deadline has passed")
            return
        work = asyncio.create_task(
            self.runner.run(
                TurnInput(
                    turn.conversation_id, turn.turn_id, turn.message, turn.session_id, turn.consent
                ),
                events,
            )
        )
        self.running[turn.turn_id] = work
        try:
            async with asyncio.timeout(remaining):
                await work
        except TimeoutError:
            await events.emit(ErrorEvent(code="timeout", message="The answer took too long."))
        except asyncio.CancelledError:
            if not work.cancelled():
                raise  # this replica is shutting down: let the turn be redelivered
            log.info("turn cancelled by the visitor")
        except Exception:
            log.exception("turn failed")
            if not events.finished:
                await events.emit(
                    ErrorEvent(code="internal_error", message="Something went wrong on our side.")
                )
        finally:
            self.running.pop(turn.turn_id, None)

    def cancel(self, turn_id: str) -> None:
        if (work := self.running.get(turn_id)) is not None:
            work.cancel()
