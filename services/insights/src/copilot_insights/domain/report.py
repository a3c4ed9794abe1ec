"""The insights report: what visitors ask, what the copilot fails at, whether it pays.

Pure: it takes the period's activity (turn summaries, ratings, confirmed orders, the
visitors' answers to confirmations, opened widgets) and computes the figures, for all
conversations or one prompt variant. Definitions, as the team reads them:
- engaged sessions: sessions that opened the widget and asked at least once, over sessions
  that opened the widget;
- satisfaction: thumbs up over thumbs up and down;
- order conversion: conversations with a confirmed order, over those that prepared one;
- deflection: conversations answered from the docs (a cited answer) with no report sent and
  no thumbs-down, over all conversations answered from the docs;
- confirmations: of the orders and reports prepared, how many the visitor accepted,
  declined, or left without an answer (abandoned);
- failed turns (by error code) and abandoned turns (the visitor left before the answer);
- unanswered: docs questions that found nothing to cite, or answers rated down."""

from collections import Counter, defaultdict
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
class Decision:
    """The visitor's answer to a prepared order (EO-…) or report (GH-…)."""

    action_id: str
    kind: str
    accepted: bool


@dataclass(frozen=True)
class Activity:
    turns: list[TurnAnswered]
    ratings: list[Rating] = field(default_factory=list)
    confirmed_orders: set[str] = field(default_factory=set)
    """Conversations in which an order was confirmed."""
    decisions: list[Decision] = field(default_factory=list)
    opened_sessions: set[str] | None = None
    """Sessions that opened the widget, where that is known."""


@dataclass(frozen=True)
class Confirmations:
    prepared: int = 0
    accepted: int = 0
    declined: int = 0

    @property
    def unanswered(self) -> int:
        return self.prepared - self.accepted - self.declined


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
    confirmations: dict[str, Confirmations] = field(default_factory=dict)
    """By kind: "order", "issue"."""
    failed_turns: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    """Failed turns by error code."""
    abandoned_turns: int = 0


def figures(activity: Activity, variant: str | None = None) -> Figures:
    turns = [t for t in activity.turns if variant is None or t.variant == variant]
    conversations = {t.conversation_id for t in turns}
    ratings = [r for r in activity.ratings if r.conversation_id in conversations]
    rated_down = {r.turn_id for r in ratings if not r.up}
    prepared = {t.conversation_id for t in turns if t.orders_prepared}
    from_docs = {t.conversation_id for t in turns if t.citations and t.outcome == "answered"}
    thumbs_down = {r.conversation_id for r in ratings if not r.up}
    confirmations, sent_from = _confirmations(turns, activity.decisions)
    deflected = from_docs - thumbs_down - sent_from
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
        # A variant is chosen per conversation, after the widget was opened: engagement
        # belongs to all conversations, not to one variant.
        engaged_sessions=(
            None
            if activity.opened_sessions is None or variant is not None
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
        confirmations=confirmations,
        failed_turns=sum(t.outcome == "failed" for t in turns),
        errors=dict(
            sorted(
                Counter(t.error_code or "unknown" for t in turns if t.outcome == "failed").items()
            )
        ),
        abandoned_turns=sum(t.outcome == "abandoned" for t in turns),
    )


def _confirmations(
    turns: list[TurnAnswered], decisions: list[Decision]
) -> tuple[dict[str, Confirmations], set[str]]:
    """Per kind, what became of what the turns prepared; and the conversations from which a
    report was sent."""
    conversation_of = {action: t.conversation_id for t in turns for action in t.actions}
    answered = {d.action_id: d for d in decisions if d.action_id in conversation_of}
    # Summaries from before they named what they prepared: counted as prepared, fate unknown.
    unnamed = [t for t in turns if not t.actions]
    found: dict[str, Confirmations] = {}
    for kind, prefix in (("order", "EO-"), ("issue", "GH-")):
        mine = [a for a in conversation_of if a.startswith(prefix)]
        found[kind] = Confirmations(
            prepared=len(mine)
            + sum(t.orders_prepared if kind == "order" else t.reports_prepared for t in unnamed),
            accepted=sum(a in answered and answered[a].accepted for a in mine),
            declined=sum(a in answered and not answered[a].accepted for a in mine),
        )
    sent_from = {
        conversation_of[a] for a, d in answered.items() if d.kind == "issue" and d.accepted
    }
    sent_from |= {t.conversation_id for t in unnamed if t.reports_prepared}  # as they were
    return found, sent_from


def _asked_docs(turn: TurnAnswered) -> bool:
    return any(use.tool == DOCS_TOOL for use in turn.tools)


def variants(activity: Activity) -> list[str]:
    return sorted({t.variant for t in activity.turns})
