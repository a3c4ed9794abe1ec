"""The insights report: what visitors ask, what the copilot fails at, whether it pays.

Pure: it takes the period's activity (turn summaries, ratings, confirmed orders, filed
reports, opened widgets) and computes the figures, for all conversations or one prompt
variant. Definitions, as the team reads them:
- engaged sessions: sessions with at least one turn, over sessions that opened the widget;
- satisfaction: thumbs up over thumbs up and down;
- order conversion: conversations with a confirmed order, over those that prepared one;
- deflection: conversations answered from the docs (a cited answer) with no report filed
  and no thumbs-down, over all conversations answered from the docs;
- unanswered: docs questions that found nothing to cite, or answers rated down."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from copilot_contracts.insights import TurnAnswered

from copilot_insights.domain.stats import Proportion, percentile

DOCS_TOOL = "searchDocs"


@dataclass(frozen=True)
class Rating:
    conversation_id: str
    turn_id: str
    up: bool


@dataclass(frozen=True)
class Activity:
    turns: list[TurnAnswered]
    ratings: list[Rating] = field(default_factory=list)
    confirmed_orders: set[str] = field(default_factory=set)
    """Conversations in which an order was confirmed."""
    filed_reports: set[str] = field(default_factory=set)
    """Conversations from which a report was sent to the web team."""
    opened_sessions: set[str] | None = None
    """Sessions that opened the widget, where that is known."""


@dataclass(frozen=True)
class Figures:
    conversations: int
    turns: int
    engaged_sessions: Proportion | None
    avg_turns: float | None
    satisfaction: Proportion
    order_conversion: Proportion
    deflection: Proportion
    tools: dict[str, Proportion]
    tokens_per_conversation: float | None
    cost_per_conversation: Decimal | None
    p50_ms: float | None
    p95_ms: float | None
    unanswered: int
    unanswered_questions: list[str]
    """The consented ones, redacted, newest first: the docs to write next."""


def figures(activity: Activity, variant: str | None = None) -> Figures:
    turns = [t for t in activity.turns if variant is None or t.variant == variant]
    conversations = {t.conversation_id for t in turns}
    ratings = [r for r in activity.ratings if r.conversation_id in conversations]
    rated_down = {r.turn_id for r in ratings if not r.up}
    prepared = {t.conversation_id for t in turns if t.orders_prepared}
    from_docs = {t.conversation_id for t in turns if t.citations and t.outcome == "answered"}
    thumbs_down = {r.conversation_id for r in ratings if not r.up}
    deflected = from_docs - thumbs_down - activity.filed_reports
    deflected -= {t.conversation_id for t in turns if t.reports_prepared}
    tools: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for turn in turns:
        for use in turn.tools:
            tools[use.tool][0] += use.ok
            tools[use.tool][1] += 1
    unanswered = [
        t
        for t in turns
        if t.turn_id in rated_down
        or (t.outcome == "answered" and not t.citations and _asked_docs(t))
    ]
    count = len(conversations)
    sessions = {t.session_id for t in turns if t.session_id}
    answered_ms = [float(t.response_ms) for t in turns if t.outcome == "answered"]
    return Figures(
        conversations=count,
        turns=len(turns),
        engaged_sessions=(
            None
            if activity.opened_sessions is None
            else Proportion(len(sessions & activity.opened_sessions), len(activity.opened_sessions))
        ),
        avg_turns=len(turns) / count if count else None,
        satisfaction=Proportion(sum(r.up for r in ratings), len(ratings)),
        order_conversion=Proportion(len(prepared & activity.confirmed_orders), len(prepared)),
        deflection=Proportion(len(deflected), len(from_docs)),
        tools={name: Proportion(ok, calls) for name, (ok, calls) in sorted(tools.items())},
        tokens_per_conversation=(
            sum(t.input_tokens + t.output_tokens for t in turns) / count if count else None
        ),
        cost_per_conversation=sum((t.cost_usd for t in turns), Decimal(0)) / count
        if count
        else None,
        p50_ms=percentile(answered_ms, 0.5),
        p95_ms=percentile(answered_ms, 0.95),
        unanswered=len(unanswered),
        unanswered_questions=[
            t.question
            for t in sorted(unanswered, key=lambda t: t.created_at, reverse=True)
            if t.question
        ],
    )


def _asked_docs(turn: TurnAnswered) -> bool:
    return any(use.tool == DOCS_TOOL for use in turn.tools)


def variants(activity: Activity) -> list[str]:
    return sorted({t.variant for t in activity.turns})
