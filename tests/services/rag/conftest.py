"""The real local embedding model, loaded once for the RAG tests, and a counting wrapper."""

import pytest
from copilot_rag.adapters.local_embedder import LocalEmbedder


class CountingEmbedder:
    """The local model, counting what it is asked to embed (to see what ingestion redoes)."""

    def __init__(self, inner: LocalEmbedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        self.documents_embedded: list[str] = []

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents_embedded.extend(texts)
        return await self.inner.embed_documents(texts)

    async def embed_query(self, text: str) -> list[float]:
        return await self.inner.embed_query(text)


@pytest.fixture(scope="session")
def local_embedder() -> LocalEmbedder:
    return LocalEmbedder()


@pytest.fixture
def embedder(local_embedder: LocalEmbedder) -> CountingEmbedder:
    return CountingEmbedder(local_embedder)
