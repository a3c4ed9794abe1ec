"""Bus handlers: decode the request, call the domain, reply."""

import logging
from typing import Annotated, Any

from copilot_contracts import subjects
from copilot_contracts.envelope import Message
from copilot_contracts.rag import (
    Embedded,
    EmbedRequested,
    RagReindexCompleted,
    RagReindexRequested,
    ReindexEventPublished,
)
from copilot_contracts.replies import INVALID_REQUEST, ErrorReply
from copilot_contracts.tools import SearchDocsRequest, SearchDocsResult, ToolReply
from copilot_service_defaults.bus_payloads import DocumentedAs
from copilot_service_defaults.jetstream import in_progress_while_running
from copilot_service_defaults.validation import validation_summary
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsMessage, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from prometheus_client import Histogram
from pydantic import Field, ValidationError

from copilot_rag.domain.embeddings import Embedder, EmbeddingUnavailableError
from copilot_rag.domain.search import DocsIndex, RelevanceFloor, search_docs
from copilot_rag.failures import INDEX_FAILURES
from copilot_rag.reindexing import IndexState, Reindexer

log = logging.getLogger(__name__)

UNAVAILABLE = "The docs search is unavailable right now."
SEARCH_SECONDS = Histogram(
    "vector_search_seconds",
    "Docs search time, the query's embedding included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# A re-index can take minutes: it reports progress to JetStream while it runs.
REINDEX_ACK_WAIT_S = 30.0
REINDEX_MAX_DELIVER = 3
SearchBody = Annotated[Any, DocumentedAs(SearchDocsRequest), Field(title="SearchDocsRequest")]
EmbedBody = Annotated[Any, DocumentedAs(EmbedRequested), Field(title="EmbedRequested")]
ReindexBody = Annotated[Any, DocumentedAs(RagReindexRequested), Field(title="RagReindexRequested")]
ReindexedBody = Annotated[
    Any, DocumentedAs(RagReindexCompleted), Field(title="RagReindexCompleted")
]


class DocsSearch:
    """A searchDocs request answered: the bus handler's work, callable without a bus."""

    def __init__(
        self,
        index: DocsIndex,
        embedder: Embedder,
        state: IndexState,
        floor: RelevanceFloor | None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.state = state
        self.floor = floor

    async def answer(self, body: Any) -> ToolReply[SearchDocsResult]:
        try:
            request = SearchDocsRequest.model_validate(body)
        except ValidationError as exc:
            return ToolReply.failed("invalid_arguments", validation_summary(exc))
        if self.state.problem is not None:  # the details are in the logs, not for visitors
            return ToolReply.failed("search_unavailable", UNAVAILABLE)
        try:
            with SEARCH_SECONDS.time():
                result = await search_docs(
                    self.index, self.embedder, request.args, floor=self.floor
                )
        except (*INDEX_FAILURES, OSError, EmbeddingUnavailableError) as exc:
            log.warning("docs search failed: %s", type(exc).__name__)
            return ToolReply.failed("search_unavailable", UNAVAILABLE)
        log.debug("docs search returned %d passages", len(result.passages))
        return ToolReply.ok(result)


def build_router(
    index: DocsIndex,
    embedder: Embedder,
    state: IndexState,
    reindexer: Reindexer,
    floor: RelevanceFloor | None,
    workers: int = 1,
) -> NatsRouter:
    """`workers`: searches (and embeddings) answered at once; FastStream takes a core NATS
    subscriber's messages one at a time unless told otherwise, and a search mostly waits
    on the embedding, which runs in a thread."""
    router = NatsRouter()
    docs_search = DocsSearch(index, embedder, state, floor)

    @router.subscriber(subjects.TOOL_RAG_SEARCH, queue="rag", max_workers=workers)
    async def search(body: SearchBody) -> ToolReply[SearchDocsResult]:
        """Request/reply: the model's searchDocs tool call, answered with a
        ToolReply[SearchDocsResult] (passages with their citations, or an error)."""
        return await docs_search.answer(body)

    @router.subscriber(subjects.RAG_EMBED, queue="rag", max_workers=workers)
    async def embed(body: EmbedBody) -> Embedded | ErrorReply:
        """Request/reply: vectors for visitors' questions (the insights group them), embedded
        as queries are, answered as Embedded; an ErrorReply to a request it cannot read."""
        try:
            request = EmbedRequested.model_validate(body)
        except ValidationError as exc:
            return ErrorReply.of(INVALID_REQUEST, validation_summary(exc))
        vectors = [await embedder.embed_query(text[:1000]) for text in request.texts]
        return Embedded(model=embedder.name, vectors=vectors)

    @router.subscriber(
        subjects.RAG_REINDEX_REQUESTED,
        stream=JStream(name=subjects.RAG_REINDEX_STREAM, declare=False),
        durable="rag-reindex",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        ack_policy=AckPolicy.ACK,
        config=ConsumerConfig(
            ack_wait=REINDEX_ACK_WAIT_S, max_deliver=REINDEX_MAX_DELIVER, max_ack_pending=1
        ),
    )
    async def reindex(body: ReindexBody, msg: NatsMessage, broker: NatsBroker) -> None:
        """Brings the docs index in line with a source; its progress and outcome are
        published on copilot.v1.rag.reindex.<request id>.events."""
        try:
            request = RagReindexRequested.model_validate(body)
        except ValidationError as exc:
            log.warning("unreadable re-index request: %s", validation_summary(exc))
            return  # acked and dropped: a redelivery would not make it readable
        events = subjects.rag_reindex_events(request.id)

        async def publish(event: Message) -> None:
            await broker.publish(ReindexEventPublished(event=event), events)

        async with in_progress_while_running(msg, REINDEX_ACK_WAIT_S / 3):
            outcome = await reindexer.run(request, publish)
        await publish(outcome)
        if isinstance(outcome, RagReindexCompleted):
            await broker.publish(outcome, subjects.RAG_REINDEX_COMPLETED)

    @router.subscriber(subjects.RAG_REINDEX_COMPLETED)
    async def reindexed_elsewhere(body: ReindexedBody) -> None:
        """Every replica (no queue group) hears that the index changed, and looks at it
        again."""
        await reindexer.refresh()

    return router
