"""Re-indexing the docs: the request, and the events that report how it goes."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from copilot_contracts.envelope import Message, new_id, utc_now


class RagReindexRequested(Message):
    """Bring the docs index in line with a source: a path the RAG service can read, or a file
    listing URLs. Unchanged documents are skipped; documents gone from the source are removed."""

    id: str = Field(default_factory=new_id, pattern=r"^[A-Za-z0-9_-]{8,64}$")
    created_at: datetime = Field(default_factory=utc_now)
    source: str | None = Field(
        default=None, max_length=4096, description="None: the service's own DOCS_PATH."
    )
    url_list: bool = False
    source_name: str | None = Field(
        default=None,
        max_length=200,
        description="Groups the documents of one source; defaults to the source itself.",
    )
    rebuild: bool = Field(
        default=False, description="Drop the whole index first (e.g. after a model change)."
    )


class ReindexProgressed(Message):
    type: Literal["progress"] = "progress"
    done: int
    total: int
    current: str


class ReindexSkippedFile(Message):
    type: Literal["skipped"] = "skipped"
    name: str
    reason: str


class RagReindexCompleted(Message):
    type: Literal["completed"] = "completed"
    request_id: str
    source_name: str
    added: int
    updated: int
    unchanged: int
    removed: int
    skipped: int
    chunks_embedded: int
    seconds: float


class RagReindexFailed(Message):
    type: Literal["failed"] = "failed"
    request_id: str
    code: str
    message: str


ReindexEvent = Annotated[
    ReindexProgressed | ReindexSkippedFile | RagReindexCompleted | RagReindexFailed,
    Field(discriminator="type"),
]


class ReindexEventPublished(Message):
    event: ReindexEvent


class EmbedRequested(Message):
    """Vectors for short texts (visitors' questions), from the model the docs index uses."""

    texts: list[str] = Field(min_length=1, max_length=500)


class Embedded(Message):
    model: str
    vectors: list[list[float]]
