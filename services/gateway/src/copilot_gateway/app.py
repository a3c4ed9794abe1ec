"""The gateway: the public HTTP API in front of the bus."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS, CHAT_EVENTS, CHAT_TURNS
from copilot_service_defaults.broker import service_broker
from copilot_service_defaults.jetstream import ensure_stream
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.config import GatewaySettings
from copilot_gateway.domain.sessions import SessionIssuer
from copilot_gateway.errors import install_error_handlers
from copilot_gateway.routes.actions import actions_router
from copilot_gateway.routes.chat import chat_router
from copilot_gateway.routes.feedback import feedback_router
from copilot_gateway.routes.guards import SessionGuard
from copilot_gateway.routes.openai_compat import openai_router
from copilot_gateway.routes.pages import pages_router
from copilot_gateway.routes.sessions import sessions_router
from copilot_gateway.routes.widget_assets import widget_router
from copilot_gateway.tracing import instrument


def build_app(settings: GatewaySettings) -> FastAPI:
    broker, tracing = service_broker("gateway", settings)
    bus = GatewayBus(broker)
    issuer = SessionIssuer(
        settings.session_secret, timedelta(seconds=settings.session_ttl_s), settings.site_keys
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await broker.connect()
        js = broker.connection.jetstream()
        for stream in (CHAT_TURNS, ACTIONS, CHAT_EVENTS):
            await ensure_stream(js, stream, settings.nats_stream_replicas)
        bus.attach_conversations(
            await broker.key_value(subjects.CONVERSATIONS_BUCKET, ttl=settings.conversation_ttl_s)
        )
        yield
        await broker.stop()
        tracing.shutdown()

    app = FastAPI(
        title="Coffee Copilot gateway",
        version="0.1.0",
        description="Sessions and streamed chat for the Coffee Copilot website widget.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(pages_router(bus))
    app.include_router(sessions_router(issuer, settings.allowed_origins))
    guard = SessionGuard(issuer)
    app.include_router(chat_router(bus, guard, settings.turn_timeout_s))
    app.include_router(actions_router(bus, guard, settings.action_timeout_s))
    app.include_router(feedback_router(bus, guard))
    app.include_router(openai_router(bus, guard, settings.turn_timeout_s))
    app.include_router(widget_router())
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["X-Trace-Id"],
    )
    instrument(app, tracing)
    return app
