"""PostgreSQL that goes away (connections reset) or stops answering (packets dropped): a
request fails, after DB_TIMEOUT_S at most, with an error the handlers answer as
`orders_unavailable`, and once the database is back the same engine serves requests again."""

import asyncio
from datetime import timedelta

import pytest
from copilot_contracts.tools import CreateOrderRequest
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import load_catalog
from sqlalchemy.exc import SQLAlchemyError

from tests.support.postgres import POSTGRES, fresh_database, postgres_answers
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    not postgres_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432"
)
UNAVAILABLE = (SQLAlchemyError, OSError)  # what the handlers answer as orders_unavailable


def _request(key: str) -> CreateOrderRequest:
    return CreateOrderRequest.model_validate(
        {
            "session_id": "s" * 32,
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {
                "items": [{"product": "House Blend", "quantity": 1}],
                "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
            },
        }
    )


async def _outage_then_back(proxy: TcpProxy, database: str, outage: str) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{database}"
    engine = make_engine(url, 2, 0, timeout_s=1.0)
    orders = SqlOrders(engine, timedelta(minutes=15))
    try:
        await orders.create_schema()
        await orders.seed_catalog(load_catalog(BUNDLED_CATALOG))
        await orders.create_pending(_request("before-the-outage"))
        proxy.cut() if outage == "cut" else proxy.stall()
        attempt = asyncio.create_task(orders.create_pending(_request("during-the-outage")))
        done, _ = await asyncio.wait({attempt}, timeout=60)
        assert attempt in done, "the request hung"
        assert isinstance(attempt.exception(), UNAVAILABLE), attempt.exception()
        proxy.restore()
        after = await orders.create_pending(_request("after-the-outage"))
        assert after.status == "pending_confirmation"
    finally:
        proxy.restore()
        await engine.dispose()


@pytest.mark.parametrize("outage", ["cut", "stall"])
def test_a_database_outage_fails_a_request_in_time_and_the_engine_recovers(outage: str) -> None:
    with fresh_database() as database, TcpProxy(*POSTGRES) as proxy:
        asyncio.run(_outage_then_back(proxy, database, outage))
