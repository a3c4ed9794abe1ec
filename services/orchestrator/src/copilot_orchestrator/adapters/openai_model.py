"""A ChatModel on the OpenAI chat completions API, or any server that speaks it."""

import json
import time
from typing import Any, cast

import openai
from copilot_contracts.chat import Usage
from copilot_contracts.tool_catalog import ToolSpec
from copilot_service_defaults.redaction import redact
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import (
    ModelResponse,
    ModelUnavailableError,
    TextSink,
    ToolCall,
)

tracer = trace.get_tracer(__name__)
LLM_REQUESTS = Counter("llm_requests", "Calls to the language model.", ["status"])
LLM_SECONDS = Histogram(
    "llm_request_seconds",
    "Time a call to the language model took, its stream read to the end.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)


CAPTURED_CHARS = 8_000


def _captured(value: object) -> str:
    """Message content for a span, when capturing is switched on: redacted and bounded."""
    return redact(json.dumps(value, ensure_ascii=False, default=str))[:CAPTURED_CHARS]


class OpenAIChatModel:
    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        provider: str = "openai",
        capture_content: bool = False,
    ) -> None:
        self.client = client
        self.name = model
        self.provider = provider
        self.capture_content = capture_content

    async def respond(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        # Span per the OpenTelemetry GenAI conventions; prompts and answers are recorded
        # only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is on, redacted.
        with tracer.start_as_current_span(
            f"chat {self.name}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": self.provider,
                "gen_ai.request.model": self.name,
            },
        ) as span:
            started = time.perf_counter()
            try:
                response = await self._stream(state, tools, on_text)
            except openai.OpenAIError as exc:
                span.set_attribute("error.type", type(exc).__name__)
                LLM_REQUESTS.labels("error").inc()
                raise ModelUnavailableError(_describe(exc)) from exc
            LLM_REQUESTS.labels("ok").inc()
            LLM_SECONDS.observe(time.perf_counter() - started)
            span.set_attribute("gen_ai.usage.input_tokens", response.usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", response.usage.output_tokens)
            span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
            if self.capture_content:
                span.set_attribute("gen_ai.input.messages", _captured(state.messages))
                output = {
                    "text": response.text,
                    "tool_calls": [c.name for c in response.tool_calls],
                }
                span.set_attribute("gen_ai.output.messages", _captured(output))
            return response

    async def _stream(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        schemas: Any = [tool.openai_schema() for tool in tools]
        stream = await self.client.chat.completions.create(
            model=self.name,
            messages=cast(Any, state.messages),
            stream=True,
            stream_options={"include_usage": True},
            tools=schemas if tools else openai.omit,
        )
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        result = ModelResponse()
        async for chunk in stream:
            if chunk.usage is not None:
                result.usage = Usage(
                    input_tokens=chunk.usage.prompt_tokens,
                    output_tokens=chunk.usage.completion_tokens,
                )
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    await on_text(delta.content)
                for part in delta.tool_calls or []:
                    call = calls.setdefault(part.index, {"id": "", "name": "", "arguments": ""})
                    if part.id:
                        call["id"] = part.id
                    if part.function and part.function.name:
                        call["name"] += part.function.name
                    if part.function and part.function.arguments:
                        call["arguments"] += part.function.arguments
                if choice.finish_reason:
                    result.finish_reason = choice.finish_reason
        result.text = "".join(text)
        result.tool_calls = [
            ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
            for i, c in sorted(calls.items())
        ]
        return result


def _describe(exc: openai.OpenAIError) -> str:
    if isinstance(exc, openai.RateLimitError):
        return "The language model is rate limited; please try again in a moment."
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return "The language model could not be reached."
    if isinstance(exc, openai.AuthenticationError):
        return "The language model refused our credentials."
    return "The language model failed to answer."
