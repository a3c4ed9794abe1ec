"""The RAG service: hybrid docs search over Qdrant, and re-indexing on request."""

import logging

import openai
from copilot_contracts.rag import RagReindexRequested
from copilot_contracts.streams import RAG_REINDEX
from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.consumers import watch_consumers
from copilot_service_defaults.health import health_routes
from copilot_service_defaults.jetstream import ensure_stream
from faststream.asgi import AsgiFastStream

from copilot_rag.adapters.embedding_cache import CachedEmbedder
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.openai_embedder import OpenAIEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.config import RagSettings
from copilot_rag.domain.embeddings import Embedder, EmbeddingUnavailableError
from copilot_rag.domain.search import IndexMismatchError
from copilot_rag.failures import INDEX_FAILURES
from copilot_rag.handlers import build_router
from copilot_rag.reindexing import DEFAULT_SOURCE, IndexState, Reindexer, SourcePolicy

log = logging.getLogger(__name__)


def build_embedder(settings: RagSettings) -> Embedder:
    if settings.embedding_provider == "openai":
        client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            timeout=30.0,
            max_retries=2,
        )
        return OpenAIEmbedder(
            client, settings.openai_embedding_model, settings.openai_embedding_dimensions
        )
    return LocalEmbedder()


def build_app(settings: RagSettings) -> AsgiFastStream:
    broker, _ = service_broker("rag", settings)
    client = open_client(
        settings.qdrant_url, settings.qdrant_api_key, settings.resolved_qdrant_path
    )
    index = QdrantDocsIndex(client, settings.qdrant_collection, server=bool(settings.qdrant_url))
    base_embedder = build_embedder(settings)
    embedder: Embedder = base_embedder
    if settings.embedding_cache:
        embedder = CachedEmbedder(base_embedder, settings.resolved_embedding_cache_path)
    state = IndexState()
    policy = SourcePolicy(
        default_docs=settings.docs_path,
        allowed_roots=settings.allowed_roots,
        max_bytes=settings.max_document_bytes,
        allow_private_urls=settings.ingest_private_urls,
    )
    reindexer = Reindexer(index, embedder, state, policy)
    broker.include_router(
        build_router(
            index, embedder, state, reindexer, settings.relevance_floor, settings.search_workers
        )
    )

    async def prepare_index() -> None:
        await broker.connect()
        await ensure_stream(
            broker.connection.jetstream(), RAG_REINDEX, settings.nats_stream_replicas
        )
        await watch_consumers(
            broker.connection, [(RAG_REINDEX.name, "rag-reindex")], settings.nats_stream_replicas
        )
        try:
            if isinstance(base_embedder, OpenAIEmbedder):
                await base_embedder.probe()
            try:
                await reindexer.prepare()
            except IndexMismatchError as mismatch:
                if settings.qdrant_url:
                    raise
                # Local path mode: the index is this service's own copy of the docs, so it
                # is rebuilt (sources added with `copilot ingest` must be ingested again).
                log.warning("rebuilding the local docs index: %s", mismatch)
                await reindexer.prepare(rebuild=True)
        except (IndexMismatchError, EmbeddingUnavailableError, *INDEX_FAILURES) as exc:
            # Not ready, and searches answer search_unavailable, until it is fixed: a
            # re-index (--rebuild for a model change), or the next start.
            state.problem = str(exc) if isinstance(exc, IndexMismatchError) else "index down"
            log.error("docs index not usable at start: %s", exc)
            return

        # The configured docs are brought up to date on every start; unchanged pages are
        # skipped, so only the first start (or an edited page) costs embedding time.
        async def no_events(event: object) -> None:
            return None

        outcome = await reindexer.run(RagReindexRequested(source_name=DEFAULT_SOURCE), no_events)
        log.info("docs index at start: %s", outcome.model_dump_json())

    async def index_ready() -> str | None:
        if state.problem is not None:
            return state.problem
        return None if await index.count() > 0 else "docs index is empty"

    async def close_client() -> None:
        await client.close()
        if isinstance(embedder, CachedEmbedder):
            embedder.close()

    return AsgiFastStream(
        broker,
        logger=app_logger("rag"),
        asgi_routes=health_routes(broker, [("qdrant", index_ready)]),
        on_startup=[prepare_index],
        after_shutdown=[close_client],
    )
