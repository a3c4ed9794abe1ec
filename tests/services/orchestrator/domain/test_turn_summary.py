"""A turn summed up for the insights, from the events it streamed."""

from datetime import UTC, datetime
from decimal import Decimal

from copilot_contracts.chat import (
    CitationEvent,
    ConfirmationEvent,
    DeltaEvent,
    DoneEvent,
    ErrorEvent,
    ToolEvent,
    Usage,
)
from copilot_orchestrator.domain.budget import ModelPrice
from copilot_orchestrator.domain.turn import TurnInput
from copilot_orchestrator.domain.turn_summary import TurnSummary

PRICE = ModelPrice(input=Decimal("1"), output=Decimal("2"))
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def turn(consent: bool) -> TurnInput:
    return TurnInput("c1", "t1", "I'm ada@example.com: do you ship to Canada?", "s1", consent)


def test_an_answered_turn_keeps_its_tools_citations_prepared_actions_and_cost() -> None:
    summary = TurnSummary(turn(consent=True), PRICE)
    events = [
        ToolEvent(name="searchDocs", status="started"),
        ToolEvent(name="searchDocs", status="succeeded"),
        ToolEvent(name="createOrder", status="failed"),
        DeltaEvent(text="We do."),
        CitationEvent(title="Shipping", url="https://x/shipping", snippet="..."),
        ConfirmationEvent(action_id="EO-12345678", summary="1 bag", expires_at=LATER),
        ConfirmationEvent(action_id="GH-123456789ABC", summary="r", expires_at=LATER, kind="issue"),
    ]
    assert all(summary.observe(event) is None for event in events)
    ended = summary.observe(DoneEvent(usage=Usage(input_tokens=1000, output_tokens=500)))
    assert ended is not None
    assert (ended.outcome, ended.citations, ended.orders_prepared, ended.reports_prepared) == (
        "answered",
        1,
        1,
        1,
    )
    assert [(t.tool, t.ok) for t in ended.tools] == [("searchDocs", True), ("createOrder", False)]
    assert ended.actions == ["EO-12345678", "GH-123456789ABC"]
    assert ended.cost_usd == Decimal("0.002")  # 1000 at $1 and 500 at $2 per million
    assert ended.question is not None and "ada@example.com" not in ended.question
    assert "ship to Canada" in ended.question


def test_without_consent_the_question_is_not_kept() -> None:
    ended = TurnSummary(turn(consent=False), PRICE).observe(ErrorEvent(code="timeout", message="x"))
    assert ended is not None
    assert (ended.outcome, ended.error_code, ended.question) == ("failed", "timeout", None)


def test_a_turn_left_before_it_ended_is_abandoned() -> None:
    summary = TurnSummary(turn(consent=False), PRICE)
    summary.observe(ToolEvent(name="searchDocs", status="started"))
    assert summary.abandoned().outcome == "abandoned"
