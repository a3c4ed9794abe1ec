"""A ChatModel on the OpenAI chat completions API, or any server that speaks it."""

from typing import Any, cast

import openai
from copilot_contracts.chat import Usage
from copilot_contracts.tool_catalog import ToolSpec
from opentelemetry import trace

from copilot_orchestrator.domain.conversation import TurnState
from copilot_orchestrator.domain.model import (
    ModelResponse,
    ModelUnavailableError,
    TextSink,
    ToolCall,
)

tracer = trace.get_tracer(__name__)


class OpenAIChatModel:
    def __init__(self, client: openai.AsyncOpenAI, model: str, provider: str = "openai") -> None:
        self.client = client
        self.name = model
        self.provider = provider

    async def respond(
        self, state: TurnState, tools: list[ToolSpec], on_text: TextSink
    ) -> ModelResponse:
        # Span per the OpenTelemetry GenAI conventions; prompts are never recorded.
        with tracer.start_as_current_span(
            f"chat {self.name}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": self.provider,
                "gen_ai.request.model": self.name,
            },
        ) as span:
            try:
                response = await self._stream(state, tools, on_text)
            except openai.OpenAIError as exc:
                span.set_attribute("error.type", type(exc).__name__)
                raise ModelUnavailableError(_describe(exc)) from exc
            span.set_attribute("gen_ai.usage.input_tokens", response.usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", response.usage.output_tokens)
            span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
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
