"""The tool-calling loop driven by the offline planner, with in-memory ports."""

from datetime import UTC, datetime
from decimal import Decimal

from copilot_contracts.chat import CitationEvent, ConfirmationEvent, ToolEvent
from copilot_contracts.tool_catalog import ALL_TOOLS, SEARCH_DOCS
from copilot_contracts.tools import (
    CreateOrderRequest,
    CreateOrderResult,
    DocPassage,
    OrderLine,
    SearchDocsResult,
    ToolError,
)
from copilot_orchestrator.domain.planner import OfflinePlanner
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)

PASSAGES = SearchDocsResult(
    passages=[
        DocPassage(
            doc_id="storing",
            title="How to Store Your Coffee Beans",
            url="https://x.test/storing#airtight",
            heading_path=["Use an airtight container"],
            text="Keep your beans in an airtight, opaque container. Clear jars let light in.",
            score=3.2,
        ),
        DocPassage(
            doc_id="storing",
            title="How to Store Your Coffee Beans",
            url="https://x.test/storing#fridge",
            heading_path=["Do not refrigerate"],
            text="Do not keep coffee beans in the refrigerator, it is damp.",
            score=2.0,
        ),
    ]
)
ORDER = CreateOrderResult(
    order_id="EO-1234ABCD",
    status="pending_confirmation",
    lines=[
        OrderLine(
            sku="EO-HB-250",
            name="House Blend",
            quantity=2,
            grind="whole bean",
            unit_price=Decimal("14.50"),
            line_total=Decimal("29.00"),
        )
    ],
    total=Decimal("29.00"),
    currency="USD",
    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
)


def _runner(transport: ScriptedTransport, history: MemoryHistory | None = None) -> TurnRunner:
    return TurnRunner(OfflinePlanner(), transport, history or MemoryHistory(), list(ALL_TOOLS), 3)


async def test_docs_question_is_answered_with_citations() -> None:
    transport = ScriptedTransport({"searchDocs": PASSAGES})
    sink = RecordingSink()
    history = MemoryHistory()
    await _runner(transport, history).run(
        TurnInput("c1", "t1", "How should I store my coffee beans?"), sink
    )
    assert sink.types()[-1] == "done"
    assert ToolEvent(name="searchDocs", status="succeeded") in sink.events
    assert sink.text().startswith("Offline assistant")
    assert "airtight" in sink.text() and "[1]" in sink.text()
    citations = [e for e in sink.events if isinstance(e, CitationEvent)]
    assert [c.url for c in citations] == [
        "https://x.test/storing#airtight",
        "https://x.test/storing#fridge",
    ]
    assert transport.requests[0][1].args.query == "How should I store my coffee beans?"  # type: ignore[attr-defined]
    assert [m["role"] for m in history.by_conversation["c1"]] == ["user", "assistant"]


async def test_order_request_carries_an_idempotency_key_and_asks_to_confirm() -> None:
    transport = ScriptedTransport({"createOrder": ORDER})
    sink = RecordingSink()
    await _runner(transport).run(
        TurnInput(
            "c2", "t2", "Order 2 bags of House Blend. My name is Ada Lovelace, ada@example.com"
        ),
        sink,
    )
    name, request = transport.requests[0]
    assert name == "createOrder" and isinstance(request, CreateOrderRequest)
    assert request.idempotency_key.startswith("c2:")
    [confirmation] = [e for e in sink.events if isinstance(e, ConfirmationEvent)]
    assert confirmation.action_id == "EO-1234ABCD"
    assert "Confirm" in sink.text()


async def test_order_without_contact_details_asks_for_them_without_a_tool_call() -> None:
    transport = ScriptedTransport({})
    sink = RecordingSink()
    await _runner(transport).run(TurnInput("c3", "t3", "I want to buy 2 House Blend"), sink)
    assert transport.requests == []
    assert "email" in sink.text() and sink.types()[-1] == "done"


async def test_a_failed_tool_is_explained_not_hidden() -> None:
    transport = ScriptedTransport(
        {"searchDocs": ToolError(code="tool_unavailable", message="The service is down.")}
    )
    sink = RecordingSink()
    await _runner(transport).run(TurnInput("c4", "t4", "What grind for espresso?"), sink)
    assert ToolEvent(name="searchDocs", status="failed") in sink.events
    assert "tool_unavailable" in sink.text()
    assert sink.types()[-1] == "done"


async def test_disabled_tools_are_not_offered() -> None:
    transport = ScriptedTransport({"searchDocs": SearchDocsResult(passages=[])})
    sink = RecordingSink()
    runner = TurnRunner(OfflinePlanner(), transport, MemoryHistory(), [SEARCH_DOCS], 3)
    await runner.run(TurnInput("c5", "t5", "The checkout is broken"), sink)
    assert [name for name, _ in transport.requests] == ["searchDocs"]
    assert "createGithubIssue" not in [getattr(e, "name", "") for e in sink.events]


async def test_an_order_completed_over_two_turns_is_prepared_with_the_session() -> None:
    transport = ScriptedTransport({"createOrder": ORDER})
    history = MemoryHistory()
    runner = _runner(transport, history)
    await runner.run(
        TurnInput("c6", "t6", "I'd like two bags of the house blend", "s" * 32), RecordingSink()
    )
    assert transport.requests == [], "name and email are still missing"
    sink = RecordingSink()
    await runner.run(TurnInput("c6", "t7", "I'm Ada Lovelace, ada@example.com", "s" * 32), sink)
    [(name, request)] = transport.requests
    assert name == "createOrder" and isinstance(request, CreateOrderRequest)
    assert request.session_id == "s" * 32
    assert [(i.product.lower(), i.quantity) for i in request.args.items] == [("house blend", 2)]
    assert request.args.customer.email == "ada@example.com"
    assert any(isinstance(e, ConfirmationEvent) for e in sink.events)
