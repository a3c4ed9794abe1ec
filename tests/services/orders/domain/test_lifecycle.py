from datetime import UTC, datetime, timedelta

import pytest
from copilot_orders.domain.catalog import OrderRejected
from copilot_orders.domain.lifecycle import OrderState, Status, decide, fulfil

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def order(status: Status = "pending_confirmation", minutes_left: int = 10) -> OrderState:
    return OrderState("EO-0000ABCD", status, "session-a", NOW + timedelta(minutes=minutes_left))


def test_the_owner_confirms_or_cancels_a_pending_order() -> None:
    assert decide(order(), "session-a", "confirm", NOW) == "confirmed"
    assert decide(order(), "session-a", "cancel", NOW) == "cancelled"


@pytest.mark.parametrize(
    ("state", "session", "code"),
    [
        (None, "session-a", "action_not_found"),
        (order(), "session-b", "action_not_found"),
        (order("confirmed"), "session-a", "already_confirmed"),
        (order("fulfilled"), "session-a", "already_confirmed"),
        (order("cancelled"), "session-a", "already_cancelled"),
        (order("expired"), "session-a", "action_expired"),
        (order(minutes_left=0), "session-a", "action_expired"),
    ],
)
def test_refusals_have_a_code(state: OrderState | None, session: str, code: str) -> None:
    with pytest.raises(OrderRejected) as rejected:
        decide(state, session, "confirm", NOW)
    assert rejected.value.code == code and rejected.value.message


def test_an_order_without_a_session_can_be_decided_by_nobody() -> None:
    anonymous = OrderState("EO-0000ABCD", "pending_confirmation", None, NOW + timedelta(hours=1))
    with pytest.raises(OrderRejected):
        decide(anonymous, "", "confirm", NOW)


def test_only_confirmed_orders_are_fulfilled() -> None:
    assert fulfil(order("confirmed")) == "fulfilled"
    with pytest.raises(OrderRejected):
        fulfil(order())
