"""A ChatModel on the OpenAI chat completions API, or any server that speaks it."""

import json
import time
from typing import Any

import aiohttp
import openai
from copilot_contracts.chat import Usage
from copilot_contracts.tool_catalog import ToolSpec
from copilot_service_defaults.redaction import redact
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from copilot_orchestrator.adapters.openai_errors import BROKE_OFF, unavailable
from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import (
    ModelResponse,
    ModelUnavailableError,
    StopStreaming,
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


class _Reading:
    """A response as its chunks arrive."""

    def __init__(self) -> None:
        self.chunks = 0
        self.finished = False
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.response = ModelResponse()

    def take(self, chunk: dict[str, Any]) -> str:
        """Add a chunk (the JSON of a `chat.completion.chunk`); returns the text it carries."""
        self.chunks += 1
        if usage := chunk.get("usage"):
            self.response.usage = Usage(
                input_tokens=usage.get("prompt_tokens") or 0,
                output_tokens=usage.get("completion_tokens") or 0,
            )
        content = ""
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if text := delta.get("content"):
                content += text
            for part in delta.get("tool_calls") or ():
                call = self.calls.setdefault(
                    part.get("index", 0), {"id": "", "name": "", "arguments": ""}
                )
                if part.get("id"):
                    call["id"] = part["id"]
                function = part.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
            if finish_reason := choice.get("finish_reason"):
                self.response.finish_reason = finish_reason
                self.finished = True
        self.text.append(content)
        return content

    def result(self) -> ModelResponse:
        self.response.text = "".join(self.text)
        self.response.tool_calls = [
            ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
            for i, c in sorted(self.calls.items())
        ]
        return self.response


class OpenAIChatModel:
    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        provider: str = "openai",
        capture_content: bool = False,
        max_output_tokens: int | None = None,
    ) -> None:
        """`max_output_tokens`: the most the provider may write in one call."""
        self.client = client
        self.name = model
        self.provider = provider
        self.capture_content = capture_content
        self.max_output_tokens = max_output_tokens
        self._tool_schemas: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def tool_schemas(self, tools: list[ToolSpec]) -> list[dict[str, Any]]:
        """The tools' definitions, made once: pydantic builds a JSON schema in milliseconds,
        and every model call of every turn sends the same ones."""
        key = tuple(tool.name for tool in tools)
        if key not in self._tool_schemas:
            self._tool_schemas[key] = [tool.openai_schema() for tool in tools]
        return self._tool_schemas[key]

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
            reading = _Reading()
            try:
                response = await self._stream(state, tools, on_text, reading)
            except (openai.OpenAIError, aiohttp.ClientError, ModelUnavailableError) as exc:
                span.set_attribute("error.type", type(exc).__name__)
                LLM_REQUESTS.labels("error").inc()
                if isinstance(exc, ModelUnavailableError):
                    raise
                raise unavailable(exc, mid_stream=reading.chunks > 0) from exc
            except StopStreaming:
                LLM_REQUESTS.labels("stopped").inc()  # the turn had read enough
                span.set_attribute("gen_ai.response.finish_reasons", ["length"])
                raise
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
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink, reading: _Reading
    ) -> ModelResponse:
        body: dict[str, Any] = {
            "model": self.name,
            "messages": state.messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            body["tools"] = self.tool_schemas(tools)
        if self.max_output_tokens:
            body["max_completion_tokens"] = self.max_output_tokens
        # The SDK's own client (its HTTP, auth, errors and stream reading) on the path
        # `chat.completions.create` posts to, with the request already JSON-ready and the
        # chunks read as plain JSON: `create` walks every message and tool schema through its
        # typed-params transform and builds a pydantic model of every chunk, together a
        # fifth of this service's CPU (measured under load).
        stream = await self.client.post(
            "/chat/completions",
            cast_to=object,
            body=body,
            stream=True,
            stream_cls=openai.AsyncStream[object],
            # As `create` sends it: the API key alone, never the client's admin key.
            options={"security": {"bearer_auth": True}},
        )
        # Closed on every way out, so a call the turn stops early frees its connection.
        async with stream:
            async for chunk in stream:
                if not isinstance(chunk, dict):
                    raise ModelUnavailableError(BROKE_OFF, "broken_stream", transient=True)
                if text := reading.take(chunk):
                    await on_text(text)
        if not reading.finished:  # the stream ended without saying why: it was cut
            raise ModelUnavailableError(BROKE_OFF, "broken_stream", transient=True)
        return reading.result()
