"""Orders in a real database: SQLite always, PostgreSQL when one answers on 127.0.0.1:5432."""

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from copilot_contracts.orders import OrderPlaced
from copilot_contracts.tools import CreateOrderRequest
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.adapters.tables import OutboxRow
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import OrderRejected, load_catalog
from copilot_orders.domain.lifecycle import Decision
from sqlalchemy import select, text

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
            for table in ("order_lines", "orders", "products", "outbox", "alembic_version"):
                await conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    await store.create_schema()
    await store.seed_catalog(load_catalog(BUNDLED_CATALOG))
    yield store
    await engine.dispose()


SESSION = "s" * 32


def _request(key: str, quantity: int = 2) -> CreateOrderRequest:
    return CreateOrderRequest.model_validate(
        {
            "session_id": SESSION,
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


async def test_confirming_places_the_order_and_writes_its_event(orders: SqlOrders) -> None:
    pending = await orders.create_pending(_request("key-0101"))
    confirmed = await orders.decide(pending.order_id, SESSION, "confirm")
    assert confirmed.status == "confirmed" and confirmed.total == pending.total
    async with orders.sessions() as session:
        events = (await session.scalars(select(OutboxRow))).all()
    [event] = [e for e in events if pending.order_id in e.payload]
    assert event.subject == "copilot.v1.orders.order.placed" and event.published_at is None
    placed = OrderPlaced.model_validate_json(event.payload)
    assert placed.order_id == pending.order_id and placed.total == pending.total


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        ("confirm", "confirm", "already_confirmed"),
        ("cancel", "confirm", "already_cancelled"),
        ("confirm", "cancel", "already_confirmed"),
    ],
)
async def test_a_second_decision_is_refused_and_writes_nothing(
    orders: SqlOrders, first: Decision, second: Decision, code: str
) -> None:
    pending = await orders.create_pending(_request(f"key-02-{first}-{second}"))
    await orders.decide(pending.order_id, SESSION, first)
    with pytest.raises(OrderRejected) as rejected:
        await orders.decide(pending.order_id, SESSION, second)
    assert rejected.value.code == code
    assert await _events_for(orders, pending.order_id) == (1 if first == "confirm" else 0)


async def test_another_session_cannot_decide(orders: SqlOrders) -> None:
    pending = await orders.create_pending(_request("key-0301"))
    with pytest.raises(OrderRejected) as rejected:
        await orders.decide(pending.order_id, "x" * 32, "confirm")
    assert rejected.value.code == "action_not_found"
    with pytest.raises(OrderRejected):
        await orders.decide("EO-00000000", SESSION, "confirm")


async def test_an_expired_order_cannot_be_confirmed_and_is_swept(orders: SqlOrders) -> None:
    pending = await orders.create_pending(_request("key-0401"))
    later = datetime.now(UTC) + timedelta(minutes=16)
    with pytest.raises(OrderRejected) as rejected:
        await orders.decide(pending.order_id, SESSION, "confirm", now=later)
    assert rejected.value.code == "action_expired"
    assert await orders.expire_pending(now=later) >= 1
    with pytest.raises(OrderRejected) as again:
        await orders.decide(pending.order_id, SESSION, "confirm")
    assert again.value.code == "action_expired"


async def test_concurrent_confirms_place_the_order_once(orders: SqlOrders) -> None:
    pending = await orders.create_pending(_request("key-0501"))
    results = await asyncio.gather(
        *(orders.decide(pending.order_id, SESSION, "confirm") for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert all(isinstance(r, OrderRejected) for r in results if isinstance(r, BaseException))
    assert await _events_for(orders, pending.order_id) == 1


async def _events_for(orders: SqlOrders, order_id: str) -> int:
    async with orders.sessions() as session:
        events = (await session.scalars(select(OutboxRow))).all()
    return sum(1 for e in events if order_id in e.payload)


async def test_a_redelivered_decision_gets_its_first_answer(orders: SqlOrders) -> None:
    pending = await orders.create_pending(_request("key-0601"))
    first = await orders.decide(pending.order_id, SESSION, "confirm", request_id="req-1")
    again = await orders.decide(pending.order_id, SESSION, "confirm", request_id="req-1")
    assert first.status == again.status == "confirmed"
    with pytest.raises(OrderRejected) as second_click:
        await orders.decide(pending.order_id, SESSION, "confirm", request_id="req-2")
    assert second_click.value.code == "already_confirmed"
    assert await _events_for(orders, pending.order_id) == 1
