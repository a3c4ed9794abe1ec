"""A scripted OpenAI-compatible server: the real chat completions wire format over real HTTP.

Tests (and later benchmarks) point the `openai` SDK at `base_url` and script the replies:
plain text, one or several tool calls in one response (streamed as argument fragments, as
OpenAI does), HTTP errors, and latency (time to first token, tokens per second). Faults: a
reply that hangs before answering, a stream cut after some chunks (the connection aborted,
the body ended without a finish reason, or a stall), and `max_completion_tokens` honoured
as a provider does (the text cut, finish reason "length")."""

import asyncio
import hashlib
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.http_server import BackgroundServer


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] | str
    """A dict is sent as JSON; a string is sent as it is (to script malformed arguments)."""


CutHow = Literal["abort", "end", "stall"]


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[ToolCall, ...] = ()
    status: int = 200
    retry_after: float | None = None
    ttft_s: float = 0.0
    tokens_per_s: float | None = None
    hang_s: float = 0.0
    """Wait this long (or until the server stops) before answering at all."""
    cut_after: int | None = None
    """Stream only this many chunks: the first carries the role, then 12-character text
    pieces, then tool-call pieces. `cut` says how it stops: the connection aborted, the body
    ended without a finish reason or [DONE], or a stall until the client gives up."""
    cut: CutHow = "abort"
    finish_reason: str | None = None

    @classmethod
    def say(cls, text: str, **latency: Any) -> "Reply":
        return cls(text=text, **latency)

    @classmethod
    def tools(cls, *calls: ToolCall, text: str = "", **latency: Any) -> "Reply":
        return cls(text=text, calls=calls, **latency)

    @classmethod
    def error(cls, status: int, retry_after: float | None = None) -> "Reply":
        return cls(status=status, retry_after=retry_after)

    @classmethod
    def hang(cls, seconds: float = 60.0) -> "Reply":
        return cls(text="too late", hang_s=seconds)

    @classmethod
    def cut_short(
        cls, text: str, after: int, how: CutHow = "abort", calls: tuple[ToolCall, ...] = ()
    ) -> "Reply":
        return cls(text=text, calls=calls, cut_after=after, cut=how)


Script = list[Reply] | Callable[[dict[str, Any]], Reply]


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _tokens(text: str) -> int:
    return max(1, round(len(text.split()) * 1.3)) if text else 0


@dataclass
class _Counter:
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self) -> str:
        with self.lock:
            self.calls += 1
            return f"call_{self.calls}"


class ScriptedLLM:
    def __init__(self, script: Script, model: str = "scripted-model") -> None:
        self.script = script
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str] = []
        """Each chat request's Authorization header."""
        self.embedding_requests: list[dict[str, Any]] = []
        self.embedding_status = 200
        self._ids = _Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._completions, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
            ]
        )
        self._server = BackgroundServer(app)

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    def __enter__(self) -> "ScriptedLLM":
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.stop()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but not past the server's stop, so no hanging reply delays it."""
        if seconds > 0:
            await asyncio.to_thread(self._stopping.wait, seconds)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if callable(self.script):
                return self.script(body)
            if not self.script:
                return Reply(text="script exhausted", status=500)
            return self.script.pop(0)

    async def _embeddings(self, request: Request) -> Response:
        """Deterministic unit vectors derived from each input's hash, in the API's format."""
        body = await request.json()
        self.embedding_requests.append(body)
        if self.embedding_status != 200:
            error = {"message": "scripted failure", "type": "server_error", "code": None}
            return JSONResponse({"error": error}, status_code=self.embedding_status)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        size = int(body.get("dimensions") or 8)
        data = [
            {"object": "embedding", "index": i, "embedding": _unit_vector(text, size)}
            for i, text in enumerate(inputs)
        ]
        data.reverse()  # the API does not promise order; clients must sort by index
        usage = {"prompt_tokens": sum(map(_tokens, inputs)), "total_tokens": 0}
        return JSONResponse(
            {"object": "list", "data": data, "model": body["model"], "usage": usage}
        )

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        self.authorizations.append(request.headers.get("authorization", ""))
        reply = _bounded(self._next_reply(body), body.get("max_completion_tokens"))
        await self._pause(reply.hang_s)
        if reply.status != 200:
            headers = {"retry-after": str(reply.retry_after)} if reply.retry_after else {}
            error = {
                "message": reply.text or f"scripted error {reply.status}",
                "type": "server_error" if reply.status >= 500 else "rate_limit_error",
                "code": None,
            }
            return JSONResponse({"error": error}, status_code=reply.status, headers=headers)
        calls = [(self._ids.next_id(), call) for call in reply.calls]
        if body.get("stream"):
            return StreamingResponse(
                self._stream(body, reply, calls), media_type="text/event-stream"
            )
        return JSONResponse(self._completion(body, reply, calls))

    def _usage(self, body: dict[str, Any], reply: Reply) -> dict[str, int]:
        prompt = _tokens(json.dumps(body.get("messages", [])))
        completion = _tokens(reply.text) + 10 * len(reply.calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _completion(
        self, body: dict[str, Any], reply: Reply, calls: list[tuple[str, ToolCall]]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if calls:
            message["tool_calls"] = [
                {
                    "id": cid,
                    "type": "function",
                    "function": {"name": c.name, "arguments": _arguments(c)},
                }
                for cid, c in calls
            ]
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": _finish(reply)}],
            "usage": self._usage(body, reply),
        }

    async def _stream(
        self, body: dict[str, Any], reply: Reply, calls: list[tuple[str, ToolCall]]
    ) -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in self._chunks(body, reply, calls):
            if reply.cut_after is not None and sent >= reply.cut_after:
                if reply.cut == "abort":
                    raise ConnectionAbortedError("scripted: the connection is cut")
                if reply.cut == "stall":
                    await self._pause(3600)
                return
            yield chunk
            sent += 1

    async def _chunks(
        self, body: dict[str, Any], reply: Reply, calls: list[tuple[str, ToolCall]]
    ) -> AsyncIterator[bytes]:
        base = {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", self.model),
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            payload = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(payload)}\n\n".encode()

        pause = 1 / reply.tokens_per_s if reply.tokens_per_s else 0.0
        await asyncio.sleep(reply.ttft_s)
        yield chunk({"role": "assistant", "content": ""})
        for piece in _pieces(reply.text):
            await asyncio.sleep(pause)
            yield chunk({"content": piece})
        for index, (call_id, call) in enumerate(calls):
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            for piece in _pieces(_arguments(call), size=7):
                await asyncio.sleep(pause)
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, _finish(reply))
        if body.get("stream_options", {}).get("include_usage"):
            usage = {**base, "choices": [], "usage": self._usage(body, reply)}
            yield f"data: {json.dumps(usage)}\n\n".encode()
        yield b"data: [DONE]\n\n"


def _unit_vector(text: str, size: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    raw = [digest[i % len(digest)] - 127.5 for i in range(size)]
    norm = math.sqrt(sum(x * x for x in raw))
    return [x / norm for x in raw]


def _arguments(call: ToolCall) -> str:
    return call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)


def _finish(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.calls else "stop")


def _bounded(reply: Reply, max_tokens: int | None) -> Reply:
    """The reply as a provider writes it under `max_completion_tokens`: cut, for "length"."""
    if reply.status != 200 or not max_tokens or _tokens(reply.text) <= max_tokens:
        return reply
    words = reply.text.split(" ")[: int(max_tokens / 1.3)]
    return replace(reply, text=" ".join(words), calls=(), finish_reason="length")
