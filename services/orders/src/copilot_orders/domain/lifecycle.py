"""An order's life: pending_confirmation → confirmed → fulfilled, or → cancelled / expired.

Only the visitor's session that prepared an order may confirm or cancel it, and only while
it waits for confirmation. Every refusal is an `OrderRejected` with a machine-readable code."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from copilot_orders.domain.catalog import OrderRejected

Status = Literal["pending_confirmation", "confirmed", "fulfilled", "cancelled", "expired"]
Decision = Literal["confirm", "cancel"]

_NEXT: dict[Decision, Status] = {"confirm": "confirmed", "cancel": "cancelled"}
_ALREADY = {
    "confirmed": ("already_confirmed", "This order is already confirmed."),
    "fulfilled": ("already_confirmed", "This order is already confirmed and on its way."),
    "cancelled": ("already_cancelled", "This order was cancelled."),
    "expired": ("action_expired", "This order expired before it was confirmed; ask again."),
}


@dataclass(frozen=True)
class OrderState:
    order_id: str
    status: Status
    session_id: str | None
    expires_at: datetime


def decide(order: OrderState | None, session_id: str, decision: Decision, now: datetime) -> Status:
    """The status the order moves to, or why it cannot."""
    if order is None or order.session_id != session_id:
        # Another session's order looks exactly like a missing one: nothing to learn from it.
        raise OrderRejected("action_not_found", "No such order awaits your confirmation.")
    if order.status != "pending_confirmation":
        code, message = _ALREADY[order.status]
        raise OrderRejected(code, message)
    if now >= order.expires_at:
        raise OrderRejected("action_expired", _ALREADY["expired"][1])
    return _NEXT[decision]


def fulfil(order: OrderState) -> Status:
    """Staff mark a confirmed order as shipped."""
    if order.status != "confirmed":
        raise OrderRejected("not_confirmed", f"Order {order.order_id} is {order.status}.")
    return "fulfilled"
