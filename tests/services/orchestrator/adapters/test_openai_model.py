"""The tool-calling loop through the real `openai` SDK against a scripted HTTP server."""

from collections.abc import Iterator
from typing import Any

import pytest
from copilot_contracts.chat import CitationEvent, ErrorEvent, ToolEvent
from copilot_contracts.tool_catalog import ALL_TOOLS
from copilot_contracts.tools import CreateGithubIssueResult, SearchDocsRequest
from copilot_orchestrator.adapters.openai_client import openai_client
from copilot_orchestrator.adapters.openai_model import OpenAIChatModel
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)
from tests.services.orchestrator.domain.test_turn import PASSAGES
from tests.support.scripted_llm import Reply, ScriptedLLM, ToolCall

ISSUE = CreateGithubIssueResult(title="Checkout fails", dry_run=False, number=7, url="https://x/7")
MAX_ROUNDS = 3


def _run(llm: ScriptedLLM, message: str) -> tuple[RecordingSink, ScriptedTransport]:
    import asyncio

    transport = ScriptedTransport({"searchDocs": PASSAGES, "createGithubIssue": ISSUE})
    sink = RecordingSink()

    async def turn() -> None:
        async with openai_client(llm.base_url, "test-key", 60.0) as client:
            runner = TurnRunner(
                OpenAIChatModel(client, "scripted-model"),
                transport,
                MemoryHistory(),
                list(ALL_TOOLS),
                MAX_ROUNDS,
            )
            await runner.run(TurnInput("conv1", "turn1", message), sink)

    asyncio.run(turn())
    return sink, transport


@pytest.fixture
def llm(request: pytest.FixtureRequest) -> Iterator[ScriptedLLM]:
    with ScriptedLLM(request.param) as server:
        yield server


@pytest.mark.parametrize(
    "llm", [[Reply.say("Hello! Ask me anything about our coffee.")]], indirect=True
)
def test_turn_without_a_tool(llm: ScriptedLLM) -> None:
    sink, transport = _run(llm, "Hi there")
    assert sink.text() == "Hello! Ask me anything about our coffee."
    assert sink.types().count("delta") >= 2, "streamed, not in one piece"
    done = sink.events[-1]
    assert done.type == "done" and done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    assert transport.requests == []
    [request] = llm.requests
    assert request["stream"] is True and request["stream_options"] == {"include_usage": True}
    assert request["messages"][0]["role"] == "system"
    assert {t["function"]["name"] for t in request["tools"]} == {t.name for t in ALL_TOOLS}
    assert "max_completion_tokens" not in request, "no cap unless one is configured"
    assert llm.authorizations == ["Bearer test-key"]


@pytest.mark.parametrize(
    "llm",
    [
        [
            Reply.tools(ToolCall("searchDocs", {"query": "store beans"})),
            Reply.say("Keep them in an airtight, opaque container [1]."),
        ]
    ],
    indirect=True,
)
def test_turn_with_one_tool_call(llm: ScriptedLLM) -> None:
    sink, transport = _run(llm, "How do I store beans?")
    [(name, request)] = transport.requests
    assert name == "searchDocs" and isinstance(request, SearchDocsRequest)
    assert request.args.query == "store beans"
    assert ToolEvent(name="searchDocs", status="succeeded") in sink.events
    citations = [e for e in sink.events if isinstance(e, CitationEvent)]
    assert [c.url for c in citations] == ["https://x.test/storing#airtight"]
    follow_up = llm.requests[1]["messages"]
    assistant, tool = follow_up[-2], follow_up[-1]
    assert assistant["tool_calls"][0]["function"]["name"] == "searchDocs"
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert '<untrusted-data source="searchDocs">' in tool["content"]
    assert sink.types()[-1] == "done"


@pytest.mark.parametrize(
    "llm",
    [
        [
            Reply.tools(
                ToolCall("searchDocs", {"query": "checkout"}),
                ToolCall(
                    "createGithubIssue",
                    {"title": "Checkout fails", "body": "Button dead", "labels": ["bug"]},
                ),
            ),
            Reply.say("I filed issue #7 and found the help page [1]."),
        ]
    ],
    indirect=True,
)
def test_turn_with_two_tool_calls_in_one_response(llm: ScriptedLLM) -> None:
    sink, transport = _run(llm, "The checkout button does nothing")
    assert sorted(name for name, _ in transport.requests) == ["createGithubIssue", "searchDocs"]
    tool_events = [e for e in sink.events if isinstance(e, ToolEvent)]
    assert [e.status for e in tool_events].count("succeeded") == 2
    messages = llm.requests[1]["messages"]
    call_ids = [c["id"] for c in messages[-3]["tool_calls"]]
    assert [m["tool_call_id"] for m in messages[-2:]] == call_ids
    assert sink.text().endswith("found the help page [1].")


def _always_searching(body: dict[str, Any]) -> Reply:
    return Reply.tools(ToolCall("searchDocs", {"query": "again"}))


@pytest.mark.parametrize("llm", [_always_searching], indirect=True)
def test_turn_that_hits_the_loop_limit(llm: ScriptedLLM) -> None:
    sink, transport = _run(llm, "Loop forever")
    assert len(llm.requests) == MAX_ROUNDS + 1
    assert "tools" not in llm.requests[-1], "the last call offers no tools"
    assert len(transport.requests) == MAX_ROUNDS, "tool calls made without an offer are not run"
    last = sink.events[-1]
    assert isinstance(last, ErrorEvent) and last.code == "tool_loop_limit"


@pytest.mark.parametrize(
    "llm",
    [
        [
            Reply.tools(
                ToolCall("searchDocs", '{"query": "unterminated'), ToolCall("deleteEverything", {})
            ),
            Reply.say("Sorry, I could not search."),
        ]
    ],
    indirect=True,
)
def test_malformed_arguments_and_unknown_tools_go_back_to_the_model(llm: ScriptedLLM) -> None:
    sink, transport = _run(llm, "Search please")
    assert transport.requests == [], "nothing invalid is dispatched"
    results = [m["content"] for m in llm.requests[1]["messages"] if m["role"] == "tool"]
    assert "invalid_arguments" in results[0] and "unknown_tool" in results[1]
    assert sink.types()[-1] == "done"


@pytest.mark.parametrize("llm", [[Reply.error(500)]], indirect=True)
def test_model_failure_ends_the_turn_with_a_clear_error(llm: ScriptedLLM) -> None:
    sink, _ = _run(llm, "Hello")
    last = sink.events[-1]
    assert isinstance(last, ErrorEvent) and last.code == "llm_unavailable"
    assert "language model" in last.message
