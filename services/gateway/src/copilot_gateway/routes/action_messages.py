"""What the visitor reads after deciding on an order or a report."""

from typing import Any

_ORDER_MESSAGES = {
    "confirmed": "Thank you! Order {order_id} is confirmed: {summary}.",
    "fulfilled": "Order {order_id} is confirmed and on its way: {summary}.",
    "cancelled": "Order {order_id} is cancelled; nothing will be charged or sent.",
    "pending_confirmation": "Order {order_id} awaits your confirmation: {summary}.",
    "expired": "Order {order_id} expired before it was confirmed; please ask again.",
}


def describe_order(order_id: str, status: str, lines: list[dict[str, Any]], total: str) -> str:
    summary = ", ".join(f"{line['quantity']} × {line['name']}" for line in lines)
    return _ORDER_MESSAGES[status].format(order_id=order_id, summary=f"{summary}, total {total}")


def describe_issue(report: dict[str, Any]) -> str:
    status = report.get("status")
    if status == "cancelled":
        return "Your report was not sent."
    if status == "expired":
        return "This report expired before it was sent; tell me again if it still matters."
    if status == "pending_confirmation":
        return "Your report is ready to send."
    if report.get("queued"):
        return "Thank you! GitHub is unreachable right now; your report will be filed soon."
    if status == "sending":
        return "Your report is being sent…"
    if report.get("dry_run"):
        return "Thank you! Your report was recorded for our web team."
    return f"Thank you! Your report was filed for our web team as issue #{report.get('number')}."
