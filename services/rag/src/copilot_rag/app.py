"""The RAG service: answers docs searches from a Qdrant index of the company's pages."""

import logging

from copilot_service_defaults.broker import app_logger, service_broker
from copilot_service_defaults.health import health_routes
from faststream.asgi import AsgiFastStream

from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.config import RagSettings
from copilot_rag.domain.documents import load_directory
from copilot_rag.domain.search import index_documents
from copilot_rag.handlers import build_router

log = logging.getLogger(__name__)


def build_app(settings: RagSettings) -> AsgiFastStream:
    broker, _ = service_broker("rag", settings)
    client = open_client(
        settings.qdrant_url, settings.qdrant_api_key, settings.resolved_qdrant_path
    )
    index = QdrantDocsIndex(client, settings.qdrant_collection, server=bool(settings.qdrant_url))
    broker.include_router(build_router(index))

    async def index_bundled_docs_on_first_start() -> None:
        if await index.count() > 0:
            return
        stats = await index_documents(index, load_directory(settings.docs_path))
        log.info("indexed %d documents as %d chunks", stats.documents, stats.chunks)

    async def index_ready() -> str | None:
        return None if await index.count() > 0 else "docs index is empty"

    async def close_client() -> None:
        await client.close()

    return AsgiFastStream(
        broker,
        logger=app_logger("rag"),
        asgi_routes=health_routes(broker, [("qdrant", index_ready)]),
        on_startup=[index_bundled_docs_on_first_start],
        after_shutdown=[close_client],
    )
