"""Orders after they are prepared: the visitor's decision, staff views, and what happened."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from copilot_contracts.envelope import Message, new_id, utc_now
from copilot_contracts.tools import OrderLine

ORDER_ID_PATTERN = r"^EO-[0-9A-F]{8}$"
OrderStatus = Literal["pending_confirmation", "confirmed", "fulfilled", "cancelled", "expired"]


class OrderDecisionRequested(Message):
    """The visitor pressed Confirm or Cancel on a prepared order (sent by the gateway)."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    order_id: str = Field(pattern=ORDER_ID_PATTERN)
    session_id: str = Field(min_length=8, max_length=64)
    decision: Literal["confirm", "cancel"]


class OrderSummary(Message):
    order_id: str
    status: OrderStatus
    total: Decimal
    currency: str
    created_at: datetime
    expires_at: datetime
    items: int


class OrderDetails(OrderSummary):
    """For staff: everything about one order, customer contact included."""

    lines: list[OrderLine]
    customer_name: str
    customer_email: str
    note: str | None = None
    conversation_id: str
    confirmed_at: datetime | None = None


class OrdersQuery(Message):
    order_id: str | None = Field(default=None, pattern=ORDER_ID_PATTERN)
    status: OrderStatus | None = None
    session_id: str | None = Field(default=None, description="Only this visitor's orders.")
    limit: int = Field(default=20, ge=1, le=500)


class OrdersFound(Message):
    orders: list[OrderDetails]


class OrderPlaced(Message):
    """An order was confirmed by the visitor: fulfil it. Published through the outbox."""

    id: str = Field(default_factory=new_id)
    created_at: datetime = Field(default_factory=utc_now)
    order_id: str
    conversation_id: str
    lines: list[OrderLine]
    total: Decimal
    currency: str
