"""The orders service: prepares priced orders, and confirms or cancels them."""

import asyncio
import contextlib
import logging
from datetime import timedelta

from copilot_contracts.streams import ACTIONS, ORDER_EVENTS
from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.consumers import watch_consumers
from copilot_service_defaults.health import health_routes
from copilot_service_defaults.jetstream import ensure_stream
from faststream.asgi import AsgiFastStream
from sqlalchemy import text

from copilot_orders.adapters.db_metrics import observe_database
from copilot_orders.adapters.outbox_relay import OutboxRelay
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.config import OrdersSettings
from copilot_orders.domain.catalog import load_catalog
from copilot_orders.handlers import build_router

log = logging.getLogger(__name__)


def build_app(settings: OrdersSettings) -> AsgiFastStream:
    broker, tracing = service_broker("orders", settings)
    engine = make_engine(
        settings.resolved_database_url,
        settings.db_pool_size,
        settings.db_max_overflow,
        settings.db_timeout_s,
    )
    observe_database(engine, tracing)
    orders = SqlOrders(engine, timedelta(seconds=settings.order_confirmation_ttl_s))

    async def publish_event(subject: str, payload: str, event_id: str) -> None:
        await broker.publish(
            payload.encode(),
            subject,
            stream=ORDER_EVENTS.name,
            headers={"Nats-Msg-Id": event_id, "content-type": "application/json"},
        )

    relay = OutboxRelay(orders.sessions, publish_event)
    broker.include_router(build_router(orders, relay))
    background: list[asyncio.Task[None]] = []

    async def prepare() -> None:
        await broker.connect()
        js = broker.connection.jetstream()
        for stream in (ACTIONS, ORDER_EVENTS):
            await ensure_stream(js, stream, settings.nats_stream_replicas)
        if settings.migrate_on_start:
            await orders.create_schema()
        await orders.seed_catalog(load_catalog(settings.catalog_path))
        await watch_consumers(
            broker.connection,
            [(ACTIONS.name, "orders-create"), (ACTIONS.name, "orders-decide")],
            settings.nats_stream_replicas,
        )

    async def expire_forever() -> None:
        while True:
            with contextlib.suppress(Exception):  # the database may be away for a while
                if expired := await orders.expire_pending():
                    log.info("%d unconfirmed orders expired", expired)
            await asyncio.sleep(settings.expiry_sweep_s)

    async def start_background() -> None:
        background.extend([asyncio.create_task(relay.run()), asyncio.create_task(expire_forever())])

    async def stop_background() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)

    async def database_ready() -> str | None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None

    async def dispose_engine() -> None:
        await engine.dispose()

    return AsgiFastStream(
        broker,
        logger=app_logger("orders"),
        asgi_routes=health_routes(broker, [("database", database_ready)]),
        on_startup=[prepare],
        after_startup=[start_background],
        on_shutdown=[stop_background],
        after_shutdown=[dispose_engine],
    )
