"""The RAG service's subscribers, for the bus's AsyncAPI document (`make docs`)."""

from copilot_service_defaults.asyncapi import documented_broker as broker_with
from faststream.nats import NatsBroker
from qdrant_client import AsyncQdrantClient

from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.handlers import build_router
from copilot_rag.reindexing import IndexState, Reindexer, SourcePolicy

DESCRIPTION = (
    "Answers the model's searchDocs tool with cited passages of the company's docs (hybrid "
    "search over Qdrant), embeds visitors' questions for the insights, and re-indexes the "
    "docs on request."
)


def documented_broker() -> NatsBroker:
    """Its router as build_app includes it, over an in-memory index nothing reads."""
    index = QdrantDocsIndex(AsyncQdrantClient(location=":memory:"), "docs", server=False)
    embedder = LocalEmbedder()
    state = IndexState()
    policy = SourcePolicy(BUNDLED_DOCS, [BUNDLED_DOCS], max_bytes=0, allow_private_urls=False)
    reindexer = Reindexer(index, embedder, state, policy)
    return broker_with("rag", build_router(index, embedder, state, reindexer, None))
