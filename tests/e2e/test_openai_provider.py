"""The same system driven by a model over the OpenAI API (OPENAI_BASE_URL, real SDK, real HTTP)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import own_nats_server, wait_until
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.scripted_llm import Reply, ScriptedLLM, ToolCall


def _model(body: dict[str, Any]) -> Reply:
    """Searches the docs for the question, then answers citing the first passage."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return Reply.say("Keep the beans airtight and away from light [1].")
    return Reply.tools(ToolCall("searchDocs", {"query": last["content"]}))


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM(_model) as server:
        yield server


@pytest.fixture(scope="module")
def system(llm: ScriptedLLM, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # A bus of its own: on a shared one, the offline system's orchestrator would take turns too.
    data_dir = Path(tmp_path_factory.mktemp("openai-system"))
    with (
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
        running_system(
            nats,
            data_dir,
            receiver,
            LLM_PROVIDER="openai",
            OPENAI_API_KEY="sk-test-not-a-real-key",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_MODEL="scripted-model",
        ) as running,
    ):
        yield running


def test_model_turn_uses_the_tools_and_cites(system: RunningSystem, llm: ScriptedLLM) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "How should I store my coffee beans?")
    answer = "".join(str(d["text"]) for e, d in events if e == "delta")
    assert answer == "Keep the beans airtight and away from light [1]."
    citations = [d for e, d in events if e == "citation"]
    assert len(citations) == 1 and "storing-coffee-beans" in str(citations[0]["url"])
    done = events[-1]
    assert done[0] == "done" and done[1]["usage"]["input_tokens"] > 0
    tool_message = llm.requests[-1]["messages"][-1]
    assert "How to Store Your Coffee Beans" in tool_message["content"]
    logs = "".join(p.read_text() for p in system.data_dir.glob("*.log"))
    assert "sk-test-not-a-real-key" not in logs, "the API key never reaches the logs"


def test_llm_calls_are_traced_with_genai_attributes(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "What grind for French press?")
    trace_id = str(events[0][1]["trace_id"])

    def llm_spans() -> list[Any]:
        return [s for s in system.receiver.trace(trace_id) if s.name == "chat scripted-model"]

    wait_until(lambda: len(llm_spans()) == 2, timeout=15)
    for span in llm_spans():
        assert span.service == "orchestrator"
        assert span.attributes["gen_ai.request.model"] == "scripted-model"
        assert int(str(span.attributes["gen_ai.usage.input_tokens"])) > 0
        assert not any("prompt" in key or "content" in key for key in span.attributes)
    chat_span_ids = {span.span_id for span in llm_spans()}

    def http_under_each_call() -> bool:
        spans = system.receiver.trace(trace_id)
        http = [s for s in spans if s.parent_span_id in chat_span_ids and s.name == "POST"]
        return len(http) >= 2

    wait_until(http_under_each_call, timeout=15)
    http = [s for s in system.receiver.trace(trace_id) if s.parent_span_id in chat_span_ids]
    assert all("/v1/chat/completions" in str(s.attributes.get("http.url")) for s in http)
