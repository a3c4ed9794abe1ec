"""Orders throughput and the cost of exactly-once.

Measures, on SQLite (and PostgreSQL when one answers on 127.0.0.1:5432):
1. orders/s the store sustains preparing orders (catalog pricing, one transaction each);
2. orders/s through the bus as in production: JetStream request, durable consumer, commit,
   reply on the caller's inbox, at concurrency 1 and 10 (a NATS server of its own);
3. the idempotency check: the lookup every request makes before preparing an order, and
   how long a repeated request takes to answer from the store.
Writes bench/results/orders-bench-<date>.json and prints a summary."""

import asyncio
import logging
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from copilot_cli import nats_server
from copilot_contracts import subjects
from copilot_contracts.streams import ACTIONS, ORDER_EVENTS
from copilot_contracts.tools import CreateOrderRequest
from copilot_orders.adapters.outbox_relay import OutboxRelay
from copilot_orders.adapters.sql_orders import SqlOrders, make_engine
from copilot_orders.config import BUNDLED_CATALOG
from copilot_orders.domain.catalog import load_catalog
from copilot_orders.handlers import build_router
from copilot_service_defaults.durable_requests import durable_request
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker
from results_file import write_results

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
STORE_ORDERS = 400
BUS_ORDERS = 200


def request(key: str) -> CreateOrderRequest:
    return CreateOrderRequest.model_validate(
        {
            "session_id": "s" * 32,
            "conversation_id": "c" * 32,
            "turn_id": "t" * 32,
            "idempotency_key": key,
            "args": {
                "items": [{"product": "EO-HB-250", "quantity": 1, "grind": "whole bean"}],
                "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
            },
        }
    )


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
    }


async def store_figures(orders: SqlOrders, run: str) -> dict[str, Any]:
    started = time.perf_counter()
    for i in range(STORE_ORDERS):
        await orders.create_pending(request(f"{run}:store:{i}"))
    sequential = STORE_ORDERS / (time.perf_counter() - started)
    lookups, repeats = [], []
    for i in range(0, STORE_ORDERS, 4):
        again = request(f"{run}:store:{i}")
        t0 = time.perf_counter()
        await orders._existing(again)  # the check every request pays before preparing
        lookups.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        await orders.create_pending(again)
        repeats.append(time.perf_counter() - t0)
    return {
        "orders_per_s_sequential": round(sequential, 1),
        "idempotency_lookup": ms(lookups),
        "repeat_answered_from_store": ms(repeats),
    }


async def bus_figures(orders: SqlOrders, nats_url: str, run: str) -> dict[str, Any]:
    quiet = logging.getLogger("bench.bus")
    quiet.setLevel(logging.WARNING)
    service = NatsBroker(nats_url, logger=quiet)

    async def no_publish(subject: str, payload: str, event_id: str) -> None:
        return None

    service.include_router(build_router(orders, OutboxRelay(orders.sessions, no_publish)))
    client = NatsBroker(nats_url, logger=quiet)
    async with service, client:
        for stream in (ACTIONS, ORDER_EVENTS):
            await ensure_stream(service.connection.jetstream(), stream, replicas=1)
        await service.start()
        figures: dict[str, Any] = {}
        for concurrency in (1, 10):
            latencies: list[float] = []

            async def one(
                i: int, concurrency: int = concurrency, latencies: list[float] = latencies
            ) -> None:
                t0 = time.perf_counter()
                key = f"{run}:bus{concurrency}:{i}"
                reply = await durable_request(
                    client,
                    request(key),
                    subjects.TOOL_ORDERS_CREATE,
                    subjects.ACTIONS_STREAM,
                    key,
                    timeout_s=30,
                )
                assert reply["error"] is None, reply
                latencies.append(time.perf_counter() - t0)

            started = time.perf_counter()
            for start in range(0, BUS_ORDERS, concurrency):
                await asyncio.gather(*(one(i) for i in range(start, start + concurrency)))
            figures[f"concurrency_{concurrency}"] = {
                "orders_per_s": round(BUS_ORDERS / (time.perf_counter() - started), 1),
                **ms(latencies),
            }
    return figures


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


async def run_all(folder: Path, nats_url: str) -> dict[str, Any]:
    databases = {"sqlite": f"sqlite+aiosqlite:///{folder / 'orders.db'}"}
    if postgres_answers():
        databases["postgresql"] = POSTGRES_URL
    results: dict[str, Any] = {}
    run = datetime.now(UTC).strftime("%H%M%S")
    for name, url in databases.items():
        engine = make_engine(url, pool_size=10, max_overflow=5)
        orders = SqlOrders(engine, timedelta(minutes=15))
        await orders.create_schema()
        await orders.seed_catalog(load_catalog(BUNDLED_CATALOG))
        results[name] = {
            "store": await store_figures(orders, run),
            "bus": await bus_figures(orders, nats_url, run),
        }
        print(f"  {name}: {results[name]}", flush=True)
        await engine.dispose()
    return results


def main() -> int:
    started = datetime.now(UTC)
    print("Orders benchmark…", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        address = nats_server.NatsAddress("127.0.0.1", _free_port())
        server = nats_server.start_server(address, Path(folder))
        try:
            results = asyncio.run(run_all(Path(folder), f"nats://127.0.0.1:{address.port}"))
        finally:
            server.terminate()
            server.wait(timeout=10)
    out = write_results("orders-bench", started, {"databases": results})
    print(f"Written to {out}")
    return 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
