"""What happened in a conversation, as past-tense events for the team's insights.

Only what the figures need travels: counts, outcomes, tools, tokens and timings. The
visitor's question travels only with their consent, and redacted."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from copilot_contracts.envelope import Message, new_id, utc_now


class ToolUse(Message):
    tool: str
    ok: bool


class TurnAnswered(Message):
    """A chat turn ended: answered, failed with an error, or left by the visitor."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    conversation_id: str
    turn_id: str
    session_id: str | None = None
    consent: bool = False
    variant: str = Field(default="default", description="The system prompt's variant.")
    question: str | None = Field(
        default=None, description="The visitor's message, redacted; only with consent."
    )
    outcome: Literal["answered", "failed", "abandoned"]
    error_code: str | None = None
    citations: int = 0
    tools: list[ToolUse] = Field(default_factory=list)
    orders_prepared: int = 0
    reports_prepared: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    response_ms: int = Field(ge=0, description="From the turn's start to its last event.")
