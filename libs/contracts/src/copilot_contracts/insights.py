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
    actions: list[str] = Field(
        default_factory=list, description="The orders (EO-…) and reports (GH-…) prepared."
    )
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    response_ms: int = Field(ge=0, description="From the turn's start to its last event.")


class InsightsQuery(Message):
    """Staff ask for the report of the last `days` days, for one prompt variant or all."""

    days: int = Field(default=7, ge=1, le=366)
    variant: str | None = Field(default=None, max_length=60)


class Share(Message):
    """A proportion: `hits` of `total`, its rate and its 95 % (Wilson) interval."""

    hits: int
    total: int
    rate: float | None = None
    low: float | None = None
    high: float | None = None


class ConfirmationsView(Message):
    """What became of the orders or reports prepared: accepted, declined, or left without an
    answer (the visitor abandoned it)."""

    prepared: int = 0
    accepted: int = 0
    declined: int = 0
    unanswered: int = 0


class FiguresView(Message):
    conversations: int
    turns: int
    engaged_sessions: Share | None = None
    avg_turns: float | None = None
    satisfaction: Share
    order_conversion: Share
    deflection: Share
    tools: dict[str, Share] = Field(default_factory=dict)
    tokens_per_conversation: float | None = None
    cost_per_conversation_usd: Decimal | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    unanswered: int = 0
    unanswered_questions: list[str] = Field(default_factory=list)
    confirmations: dict[str, ConfirmationsView] = Field(
        default_factory=dict, description='By kind: "order" and "issue" (reports).'
    )
    failed_turns: int = 0
    errors: dict[str, int] = Field(default_factory=dict, description="Failed turns by code.")
    abandoned_turns: int = Field(default=0, description="Left by the visitor mid-answer.")


class VariantComparison(Message):
    """How variant `b` differs from `a` on one figure (b's rate minus a's)."""

    figure: str
    a: str
    b: str
    delta: float
    low: float
    high: float
    decided: bool
    verdict: str


class QuestionGroupView(Message):
    """Consented questions of like meaning: what visitors ask most."""

    label: str
    size: int
    examples: list[str] = Field(default_factory=list)


class InsightsReport(Message):
    since: datetime
    until: datetime
    overall: FiguresView
    top_questions: list[QuestionGroupView] = Field(default_factory=list)
    variants: dict[str, FiguresView] = Field(default_factory=dict)
    comparisons: list[VariantComparison] = Field(default_factory=list)
    note: str | None = Field(default=None, description="Why a part is empty, in plain words.")
