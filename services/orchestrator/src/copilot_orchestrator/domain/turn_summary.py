"""What the insights keep of a turn, read from the events the turn streams."""

import time
from decimal import Decimal
from typing import Literal

from copilot_contracts.chat import TurnEvent, Usage
from copilot_contracts.insights import ToolUse, TurnAnswered
from copilot_service_defaults.redaction import redact

from copilot_orchestrator.domain.budget import MICRO, ModelPrice, cost_micro_usd
from copilot_orchestrator.domain.turn import TurnInput


class TurnSummary:
    def __init__(self, turn: TurnInput, price: ModelPrice, variant: str = "default") -> None:
        self.turn = turn
        self.price = price
        self.variant = variant
        self.started = time.perf_counter()
        self.tools: list[ToolUse] = []
        self.citations = 0
        self.orders = 0
        self.reports = 0
        self.actions: list[str] = []
        self.ended: TurnAnswered | None = None

    def observe(self, event: TurnEvent) -> TurnAnswered | None:
        """Note the event; the turn's summary once it has ended (else None)."""
        if event.type == "tool" and event.status != "started":
            self.tools.append(ToolUse(tool=event.name, ok=event.status == "succeeded"))
        elif event.type == "citation":
            self.citations += 1
        elif event.type == "confirmation":
            self.actions.append(event.action_id)
            if event.kind == "issue":
                self.reports += 1
            else:
                self.orders += 1
        elif event.type == "done":
            return self._end("answered", event.usage.input_tokens, event.usage.output_tokens)
        elif event.type == "error":
            return self._end("failed", error_code=event.code)
        return None

    def abandoned(self) -> TurnAnswered:
        """The visitor left before the turn ended."""
        return self.ended or self._end("abandoned")

    def _end(
        self,
        outcome: Literal["answered", "failed", "abandoned"],
        input_tokens: int = 0,
        output_tokens: int = 0,
        error_code: str | None = None,
    ) -> TurnAnswered:
        usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
        self.ended = TurnAnswered(
            conversation_id=self.turn.conversation_id,
            turn_id=self.turn.turn_id,
            session_id=self.turn.session_id,
            consent=self.turn.consent,
            variant=self.variant,
            question=redact(self.turn.message) if self.turn.consent else None,
            outcome=outcome,
            error_code=error_code,
            citations=self.citations,
            tools=self.tools,
            orders_prepared=self.orders,
            reports_prepared=self.reports,
            actions=self.actions,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=Decimal(cost_micro_usd(self.price, usage)) / MICRO,
            response_ms=int((time.perf_counter() - self.started) * 1000),
        )
        return self.ended
