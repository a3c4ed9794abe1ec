"""The orders service's subscribers, for the bus's AsyncAPI document (`make docs`)."""

from datetime import timedelta

from copilot_service_defaults.asyncapi import documented_broker as broker_with
from faststream.nats import NatsBroker

from copilot_orders.adapters.outbox_relay import OutboxRelay
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.handlers import build_router

DESCRIPTION = (
    "Prepares priced orders for the model's createOrder tool, confirms or cancels them when "
    "the visitor decides, publishes copilot.v1.orders.order.placed through its outbox, and "
    "answers staff's order queries and erasures."
)


def documented_broker() -> NatsBroker:
    """Its router as build_app includes it; the database engine never connects and the
    relay never publishes."""
    orders = SqlOrders(make_engine("sqlite+aiosqlite://", 1, 0), timedelta(minutes=15))

    async def never_published(subject: str, payload: str, event_id: str) -> None:
        raise NotImplementedError("a documented broker publishes nothing")

    relay = OutboxRelay(orders.sessions, never_published)
    return broker_with("orders", build_router(orders, relay))
