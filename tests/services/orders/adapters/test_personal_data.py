"""A visitor's personal data leaves their orders; the orders stay for the books."""

import pytest
from copilot_orders.adapters.personal_data import ERASED, erase_personal_data
from copilot_orders.adapters.sql_orders import SqlOrders
from copilot_orders.adapters.tables import OrderRow

from tests.services.orders.adapters.test_sql_orders import SESSION, _request, orders

__all__ = ["orders"]  # fixture
pytestmark = pytest.mark.security


async def test_the_sessions_orders_lose_their_customer_data_and_pending_ones_end(
    orders: SqlOrders,
) -> None:
    confirmed = await orders.create_pending(_request("erase-0001"))
    await orders.decide(confirmed.order_id, SESSION, "confirm")
    pending = await orders.create_pending(_request("erase-0002"))
    other = _request("erase-0003").model_copy(update={"session_id": "o" * 32})
    kept = await orders.create_pending(other)

    assert await erase_personal_data(orders.sessions, SESSION, []) == 2
    async with orders.sessions() as session:
        rows = {
            o.order_id: await session.get(OrderRow, o.order_id) for o in (confirmed, pending, kept)
        }
    erased_confirmed, erased_pending = rows[confirmed.order_id], rows[pending.order_id]
    assert erased_confirmed is not None and erased_pending is not None
    for row in (erased_confirmed, erased_pending):
        assert (row.customer_name, row.customer_email, row.note) == (ERASED, ERASED, None)
    assert erased_confirmed.status == "confirmed" and erased_confirmed.total_cents > 0
    assert erased_pending.status == "cancelled"
    untouched = rows[kept.order_id]
    assert untouched is not None and untouched.customer_email == "ada@example.com"


async def test_orders_of_named_conversations_are_erased(orders: SqlOrders) -> None:
    await orders.create_pending(_request("erase-0004"))
    assert await erase_personal_data(orders.sessions, None, ["c" * 32]) == 1
    assert await erase_personal_data(orders.sessions, None, ["x" * 32]) == 0
