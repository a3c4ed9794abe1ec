"""NATS subject, stream and bucket names: the only place they are spelled out."""

ROOT = "copilot.v1"

CHAT_TURN_REQUESTED = f"{ROOT}.chat.turn.requested"
CHAT_TURN_CANCELLED = f"{ROOT}.chat.turn.cancelled"
CHAT_TURN_EVENTS_WILDCARD = f"{ROOT}.chat.turn.*.events"
CHAT_FEEDBACK_GIVEN = f"{ROOT}.chat.feedback.given"
CHAT_WIDGET_OPENED = f"{ROOT}.chat.widget.opened"
CHAT_CONFIRMATION_ACCEPTED = f"{ROOT}.chat.confirmation.accepted"
CHAT_CONFIRMATION_DECLINED = f"{ROOT}.chat.confirmation.declined"
CHAT_CONFIRMATION_WILDCARD = f"{ROOT}.chat.confirmation.*"

# A turn's summary, on the subject of how it ended: answered, failed or abandoned.
INSIGHTS_TURN_ANSWERED = f"{ROOT}.insights.turn.answered"
INSIGHTS_TURN_FAILED = f"{ROOT}.insights.turn.failed"
INSIGHTS_TURN_ABANDONED = f"{ROOT}.insights.turn.abandoned"
INSIGHTS_TURN_WILDCARD = f"{ROOT}.insights.turn.*"
INSIGHTS_REPORT_QUERY = f"{ROOT}.insights.report.query"
INSIGHTS_PERSONAL_DATA_ERASE = f"{ROOT}.insights.personal_data.erase"

TOOL_RAG_SEARCH = f"{ROOT}.tool.rag.search"
TOOL_ORDERS_CREATE = f"{ROOT}.tool.orders.create"
TOOL_GITHUB_ISSUE_CREATE = f"{ROOT}.tool.github.issue.create"
GITHUB_ISSUE_DECIDE = f"{ROOT}.github.issue.decide"
GITHUB_ISSUE_QUERY = f"{ROOT}.github.issue.query"

ORDERS_ORDER_PLACED = f"{ROOT}.orders.order.placed"
ORDERS_ORDER_DECIDE = f"{ROOT}.orders.order.decide"
ORDERS_ORDER_QUERY = f"{ROOT}.orders.order.query"
ORDERS_PERSONAL_DATA_ERASE = f"{ROOT}.orders.personal_data.erase"
RAG_REINDEX_REQUESTED = f"{ROOT}.rag.reindex.requested"
RAG_EMBED = f"{ROOT}.rag.embed"
RAG_REINDEX_COMPLETED = f"{ROOT}.rag.reindex.completed"

DEAD_LETTERS_WILDCARD = f"{ROOT}.deadletter.>"
CHAT_TURNS_STREAM = "COPILOT_CHAT_TURNS"
RAG_REINDEX_STREAM = "COPILOT_RAG_REINDEX"
ACTIONS_STREAM = "COPILOT_ACTIONS"
CHAT_EVENTS_STREAM = "COPILOT_CHAT_EVENTS"
ORDER_EVENTS_STREAM = "COPILOT_ORDER_EVENTS"
DEAD_LETTERS_STREAM = "COPILOT_DEAD_LETTERS"
INSIGHTS_STREAM = "COPILOT_INSIGHTS"
TURN_EVENTS_STREAM = "COPILOT_TURN_EVENTS"

CONVERSATIONS_BUCKET = "copilot_conversations"
# Transcripts of consented conversations, redacted; working memory of every conversation.
HISTORY_BUCKET = "copilot_history"
WORKING_HISTORY_BUCKET = "copilot_history_working"
PENDING_ISSUES_BUCKET = "copilot_pending_issues"
RATE_LIMITS_BUCKET = "copilot_rate_limits"
# Rate-limit counters on a server that counts (NATS 2.12+): a subject per window.
RATE_COUNTERS_STREAM = "COPILOT_RATE_COUNTERS"
RATE_COUNTERS_PREFIX = f"{ROOT}.ratelimit"
REVOKED_SESSIONS_BUCKET = "copilot_revoked_sessions"
SPEND_BUCKET = "copilot_spend"


def _token(value: str, what: str) -> str:
    if not value or any(c in value for c in ".*> \t"):
        raise ValueError(f"{what} {value!r} is not a valid subject token")
    return value


def chat_turn_events(turn_id: str) -> str:
    """The subject on which the orchestrator streams one turn's events back."""
    return f"{ROOT}.chat.turn.{_token(turn_id, 'turn id')}.events"


def transcript_index(session_id: str, conversation_id: str) -> str:
    """The key, in the transcripts' bucket, that ties a kept transcript to its session (so
    erasing a session finds its transcripts for as long as they are kept)."""
    return f"session.{_token(session_id, 'session id')}.{_token(conversation_id, 'id')}"


def dead_letter(stream: str, consumer: str) -> str:
    """Where a message that exhausted its deliveries on `stream`/`consumer` is kept."""
    return f"{ROOT}.deadletter.{_token(stream, 'stream')}.{_token(consumer, 'consumer')}"


def max_deliveries_advisory(stream: str, consumer: str) -> str:
    """JetStream's notice that a message of `consumer` was delivered MaxDeliver times."""
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"


def turn_ended(outcome: str) -> str:
    """Where a turn's summary goes: `copilot.v1.insights.turn.<answered|failed|abandoned>`."""
    return f"{ROOT}.insights.turn.{_token(outcome, 'outcome')}"


def rag_reindex_events(request_id: str) -> str:
    """The subject on which the RAG service reports one re-index as it goes."""
    return f"{ROOT}.rag.reindex.{_token(request_id, 'request id')}.events"


def rate_counter(key: str) -> str:
    """A rate-limit window's counter subject; `key` is dot-separated tokens."""
    for token in key.split("."):
        _token(token, "rate counter key part")
    return f"{RATE_COUNTERS_PREFIX}.{key}"
