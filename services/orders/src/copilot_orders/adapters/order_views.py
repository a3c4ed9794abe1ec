"""Orders as staff see them: filtered lists and single orders, customer contact included."""

from copilot_contracts.orders import OrderDetails, OrdersQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from copilot_orders.adapters.sql_orders import amount, order_lines
from copilot_orders.adapters.tables import OrderRow


async def find_orders(
    sessions: async_sessionmaker[AsyncSession], query: OrdersQuery
) -> list[OrderDetails]:
    statement = select(OrderRow).order_by(OrderRow.created_at.desc()).limit(query.limit)
    if query.order_id:
        statement = statement.where(OrderRow.id == query.order_id)
    if query.status:
        statement = statement.where(OrderRow.status == query.status)
    if query.session_id:
        statement = statement.where(OrderRow.session_id == query.session_id)
    async with sessions() as session:
        rows = (await session.scalars(statement)).all()
    return [details(row) for row in rows]


def details(row: OrderRow) -> OrderDetails:
    lines = order_lines(row)
    return OrderDetails(
        order_id=row.id,
        status=row.status,
        total=amount(row.total_cents),
        currency=row.currency,
        created_at=row.created_at,
        expires_at=row.expires_at,
        items=sum(line.quantity for line in lines),
        lines=lines,
        customer_name=row.customer_name,
        customer_email=row.customer_email,
        note=row.note,
        conversation_id=row.conversation_id,
        confirmed_at=row.decided_at if row.status in ("confirmed", "fulfilled") else None,
    )
