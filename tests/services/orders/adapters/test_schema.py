"""Migrations bring any database to the latest schema: new ones, and ones made before."""

from pathlib import Path

from copilot_orders.adapters.schema import current_revision, migrate
from copilot_orders.adapters.sql_orders import make_engine
from sqlalchemy import inspect, text


async def test_a_new_database_gets_every_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}", 1, 0)
    await migrate(engine)
    await migrate(engine)  # a second run changes nothing
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        revision = await conn.run_sync(current_revision)
    assert {"products", "orders", "order_lines", "outbox"} <= tables
    assert revision == "0003"
    await engine.dispose()


async def test_a_database_made_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}", 1, 0)
    async with engine.begin() as conn:  # the first schema, as the service once created it
        await conn.execute(
            text(
                "CREATE TABLE orders (id VARCHAR(40) PRIMARY KEY, status VARCHAR(32),"
                " customer_name VARCHAR(120), customer_email VARCHAR(254), note TEXT,"
                " total_cents INTEGER, currency VARCHAR(3), conversation_id VARCHAR(64),"
                " idempotency_key VARCHAR(200) UNIQUE, request_hash VARCHAR(64),"
                " created_at DATETIME, expires_at DATETIME)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO orders VALUES ('EO-0000ABCD', 'confirmed', 'Ada', 'a@b.c', NULL,"
                " 100, 'USD', 'c', 'k', 'h', '2026-01-01', '2026-01-01')"
            )
        )
    await migrate(engine)
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda c: {x["name"] for x in inspect(c).get_columns("orders")}
        )
        kept = (await conn.execute(text("SELECT count(*) FROM orders"))).scalar()
    assert {"session_id", "decided_at"} <= columns
    assert kept == 1
    await engine.dispose()
