"""Erasing a visitor's personal data from their orders, keeping the orders themselves."""

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from copilot_orders.adapters.tables import OrderRow

ERASED = "[erased]"


async def erase_personal_data(
    sessions: async_sessionmaker[AsyncSession],
    session_id: str | None,
    conversation_ids: list[str],
) -> int:
    """Blank the customer's name, email and note on the visitor's orders, and cancel those
    still waiting for a confirmation that can no longer come; the number of orders."""
    matches = []
    if session_id is not None:
        matches.append(OrderRow.session_id == session_id)
    if conversation_ids:
        matches.append(OrderRow.conversation_id.in_(conversation_ids))
    async with sessions.begin() as session:
        await session.execute(
            update(OrderRow)
            .where(or_(*matches), OrderRow.status == "pending_confirmation")
            .values(status="cancelled")
        )
        erased = await session.execute(
            update(OrderRow)
            .where(or_(*matches))
            .values(customer_name=ERASED, customer_email=ERASED, note=None)
        )
        return int(erased.rowcount or 0)  # type: ignore[attr-defined]
