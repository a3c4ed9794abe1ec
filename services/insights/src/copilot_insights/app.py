"""The insights service: keeps what happened in conversations, and reports on it."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from copilot_contracts.streams import CHAT_EVENTS, INSIGHTS, ORDER_EVENTS
from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.consumers import watch_consumers
from copilot_service_defaults.health import health_routes
from copilot_service_defaults.jetstream import ensure_stream
from faststream.asgi import AsgiFastStream
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from copilot_insights.adapters.sql_insights import SqlInsights
from copilot_insights.adapters.turn_consumer import read_every_turn_end
from copilot_insights.config import InsightsSettings
from copilot_insights.handlers import CONSUMERS, TURNS_DURABLE, build_router

log = logging.getLogger(__name__)


def build_app(settings: InsightsSettings) -> AsgiFastStream:
    broker, _ = service_broker("insights", settings)
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
    else:
        engine = create_async_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_pre_ping=True,
        )
    store = SqlInsights(engine)
    broker.include_router(build_router(store))
    background: list[asyncio.Task[None]] = []

    async def prepare() -> None:
        await store.create_schema()
        await broker.connect()
        js = broker.connection.jetstream()
        for stream in (INSIGHTS, CHAT_EVENTS, ORDER_EVENTS):
            await ensure_stream(js, stream, settings.nats_stream_replicas)
        await read_every_turn_end(js, TURNS_DURABLE)
        consumers = [(stream, durable) for stream, _, durable in CONSUMERS]
        await watch_consumers(broker.connection, consumers, settings.nats_stream_replicas)

    async def sweep_forever() -> None:
        keep = timedelta(days=settings.transcript_retention_days)
        while True:
            with contextlib.suppress(Exception):  # the database may be away for a while
                if removed := await store.sweep(datetime.now(UTC) - keep):
                    log.info("%d insights rows past their retention forgotten", removed)
            await asyncio.sleep(settings.retention_sweep_s)

    async def start_background() -> None:
        background.append(asyncio.create_task(sweep_forever()))

    async def stop_background() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await engine.dispose()

    async def database_ready() -> str | None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None

    return AsgiFastStream(
        broker,
        logger=app_logger("insights"),
        asgi_routes=health_routes(broker, [("database", database_ready)]),
        on_startup=[prepare],
        after_startup=[start_background],
        on_shutdown=[stop_background],
    )
