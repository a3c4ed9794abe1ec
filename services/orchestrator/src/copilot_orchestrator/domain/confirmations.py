"""What the visitor is asked to confirm after a tool prepared an order or a report."""

from copilot_contracts.chat import ConfirmationEvent
from copilot_contracts.tools import CreateGithubIssueResult, CreateOrderResult

from copilot_orchestrator.domain.conversation import ToolOutcome


def order_summary(order: CreateOrderResult) -> str:
    items = ", ".join(
        f"{line.quantity} × {line.name}" + (f" ({line.grind})" if line.grind else "")
        for line in order.lines
    )
    return f"Order {order.order_id}: {items}. Total {order.total} {order.currency}."


def confirmation_for(outcome: ToolOutcome) -> ConfirmationEvent | None:
    """The Confirm (or Send report) card a prepared action needs, or None."""
    result = outcome.result
    if isinstance(result, CreateOrderResult):
        return ConfirmationEvent(
            action_id=result.order_id,
            summary=order_summary(result),
            expires_at=result.expires_at,
        )
    if (
        isinstance(result, CreateGithubIssueResult)
        and result.status == "pending_confirmation"
        and result.action_id
        and result.expires_at
    ):
        return ConfirmationEvent(
            action_id=result.action_id,
            summary=f"Report for our web team: {result.title}",
            expires_at=result.expires_at,
            kind="issue",
        )
    return None
