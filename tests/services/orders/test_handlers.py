"""The orders service's handlers on a real NATS server, through JetStream as in production."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats.errors
import pytest
from copilot_contracts import subjects
from copilot_contracts.orders import OrderDecisionRequested, OrderPlaced, OrdersQuery
from copilot_contracts.privacy import OrdersPersonalDataErased
from copilot_contracts.replies import INVALID_REQUEST, ServiceError, read_reply
from copilot_contracts.streams import ACTIONS, ORDER_EVENTS
from copilot_contracts.tools import CreateOrderRequest
from copilot_orders.adapters.order_views import find_orders
from copilot_orders.adapters.outbox_relay import OutboxRelay
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.adapters.tables import OutboxRow
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import load_catalog
from copilot_orders.handlers import build_router
from copilot_service_defaults.durable_requests import durable_request
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker
from sqlalchemy import func, select

from tests.services.orders.adapters.test_sql_orders import SESSION, _request


@dataclass
class OrdersService:
    broker: NatsBroker
    orders: SqlOrders
    relay: OutboxRelay


async def _start(nats_url: str, database_url: str, migrate: bool = True) -> OrdersService:
    engine = make_engine(database_url, 2, 0)
    orders = SqlOrders(engine, timedelta(minutes=15))
    broker = NatsBroker(nats_url)

    async def publish(subject: str, payload: str, event_id: str) -> None:
        await broker.publish(
            payload.encode(), subject, stream=ORDER_EVENTS.name, headers={"Nats-Msg-Id": event_id}
        )

    relay = OutboxRelay(orders.sessions, publish)
    broker.include_router(build_router(orders, relay))
    await broker.connect()
    for stream in (ACTIONS, ORDER_EVENTS):
        await ensure_stream(broker.connection.jetstream(), stream, replicas=1)
    if migrate:
        await orders.create_schema()
        await orders.seed_catalog(load_catalog(BUNDLED_CATALOG))
    await broker.start()
    return OrdersService(broker, orders, relay)


@pytest.fixture
async def service(private_nats_url: str, tmp_path: Path) -> AsyncIterator[OrdersService]:
    started = await _start(private_nats_url, f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    yield started
    await started.broker.stop()
    await started.orders.engine.dispose()


async def _create(broker: NatsBroker, request: CreateOrderRequest) -> dict[str, Any]:
    reply: dict[str, Any] = await durable_request(
        broker,
        request,
        subjects.TOOL_ORDERS_CREATE,
        subjects.ACTIONS_STREAM,
        msg_id=request.idempotency_key,
        timeout_s=10,
    )
    return reply


async def _decide(broker: NatsBroker, order_id: str, session: str, decision: str) -> Any:
    request = OrderDecisionRequested.model_validate(
        {"order_id": order_id, "session_id": session, "decision": decision}
    )
    return await durable_request(
        broker,
        request,
        subjects.ORDERS_ORDER_DECIDE,
        subjects.ACTIONS_STREAM,
        msg_id=request.id,
        timeout_s=10,
    )


async def test_five_deliveries_of_one_tool_message_make_one_order(service: OrdersService) -> None:
    request = _request("conv:call_redelivered")
    replies = [await _create(service.broker, request) for _ in range(5)]
    order_ids = {reply["result"]["order_id"] for reply in replies}
    assert len(order_ids) == 1
    stored = await find_orders(service.orders.sessions, _query())
    assert [o.order_id for o in stored] == list(order_ids)


async def test_confirming_over_the_bus_publishes_order_placed_once(
    service: OrdersService,
) -> None:
    placed: list[OrderPlaced] = []
    watcher = await service.broker.connection.subscribe(subjects.ORDERS_ORDER_PLACED)
    relay = asyncio.create_task(service.relay.run())
    try:
        created = await _create(service.broker, _request("conv:call_confirm"))
        order_id = created["result"]["order_id"]
        confirmed = await _decide(service.broker, order_id, SESSION, "confirm")
        assert confirmed["result"]["status"] == "confirmed"
        again = await _decide(service.broker, order_id, SESSION, "confirm")
        assert again["error"]["code"] == "already_confirmed"
        msg = await watcher.next_msg(timeout=10)
        placed.append(OrderPlaced.model_validate_json(msg.data))
        # The event reaches subscribers before the relay has its publish acknowledged and
        # marks the row: stopping the relay in between would leave it to be sent again.
        await _until_nothing_unpublished(service)
        with pytest.raises(nats.errors.TimeoutError):  # the second confirm sent nothing
            await watcher.next_msg(timeout=0.5)
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
    assert placed[0].order_id == order_id
    assert await service.relay.relay_pending() == 0, "the event is marked published"


async def _until_nothing_unpublished(service: OrdersService, within_s: float = 10.0) -> None:
    unpublished = (
        select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
    )
    for _ in range(int(within_s / 0.05)):
        async with service.orders.sessions() as session:
            if await session.scalar(unpublished) == 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox still had unpublished events after {within_s}s")


async def test_another_sessions_decision_is_refused(service: OrdersService) -> None:
    created = await _create(service.broker, _request("conv:call_other"))
    refused = await _decide(service.broker, created["result"]["order_id"], "z" * 32, "confirm")
    assert refused["error"]["code"] == "action_not_found"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"quantity": 0}, "invalid_arguments"),
        ({"quantity": 10_000}, "invalid_arguments"),
        ({"product": "Unicorn Roast"}, "unknown_product"),
        ({"unit_price": "0.01"}, "invalid_arguments"),
    ],
)
async def test_bad_orders_are_refused_and_nothing_is_written(
    service: OrdersService, change: dict[str, Any], code: str
) -> None:
    body = json.loads(_request(f"conv:call_bad_{code}").model_dump_json())
    body["args"]["items"][0].update(change)
    reply = await durable_request(
        service.broker,
        body,
        subjects.TOOL_ORDERS_CREATE,
        subjects.ACTIONS_STREAM,
        msg_id=f"bad-{code}-{len(change)}",
        timeout_s=10,
    )
    assert reply["error"]["code"] == code
    assert await find_orders(service.orders.sessions, _query()) == []


async def test_a_malformed_email_is_refused(service: OrdersService) -> None:
    body = json.loads(_request("conv:call_email").model_dump_json())
    body["args"]["customer"]["email"] = "ada at example"
    reply = await _create_raw(service.broker, body, "email")
    assert reply["error"]["code"] == "invalid_arguments" and "email" in reply["error"]["message"]


async def test_a_database_that_is_down_means_ordering_is_unavailable(
    private_nats_url: str,
) -> None:
    down = await _start(
        private_nats_url, "postgresql+asyncpg://nobody@127.0.0.1:1/none", migrate=False
    )
    try:
        reply = await _create(down.broker, _request("conv:call_db_down"))
    finally:
        await down.broker.stop()
        await down.orders.engine.dispose()
    assert reply["error"]["code"] == "orders_unavailable"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (subjects.ORDERS_PERSONAL_DATA_ERASE, b"{}"),
        (subjects.ORDERS_PERSONAL_DATA_ERASE, b'{"conversation_ids": "c1"}'),
        (subjects.ORDERS_PERSONAL_DATA_ERASE, b"not json"),
        (subjects.ORDERS_ORDER_QUERY, b'{"limit": 0}'),
        (subjects.ORDERS_ORDER_QUERY, b"[]"),
    ],
)
async def test_a_request_it_cannot_read_is_answered_with_an_error(
    service: OrdersService, subject: str, body: bytes
) -> None:
    reply = await service.broker.connection.request(subject, body, timeout=5)
    with pytest.raises(ServiceError) as refused:
        read_reply(reply.data, OrdersPersonalDataErased)
    assert refused.value.code == INVALID_REQUEST and refused.value.message


async def _create_raw(broker: NatsBroker, body: dict[str, Any], key: str) -> dict[str, Any]:
    reply: dict[str, Any] = await durable_request(
        broker, body, subjects.TOOL_ORDERS_CREATE, subjects.ACTIONS_STREAM, key, timeout_s=10
    )
    return reply


def _query() -> OrdersQuery:
    return OrdersQuery()
