"""Every figure of the report against values worked out by hand (see the comments)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from copilot_contracts.insights import ToolUse, TurnAnswered
from copilot_insights.domain.report import (
    Activity,
    Confirmations,
    Decision,
    Rating,
    figures,
    variants,
)
from copilot_insights.domain.stats import Proportion

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def turn(
    n: int,
    conversation: str,
    session: str,
    variant: str,
    *,
    tools: tuple[tuple[str, bool], ...],
    citations: int = 0,
    tokens: int = 0,
    cost: str = "0",
    ms: int = 0,
    outcome: str = "answered",
    question: str | None = None,
    orders: int = 0,
    reports: int = 0,
    actions: tuple[str, ...] = (),
    error: str | None = None,
) -> TurnAnswered:
    return TurnAnswered(
        created_at=START + timedelta(minutes=n),
        conversation_id=conversation,
        turn_id=f"t{n}",
        session_id=session,
        variant=variant,
        consent=question is not None,
        question=question,
        outcome=outcome,  # type: ignore[arg-type]
        citations=citations,
        tools=[ToolUse(tool=name, ok=ok) for name, ok in tools],
        orders_prepared=orders,
        reports_prepared=reports,
        actions=list(actions),
        error_code=error,
        input_tokens=tokens,
        cost_usd=Decimal(cost),
        response_ms=ms,
    )


DOCS, ORDER, ISSUE = "searchDocs", "createOrder", "createGithubIssue"
TURNS = [
    turn(
        1,
        "c1",
        "s1",
        "A",
        tools=((DOCS, True),),
        citations=2,
        tokens=150,
        cost="0.001",
        ms=800,
        question="How do I store beans?",
    ),
    turn(
        2,
        "c2",
        "s2",
        "A",
        tools=((DOCS, True),),
        tokens=200,
        cost="0.002",
        ms=1000,
        question="Do you sell tea?",
    ),
    turn(
        3,
        "c2",
        "s2",
        "A",
        tools=((ORDER, True),),
        orders=1,
        actions=("EO-00000001",),
        tokens=300,
        cost="0.003",
        ms=1200,
    ),
    turn(
        4,
        "c3",
        "s3",
        "B",
        tools=((DOCS, True),),
        citations=1,
        tokens=100,
        cost="0.001",
        ms=600,
        question="What grind for espresso?",
    ),
    turn(
        5,
        "c4",
        "s4",
        "B",
        tools=((ISSUE, True),),
        reports=1,
        actions=("GH-000000000001",),
        tokens=50,
        cost="0.0005",
        ms=700,
    ),
    turn(6, "c4", "s4", "B", tools=((DOCS, False),), outcome="failed", error="timeout", ms=3000),
    turn(
        7,
        "c5",
        "s5",
        "B",
        tools=((ORDER, True),),
        orders=1,
        actions=("EO-00000002",),
        tokens=200,
        cost="0.0025",
        ms=900,
    ),
]
ACTIVITY = Activity(
    turns=TURNS,
    ratings=[Rating("c1", "t1", up=True), Rating("c3", "t4", up=False)],
    confirmed_orders={"c2"},
    decisions=[
        Decision("EO-00000001", "order", accepted=True),
        Decision("GH-000000000001", "issue", accepted=True),
    ],
    opened_sessions={f"s{n}" for n in range(1, 9)},
)


def test_the_whole_period() -> None:
    report = figures(ACTIVITY)
    assert (report.conversations, report.turns, report.avg_turns) == (5, 7, 1.4)
    assert report.engaged_sessions == Proportion(5, 8)  # s1..s5 chatted, s1..s8 opened
    assert report.satisfaction == Proportion(1, 2)  # c1 up, c3 down
    assert report.order_conversion == Proportion(1, 2)  # prepared in c2 and c5, confirmed c2
    # Answered from the docs: c1 and c3; c3 was rated down, so only c1 was deflected.
    assert report.deflection == Proportion(1, 2)
    assert report.tools == {
        ISSUE: Proportion(1, 1),
        ORDER: Proportion(2, 2),
        DOCS: Proportion(3, 4),  # t6's search failed
    }
    assert report.tokens_per_conversation == 200  # 1000 tokens over 5 conversations
    assert report.cost_per_conversation == Decimal("0.002")  # $0.01 over 5
    # Answered turns only: 600, 700, 800, 900, 1000, 1200 ms.
    assert report.p50_ms == pytest.approx(850) and report.p95_ms == pytest.approx(1150)
    # t2 searched and found nothing to cite; t4 was rated down. Newest first.
    assert report.unanswered == 2
    assert report.unanswered_questions == ["What grind for espresso?", "Do you sell tea?"]
    assert report.confirmations == {
        "order": Confirmations(prepared=2, accepted=1, declined=0),  # c5's never answered
        "issue": Confirmations(prepared=1, accepted=1, declined=0),
    }
    assert (report.failed_turns, report.errors, report.abandoned_turns) == (1, {"timeout": 1}, 0)


def test_one_variant() -> None:
    report = figures(ACTIVITY, variant="B")
    assert (report.conversations, report.turns) == (3, 4)
    assert report.avg_turns == pytest.approx(4 / 3)
    assert report.satisfaction == Proportion(0, 1)
    assert report.order_conversion == Proportion(0, 1)  # c5 prepared, never confirmed
    assert report.deflection == Proportion(0, 1)  # c3, rated down
    assert report.tools[DOCS] == Proportion(1, 2)
    assert report.engaged_sessions is None  # chosen per conversation, after the opening
    assert variants(ACTIVITY) == ["A", "B"]


def test_an_empty_period_is_a_report_of_nothing_not_an_error() -> None:
    report = figures(Activity(turns=[]))
    assert report.conversations == 0 and report.avg_turns is None
    assert report.satisfaction.rate is None and report.p95_ms is None
    assert report.engaged_sessions is None and report.unanswered_questions == []
    assert figures(ACTIVITY, variant="unknown").conversations == 0


def test_what_became_of_what_was_prepared_and_of_the_turns_that_did_not_answer() -> None:
    def prepared(n: int, conversation: str, action: str, cited: int = 0) -> TurnAnswered:
        tool = ISSUE if action.startswith("GH-") else ORDER
        return turn(
            n, conversation, f"s{n}", "A", tools=((tool, True),), actions=(action,), citations=cited
        )

    turns = [
        prepared(1, "c1", "EO-0000000A"),  # accepted
        prepared(2, "c2", "EO-0000000B"),  # declined
        prepared(3, "c3", "EO-0000000C"),  # never answered: the visitor left
        turn(4, "c3", "s3", "A", tools=(), outcome="abandoned"),  # left mid-answer too
        prepared(5, "c4", "GH-00000000000A", cited=1),  # answered from the docs, report sent
        prepared(6, "c5", "GH-00000000000B", cited=1),  # answered from the docs, declined
        turn(7, "c6", "s7", "A", tools=(), outcome="failed", error="llm_unavailable"),
        turn(8, "c6", "s7", "A", tools=(), outcome="failed", error="llm_unavailable"),
        turn(9, "c7", "s9", "A", tools=(), outcome="failed", error="timeout"),
    ]
    decisions = [
        Decision("EO-0000000A", "order", accepted=True),
        Decision("EO-0000000B", "order", accepted=False),
        Decision("GH-00000000000A", "issue", accepted=True),
        Decision("GH-00000000000B", "issue", accepted=False),
        Decision("EO-0000FFFF", "order", accepted=True),  # prepared before the period
    ]
    report = figures(Activity(turns=turns, decisions=decisions))
    assert report.confirmations == {
        "order": Confirmations(prepared=3, accepted=1, declined=1),
        "issue": Confirmations(prepared=2, accepted=1, declined=1),
    }
    assert report.confirmations["order"].unanswered == 1
    # From the docs: c4 and c5; c4 sent a report to the team, so only c5 was deflected.
    assert report.deflection == Proportion(1, 2)
    assert report.failed_turns == 3
    assert report.errors == {"llm_unavailable": 2, "timeout": 1}
    assert report.abandoned_turns == 1


def test_summaries_from_before_they_named_what_they_prepared_count_as_they_did() -> None:
    legacy = [
        turn(1, "c1", "s1", "A", tools=((DOCS, True), (ISSUE, True)), citations=1, reports=1),
        turn(2, "c2", "s2", "A", tools=((ORDER, True),), orders=2),
        turn(3, "c3", "s3", "A", tools=((DOCS, True),), citations=1),
    ]
    report = figures(Activity(turns=legacy))
    # c1 prepared a report: not deflected, as before; only c3 was.
    assert report.deflection == Proportion(1, 2)
    assert report.confirmations["order"] == Confirmations(prepared=2)
    assert report.confirmations["issue"] == Confirmations(prepared=1)
