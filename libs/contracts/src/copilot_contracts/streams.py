"""JetStream streams: the durable parts of the bus, declared the same way by every user."""

from dataclasses import dataclass

from copilot_contracts import subjects


@dataclass(frozen=True)
class StreamDefinition:
    name: str
    subjects: tuple[str, ...]
    max_age_s: float
    duplicate_window_s: float
    work_queue: bool = True
    in_memory: bool = False
    """Kept in memory, not on disk: lost when a NATS server restarts (then declared again)."""
    max_bytes: int = -1


CHAT_TURNS = StreamDefinition(
    name=subjects.CHAT_TURNS_STREAM,
    subjects=(subjects.CHAT_TURN_REQUESTED,),
    # A turn nobody picked up within an hour is stale: the visitor has long gone.
    max_age_s=3600,
    duplicate_window_s=120,
)

RAG_REINDEX = StreamDefinition(
    name=subjects.RAG_REINDEX_STREAM,
    subjects=(subjects.RAG_REINDEX_REQUESTED,),
    # A docs change that nobody re-indexed within a day is superseded by later ones anyway.
    max_age_s=86_400,
    duplicate_window_s=120,
)

# State-changing messages: kept until a service has applied them and acknowledged. The
# window drops a second publish of the same idempotency key; services' own stores are the
# real guarantee.
ACTIONS = StreamDefinition(
    name=subjects.ACTIONS_STREAM,
    subjects=(
        subjects.TOOL_ORDERS_CREATE,
        subjects.TOOL_GITHUB_ISSUE_CREATE,
        subjects.ORDERS_ORDER_DECIDE,
        subjects.GITHUB_ISSUE_DECIDE,
    ),
    max_age_s=86_400,
    duplicate_window_s=600,
)

ORDER_EVENTS = StreamDefinition(
    name=subjects.ORDER_EVENTS_STREAM,
    subjects=(subjects.ORDERS_ORDER_PLACED,),
    # Fulfilment reads placed orders from here; a week covers any outage of it.
    max_age_s=7 * 86_400,
    duplicate_window_s=3600,
    work_queue=False,
)

# What happened in conversations, for the insights: kept a week, for the consumer that
# stores them (their own retention is TRANSCRIPT_RETENTION_DAYS).
INSIGHTS = StreamDefinition(
    name=subjects.INSIGHTS_STREAM,
    subjects=(
        subjects.INSIGHTS_TURN_ANSWERED,
        subjects.INSIGHTS_TURN_FAILED,
        subjects.INSIGHTS_TURN_ABANDONED,
    ),
    max_age_s=7 * 86_400,
    duplicate_window_s=600,
    work_queue=False,
)

# Messages that exhausted their deliveries, kept for an operator to inspect and replay
# (`copilot deadletters`); never dropped silently.
DEAD_LETTERS = StreamDefinition(
    name=subjects.DEAD_LETTERS_STREAM,
    subjects=(subjects.DEAD_LETTERS_WILDCARD,),
    max_age_s=30 * 86_400,
    duplicate_window_s=3600,
    work_queue=False,
)

# What visitors do besides asking (rate answers, open the widget, confirm or decline what
# the assistant prepared), kept for the insights that read it.
CHAT_EVENTS = StreamDefinition(
    name=subjects.CHAT_EVENTS_STREAM,
    subjects=(
        subjects.CHAT_FEEDBACK_GIVEN,
        subjects.CHAT_WIDGET_OPENED,
        subjects.CHAT_CONFIRMATION_ACCEPTED,
        subjects.CHAT_CONFIRMATION_DECLINED,
    ),
    max_age_s=90 * 86_400,
    duplicate_window_s=120,
    work_queue=False,
)

# Each turn's events, kept briefly so that a visitor whose stream was cut (a gateway replica
# restarted, the network changed) resumes the answer where it stopped, through any gateway
# replica. In memory: they matter only while a turn runs, and a disk write per streamed
# piece of text would slow every answer.
TURN_EVENTS = StreamDefinition(
    name=subjects.TURN_EVENTS_STREAM,
    subjects=(subjects.CHAT_TURN_EVENTS_WILDCARD,),
    max_age_s=600,
    duplicate_window_s=60,
    work_queue=False,
    in_memory=True,
    max_bytes=256 * 1024 * 1024,
)
