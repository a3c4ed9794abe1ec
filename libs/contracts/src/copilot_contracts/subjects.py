"""NATS subject, stream and bucket names: the only place they are spelled out."""

ROOT = "copilot.v1"

CHAT_TURN_REQUESTED = f"{ROOT}.chat.turn.requested"
CHAT_TURN_CANCELLED = f"{ROOT}.chat.turn.cancelled"
CHAT_TURN_EVENTS_WILDCARD = f"{ROOT}.chat.turn.*.events"

TOOL_RAG_SEARCH = f"{ROOT}.tool.rag.search"
TOOL_ORDERS_CREATE = f"{ROOT}.tool.orders.create"
TOOL_GITHUB_ISSUE_CREATE = f"{ROOT}.tool.github.issue.create"

ORDERS_ORDER_PLACED = f"{ROOT}.orders.order.placed"
RAG_REINDEX_REQUESTED = f"{ROOT}.rag.reindex.requested"

CHAT_TURNS_STREAM = "COPILOT_CHAT_TURNS"

CONVERSATIONS_BUCKET = "copilot_conversations"
HISTORY_BUCKET = "copilot_history"


def chat_turn_events(turn_id: str) -> str:
    """The subject on which the orchestrator streams one turn's events back."""
    if not turn_id or any(c in turn_id for c in ".*> \t"):
        raise ValueError(f"turn id {turn_id!r} is not a valid subject token")
    return f"{ROOT}.chat.turn.{turn_id}.events"
