"""What search and ingestion need from an embedding model, whichever one it is."""

from typing import Protocol


class EmbeddingUnavailableError(Exception):
    """The embedding model could not embed (unreachable, refused, rate limited)."""


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Identifies the model; stored with the index so vectors of two models never mix."""
        ...

    @property
    def dimensions(self) -> int: ...

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages to index, one per text, in order."""
        ...

    async def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""
        ...
