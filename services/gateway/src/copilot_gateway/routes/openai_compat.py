"""`POST /v1/chat/completions`: the copilot behind the OpenAI chat API, so any OpenAI
client or tool can talk to it. The API key is a session token from `/api/sessions`.

Each request is one turn: its last user message is the question; the copilot keeps the
conversation itself (pass `conversation_id` to continue one, as returned in the answer's
`conversation_id` field). Sources and pending orders are appended to the text."""

import json
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from copilot_contracts.chat import TurnEvent
from copilot_service_defaults.telemetry import current_trace_id
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.domain.sessions import Session
from copilot_gateway.errors import ApiError
from copilot_gateway.routes.guards import RateLimits, SessionGuard, require_json
from copilot_gateway.routes.schemas import ErrorBody
from copilot_gateway.turns import follow_turn, start_turn

MODEL = "coffee-copilot"


class CompletionMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None


class CompletionRequest(BaseModel):
    """The chat completions request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")
    model: str = MODEL
    messages: list[CompletionMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    conversation_id: str | None = Field(default=None, pattern=r"^[a-f0-9]{32}$")


def _question(request: CompletionRequest) -> str:
    for message in reversed(request.messages):
        if message.role == "user":
            content = message.content
            text = (
                content
                if isinstance(content, str)
                else " ".join(
                    str(part.get("text", ""))
                    for part in content or []
                    if part.get("type") == "text"
                )
            )
            if text.strip() and len(text) <= 4000:
                return text.strip()
            raise ApiError(422, "invalid_request", "The last user message is empty or too long.")
    raise ApiError(422, "invalid_request", "There is no user message to answer.")


class _Answer:
    """What a turn's events add up to, in the OpenAI shapes."""

    def __init__(self) -> None:
        self.id = f"chatcmpl-{int(time.time() * 1000)}"
        self.conversation_id = ""
        self.text: list[str] = []
        self.extras: list[str] = []
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        self.error: tuple[str, str] | None = None

    def take(self, event: TurnEvent) -> str:
        """Record the event; the text it adds to the answer, if any."""
        if event.type == "meta":
            self.id = f"chatcmpl-{event.turn_id}"
            self.conversation_id = event.conversation_id
        elif event.type == "delta":
            self.text.append(event.text)
            return event.text
        elif event.type == "citation":
            self.extras.append(f"- [{event.title}]({event.url})")
        elif event.type == "confirmation":
            self.extras.append(
                f"\n{event.summary} Confirm with POST /api/actions/{event.action_id}/confirm."
            )
        elif event.type == "done":
            used = event.usage
            self.usage = {
                "prompt_tokens": used.input_tokens,
                "completion_tokens": used.output_tokens,
                "total_tokens": used.input_tokens + used.output_tokens,
            }
        elif event.type == "error":
            self.error = (event.code, event.message)
        return ""

    def full_text(self) -> str:
        return "".join(self.text) + self.tail()

    def tail(self) -> str:
        sources = [e for e in self.extras if e.startswith("- [")]
        others = [e for e in self.extras if not e.startswith("- [")]
        parts = (["\n\nSources:", *sources] if sources else []) + others
        return "\n".join(parts)

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": MODEL,
            "conversation_id": self.conversation_id,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(body)}\n\n"


def openai_router(
    bus: GatewayBus, guard: SessionGuard, limits: RateLimits, turn_timeout_s: float
) -> APIRouter:
    router = APIRouter(tags=["openai-compatible"])

    @router.post(
        "/v1/chat/completions",
        dependencies=[Depends(require_json), Depends(limits.chat)],
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "The completion; with `stream`, `chat.completion.chunk` events "
                "ending with `data: [DONE]`.",
            },
            **{s: {"model": ErrorBody} for s in (400, 401, 403, 404, 413, 415, 422, 429, 502, 503)},
        },
    )
    async def chat_completions(
        body: CompletionRequest, session: Annotated[Session, Depends(guard)]
    ) -> Any:
        """OpenAI chat completions (streamed or not) answered by the copilot."""
        turn, events = await start_turn(
            bus, session, _question(body), body.conversation_id, turn_timeout_s
        )
        answer = _Answer()
        turn_events = follow_turn(bus, events, turn, current_trace_id())
        if body.stream:
            return StreamingResponse(
                _stream(turn_events, answer),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        async with aclosing(turn_events) as stream:
            async for event in stream:
                answer.take(event)
        if answer.error is not None:
            code, message = answer.error
            raise ApiError(503 if code == "timeout" else 502, code, message)
        return JSONResponse(
            {
                "id": answer.id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": MODEL,
                "conversation_id": answer.conversation_id,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "".join(answer.text) + answer.tail(),
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": answer.usage,
            }
        )

    return router


async def _stream(turn_events: Any, answer: _Answer) -> AsyncIterator[str]:
    async with aclosing(turn_events) as stream:
        started = False
        async for event in stream:
            text = answer.take(event)
            if not started and event.type == "meta":
                started = True
                yield answer.chunk({"role": "assistant", "content": ""})
            elif text:
                yield answer.chunk({"content": text})
    if answer.error is not None:
        yield answer.chunk({"content": f"\n\n[{answer.error[0]}] {answer.error[1]}"})
    elif tail := answer.tail():
        yield answer.chunk({"content": tail})
    yield answer.chunk({}, "stop")
    yield "data: [DONE]\n\n"
