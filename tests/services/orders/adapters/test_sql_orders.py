"""Orders in a real database: SQLite always, PostgreSQL when one answers on 127.0.0.1:5432."""

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from copilot_contracts.tools import CreateOrderRequest
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import OrderRejected, load_catalog
from sqlalchemy import text

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not _postgres_answers(), reason="no PostgreSQL answers on 127.0.0.1:5432"
            ),
        ),
    ]
)
async def orders(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlOrders]:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
        if request.param == "sqlite"
        else POSTGRES_URL
    )
    engine = make_engine(url, pool_size=5, max_overflow=0)
    store = SqlOrders(engine, timedelta(minutes=15))
    if request.param == "postgresql":
        async with engine.begin() as conn:
            for table in ("order_lines", "orders", "products"):
                await conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    await store.create_schema()
    await store.seed_catalog(load_catalog(BUNDLED_CATALOG))
    yield store
    await engine.dispose()


def _request(key: str, quantity: int = 2) -> CreateOrderRequest:
    return CreateOrderRequest.model_validate(
        {
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {
                "items": [{"product": "House Blend", "quantity": quantity, "grind": "whole bean"}],
                "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
            },
        }
    )


async def test_pending_order_is_stored_with_catalog_prices(orders: SqlOrders) -> None:
    result = await orders.create_pending(_request("key-0001"))
    assert result.status == "pending_confirmation"
    assert result.order_id.startswith("EO-")
    house = next(p for p in await orders.products() if p.sku == result.lines[0].sku)
    assert result.total == house.price * 2
    assert result.total.as_tuple().exponent == -2


async def test_a_repeated_request_returns_the_first_order(orders: SqlOrders) -> None:
    first = await orders.create_pending(_request("key-0002"))
    again = await orders.create_pending(_request("key-0002"))
    assert again == first


async def test_concurrent_repeats_create_one_order(orders: SqlOrders) -> None:
    results = await asyncio.gather(*(orders.create_pending(_request("key-0003")) for _ in range(5)))
    assert len({r.order_id for r in results}) == 1


async def test_same_key_with_a_different_body_is_a_conflict(orders: SqlOrders) -> None:
    await orders.create_pending(_request("key-0004", quantity=1))
    with pytest.raises(OrderRejected) as rejected:
        await orders.create_pending(_request("key-0004", quantity=3))
    assert rejected.value.code == "idempotency_conflict"


async def test_seeding_twice_keeps_one_row_per_product(orders: SqlOrders) -> None:
    await orders.seed_catalog(load_catalog(BUNDLED_CATALOG))
    products = await orders.products()
    assert len(products) == len(load_catalog(BUNDLED_CATALOG))
    assert all(isinstance(p.price, Decimal) for p in products)
