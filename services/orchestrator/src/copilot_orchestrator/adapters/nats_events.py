"""Stream a turn's events back to the gateway on the turn's own subject."""

import time

from copilot_contracts import subjects
from copilot_contracts.chat import DeltaEvent, TurnEvent, TurnEventPublished
from faststream.nats import NatsBroker

# Model tokens arrive a few characters at a time. Sending each alone would cost a message
# (and a span) per token, so text is coalesced: it goes out when this much has gathered, when
# this long has passed since the last send, or before any other event.
COALESCE_CHARS = 160
COALESCE_S = 0.05


class NatsTurnEvents:
    def __init__(self, broker: NatsBroker, conversation_id: str, turn_id: str) -> None:
        self.broker = broker
        self.conversation_id = conversation_id
        self.turn_id = turn_id
        self.subject = subjects.chat_turn_events(turn_id)
        self.seq = 0
        self.finished = False
        self._pending: list[str] = []
        self._last_sent = 0.0

    async def emit(self, event: TurnEvent) -> None:
        if isinstance(event, DeltaEvent):
            self._pending.append(event.text)
            waited = time.monotonic() - self._last_sent
            if sum(map(len, self._pending)) >= COALESCE_CHARS or waited >= COALESCE_S:
                await self._flush()
            return
        await self._flush()
        await self._send(event)
        if event.type in ("done", "error"):
            self.finished = True

    async def _flush(self) -> None:
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            await self._send(DeltaEvent(text=text))

    async def _send(self, event: TurnEvent) -> None:
        self.seq += 1
        message = TurnEventPublished(
            conversation_id=self.conversation_id, turn_id=self.turn_id, seq=self.seq, event=event
        )
        # Straight on the connection: the gateway reads these bare (it carries no trace on
        # from them), and FastStream's publish, with its span, cost 8 times the CPU (173 µs
        # against 21 µs an event, measured), a dozen times a turn.
        await self.broker.connection.publish(self.subject, message.model_dump_json().encode())
        self._last_sent = time.monotonic()
