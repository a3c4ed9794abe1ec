"""The insights service's subscribers, for the bus's AsyncAPI document (`make docs`)."""

from copilot_service_defaults.asyncapi import documented_broker as broker_with
from faststream.nats import NatsBroker
from sqlalchemy.ext.asyncio import create_async_engine

from copilot_insights.adapters.sql_insights import SqlInsights
from copilot_insights.handlers import build_router

DESCRIPTION = (
    "Keeps what happened in conversations (turn summaries, feedback, widget openings, "
    "answers to confirmations, orders placed) and answers staff's reports and erasures."
)


def documented_broker() -> NatsBroker:
    """Its router as build_app includes it; the store's engine never connects."""
    store = SqlInsights(create_async_engine("sqlite+aiosqlite://"))
    return broker_with("insights", build_router(store))
