"""The gateway: the public HTTP API in front of the bus."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS, CHAT_EVENTS, CHAT_TURNS, TURN_EVENTS
from copilot_service_defaults.broker import service_broker
from copilot_service_defaults.jetstream import (
    ensure_counter_stream,
    ensure_key_value,
    ensure_stream,
)
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from nats.js.api import StorageType

from copilot_gateway.adapters.bus import GatewayBus
from copilot_gateway.adapters.nats_rate_counter import NatsRateCounter
from copilot_gateway.adapters.token_revocations import TokenRevocations
from copilot_gateway.body_limit import BodySizeLimit
from copilot_gateway.config import GatewaySettings
from copilot_gateway.domain.identity import IdentityVerifier
from copilot_gateway.domain.rate_limits import RateLimiter
from copilot_gateway.domain.sessions import SessionIssuer
from copilot_gateway.errors import install_error_handlers
from copilot_gateway.routes.actions import actions_router
from copilot_gateway.routes.admin import StaffGuard, admin_router
from copilot_gateway.routes.chat import chat_router
from copilot_gateway.routes.feedback import feedback_router
from copilot_gateway.routes.guards import RateLimits, SessionGuard
from copilot_gateway.routes.openai_compat import openai_router
from copilot_gateway.routes.pages import DEMO_PAGE_HTML, pages_router
from copilot_gateway.routes.sessions import sessions_router
from copilot_gateway.routes.visits import visits_router
from copilot_gateway.routes.widget_assets import widget_router
from copilot_gateway.security_headers import SecurityHeaders, page_csp
from copilot_gateway.staff_page import PAGE_STYLE
from copilot_gateway.tracing import instrument

log = logging.getLogger(__name__)

RATE_WINDOW_MAX_S = 86_400
# A renewed token stays retired while it could still be renewed: up to two lifetimes.
REVOCATION_KEEP_S = 2 * 86_400


def build_app(settings: GatewaySettings) -> FastAPI:
    broker, tracing = service_broker("gateway", settings)
    bus = GatewayBus(broker)
    issuer = SessionIssuer(
        settings.session_secret, timedelta(seconds=settings.session_ttl_s), settings.site_origins()
    )
    revocations = TokenRevocations()
    counter = NatsRateCounter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await broker.connect()
        js = broker.connection.jetstream()
        for stream in (CHAT_TURNS, ACTIONS, CHAT_EVENTS):
            await ensure_stream(js, stream, settings.nats_stream_replicas)
        replicas = settings.nats_stream_replicas
        bus.attach_conversations(
            await ensure_key_value(
                js, subjects.CONVERSATIONS_BUCKET, settings.conversation_ttl_s, replicas
            )
        )
        revocations.attach(
            await ensure_key_value(
                js, subjects.REVOKED_SESSIONS_BUCKET, REVOCATION_KEEP_S, replicas
            )
        )

        async def declare_in_memory() -> None:
            """Kept in memory, so lost when the NATS server restarts: declared again each
            time the connection comes back. The turns' events (for a visitor to resume an
            answer), and the rate-limit counters, whose loss only resets the current windows."""
            await ensure_stream(js, TURN_EVENTS, replicas)
            if await ensure_counter_stream(
                js,
                subjects.RATE_COUNTERS_STREAM,
                subjects.RATE_COUNTERS_PREFIX,
                RATE_WINDOW_MAX_S,
                replicas,
            ):
                counter.use_counter_stream(broker.connection)
                log.info("rate limits counted by the NATS server")
            else:
                log.info("rate limits counted by compare-and-set (NATS before 2.12)")
                counter.use_bucket(
                    await ensure_key_value(
                        js,
                        subjects.RATE_LIMITS_BUCKET,
                        RATE_WINDOW_MAX_S,
                        replicas,
                        StorageType.MEMORY,
                    )
                )

        await declare_in_memory()
        broker.after_reconnect(declare_in_memory)
        yield
        await broker.stop()
        tracing.shutdown()

    explorer = not settings.production
    app = FastAPI(
        title="Coffee Copilot gateway",
        version="0.1.0",
        description="Sessions and streamed chat for the Coffee Copilot website widget.",
        lifespan=lifespan,
        docs_url="/docs" if explorer else None,
        redoc_url=None,
    )
    install_error_handlers(app)
    guard = SessionGuard(issuer, revocations)
    limits = RateLimits(
        RateLimiter(counter),
        guard,
        chat_per_session=settings.chat_rate_limit,
        chat_per_ip=settings.chat_rate_limit_per_ip,
        chat_per_site=settings.chat_rate_limit_per_site,
        api_per_session=settings.api_rate_limit,
        sessions_per_ip=settings.session_rate_limit_per_ip,
    )
    identity = IdentityVerifier(settings.identity_secret, settings.identity_max_age_s)
    app.include_router(pages_router(bus))
    app.include_router(sessions_router(issuer, revocations, identity, limits))
    app.include_router(chat_router(bus, guard, limits, settings.turn_timeout_s))
    app.include_router(actions_router(bus, guard, limits, settings.action_timeout_s))
    app.include_router(feedback_router(bus, guard, limits))
    app.include_router(visits_router(bus, guard, limits))
    app.include_router(openai_router(bus, guard, limits, settings.turn_timeout_s))
    app.include_router(widget_router())
    app.include_router(admin_router(bus, StaffGuard(settings.staff_api_keys)))
    # Inside CORS, so that a 413 still carries the CORS headers a browser needs to read it.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
        expose_headers=["X-Trace-Id", "Retry-After"],
    )
    app.add_middleware(
        SecurityHeaders,
        page_policies={"/": page_csp(DEMO_PAGE_HTML), "/admin/insights": page_csp(PAGE_STYLE)},
        hsts=settings.production,
        unpoliced_paths=frozenset({"/docs"} if explorer else set()),
    )
    instrument(app, tracing)
    return app
