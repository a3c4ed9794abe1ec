"""The model's span follows the GenAI conventions; message content only when switched on,
and then redacted."""

from collections.abc import Iterator

import pytest
from copilot_contracts.tool_catalog import ALL_TOOLS
from copilot_orchestrator.adapters.openai_client import openai_client
from copilot_orchestrator.adapters.openai_model import OpenAIChatModel
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)
from tests.support.scripted_llm import Reply, ScriptedLLM

MESSAGE = "My email is ada@example.com, what grind for espresso?"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()


async def chat_span(exporter: InMemorySpanExporter, capture: bool) -> dict[str, object]:
    with ScriptedLLM([Reply.say("Fine, for ada@example.com: a fine grind.")]) as llm:
        async with openai_client(llm.base_url, "test-key", 60.0) as client:
            model = OpenAIChatModel(client, "scripted-model", capture_content=capture)
            runner = TurnRunner(model, ScriptedTransport({}), MemoryHistory(), list(ALL_TOOLS), 2)
            await runner.run(TurnInput("conv-span", "turn-span", MESSAGE), RecordingSink())
    [span] = [s for s in exporter.get_finished_spans() if s.name == "chat scripted-model"]
    return dict(span.attributes or {})


async def test_the_span_carries_model_usage_and_finish_reason_but_no_content(
    spans: InMemorySpanExporter,
) -> None:
    attributes = await chat_span(spans, capture=False)
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == "scripted-model"
    assert int(attributes["gen_ai.usage.input_tokens"]) > 0  # type: ignore[call-overload]
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert "gen_ai.input.messages" not in attributes
    assert "ada@example.com" not in str(attributes)


async def test_captured_content_is_redacted(spans: InMemorySpanExporter) -> None:
    attributes = await chat_span(spans, capture=True)
    captured = str(attributes["gen_ai.input.messages"]) + str(attributes["gen_ai.output.messages"])
    assert "what grind for espresso" in captured and "a fine grind" in captured
    assert "ada@example.com" not in captured and "[redacted email]" in captured
