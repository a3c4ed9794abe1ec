"""Traces for HTTP requests, and the X-Trace-Id header on every response."""

from typing import Any

from copilot_service_defaults.telemetry import current_trace_id
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ids = RandomIdGenerator()


class TraceIdHeader:
    """Pure ASGI middleware (it must not buffer streamed responses).

    Health probes are not traced (they would drown the real traffic); their responses get a
    fresh id of an unrecorded trace, like any request a sampler drops."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_trace_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                trace_id = current_trace_id() or format(_ids.generate_trace_id(), "032x")
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-trace-id", trace_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_trace_id)


def instrument(app: FastAPI, provider: TracerProvider) -> None:
    app.add_middleware(TraceIdHeader)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="/health,/ready,/metrics",
        exclude_spans=["receive", "send"],
    )
