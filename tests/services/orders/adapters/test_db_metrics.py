"""The connection pool's use, as /metrics reports it."""

import pytest
from copilot_orders.adapters.db_metrics import observe_database
from copilot_orders.adapters.sql_orders import make_engine
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY
from sqlalchemy import text

from tests.services.orders.adapters.test_sql_orders import POSTGRES_URL, _postgres_answers


def pool(state: str) -> float | None:
    return REGISTRY.get_sample_value("db_pool_connections", {"state": state})


@pytest.mark.skipif(not _postgres_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432")
async def test_checked_out_connections_are_counted() -> None:
    engine = make_engine(POSTGRES_URL, pool_size=3, max_overflow=2)
    observe_database(engine, TracerProvider())
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert pool("checked_out") == 1 and pool("size") == 3
        assert pool("checked_out") == 0 and pool("idle") == 1
    finally:
        await engine.dispose()
