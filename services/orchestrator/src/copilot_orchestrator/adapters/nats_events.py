"""Stream a turn's events back to the gateway on the turn's own subject."""

from copilot_contracts import subjects
from copilot_contracts.chat import TurnEvent, TurnEventPublished
from faststream.nats import NatsBroker


class NatsTurnEvents:
    def __init__(self, broker: NatsBroker, conversation_id: str, turn_id: str) -> None:
        self.broker = broker
        self.conversation_id = conversation_id
        self.turn_id = turn_id
        self.subject = subjects.chat_turn_events(turn_id)
        self.seq = 0
        self.finished = False

    async def emit(self, event: TurnEvent) -> None:
        self.seq += 1
        message = TurnEventPublished(
            conversation_id=self.conversation_id, turn_id=self.turn_id, seq=self.seq, event=event
        )
        await self.broker.publish(message, self.subject)
        if event.type in ("done", "error"):
            self.finished = True
