"""`copilot-orders-migrate`: upgrade the orders database, then exit (for deploy jobs)."""

import asyncio

from copilot_orders.adapters.schema import migrate
from copilot_orders.adapters.sql_orders import make_engine
from copilot_orders.config import OrdersSettings


async def _run(settings: OrdersSettings) -> None:
    engine = make_engine(settings.resolved_database_url, 1, 0)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main() -> None:
    asyncio.run(_run(OrdersSettings()))
    print("orders database is at the latest migration")


if __name__ == "__main__":
    main()
