"""The orders service: drafts priced orders from the catalog and stores them in SQL."""

from datetime import timedelta

from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.health import health_routes
from faststream.asgi import AsgiFastStream
from sqlalchemy import text

from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.config import OrdersSettings
from copilot_orders.domain.catalog import load_catalog
from copilot_orders.handlers import build_router


def build_app(settings: OrdersSettings) -> AsgiFastStream:
    broker, _ = service_broker("orders", settings)
    engine = make_engine(
        settings.resolved_database_url, settings.db_pool_size, settings.db_max_overflow
    )
    orders = SqlOrders(engine, timedelta(seconds=settings.order_confirmation_ttl_s))
    broker.include_router(build_router(orders))

    async def prepare_database() -> None:
        await orders.create_schema()
        await orders.seed_catalog(load_catalog(settings.catalog_path))

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
        on_startup=[prepare_database],
        after_shutdown=[dispose_engine],
    )
