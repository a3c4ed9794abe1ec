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
