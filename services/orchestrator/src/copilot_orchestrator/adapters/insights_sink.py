"""A turn's events, passed on to the gateway and summed up for the insights: when the turn
ends (or the visitor leaves), its summary goes to the COPILOT_INSIGHTS stream, on the subject
of how it ended: copilot.v1.insights.turn.answered, .failed or .abandoned."""

import logging

from copilot_contracts import subjects
from copilot_contracts.chat import TurnEvent
from copilot_contracts.insights import TurnAnswered
from faststream.nats import NatsBroker

from copilot_orchestrator.adapters.nats_events import NatsTurnEvents
from copilot_orchestrator.domain.turn_summary import TurnSummary

log = logging.getLogger(__name__)


class InsightsSink:
    def __init__(self, events: NatsTurnEvents, summary: TurnSummary, broker: NatsBroker) -> None:
        self.events = events
        self.summary = summary
        self.broker = broker
        self.published = False

    @property
    def finished(self) -> bool:
        return self.events.finished

    async def emit(self, event: TurnEvent) -> None:
        await self.events.emit(event)
        if (ended := self.summary.observe(event)) is not None:
            await self.publish(ended)

    async def close(self) -> None:
        """After the turn's work: a turn that never ended was left by the visitor."""
        if not self.published:
            await self.publish(self.summary.abandoned())

    async def publish(self, summary: TurnAnswered) -> None:
        if self.published:
            return
        self.published = True
        try:  # the visitor's answer never waits on, or fails for, the insights
            await self.broker.publish(
                summary,
                subjects.turn_ended(summary.outcome),
                stream=subjects.INSIGHTS_STREAM,
                headers={"Nats-Msg-Id": f"turn-answered-{summary.turn_id}"},
                timeout=5.0,
            )
        except Exception as exc:
            log.warning("turn summary not recorded: %s", type(exc).__name__)
