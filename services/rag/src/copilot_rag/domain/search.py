"""Searching the docs: the interface an index implements, and a search request end to end."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from copilot_contracts.tools import DocPassage, SearchDocsArgs, SearchDocsResult

from copilot_rag.domain.chunking import Chunk
from copilot_rag.domain.embeddings import Embedder
from copilot_rag.domain.lexical import keyword_coverage

SearchMode = Literal["hybrid", "dense", "keyword"]


@dataclass(frozen=True)
class Hit:
    passage: DocPassage
    similarity: float | None
    """Cosine similarity of the passage to the query, when the query was embedded."""


class IndexMismatchError(Exception):
    """The index was built with another embedding model (or layout) than the one configured."""


class DocsIndex(Protocol):
    async def prepare(self, model: str, dimensions: int, rebuild: bool = False) -> None: ...

    async def document_hashes(self, source: str) -> dict[str, str]: ...

    async def replace_document(
        self,
        source: str,
        content_hash: str,
        chunks: Sequence[Chunk],
        vectors: Sequence[list[float]],
        replacing: bool = True,
    ) -> None:
        """Store one document's chunks (at least one); when `replacing` an indexed version,
        then drop the chunks it had beyond the new ones."""
        ...

    async def delete_document(self, source: str, doc_id: str) -> None: ...

    async def search(
        self,
        query: str,
        vector: list[float] | None,
        limit: int,
        category: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]: ...

    async def count(self) -> int: ...


@dataclass(frozen=True)
class RelevanceFloor:
    """When to answer "not in the docs": no passage is close in meaning (cosine similarity
    below `min_similarity`) and none holds most of the query's words (`min_keyword_coverage`).
    Meaning alone misses product codes; words alone miss paraphrases."""

    min_similarity: float
    min_keyword_coverage: float


async def search_docs(
    index: DocsIndex,
    embedder: Embedder,
    args: SearchDocsArgs,
    mode: SearchMode = "hybrid",
    floor: RelevanceFloor | None = None,
) -> SearchDocsResult:
    query = " ".join(args.query.split())
    if not query:
        return SearchDocsResult(passages=[])
    vector = await embedder.embed_query(query) if mode != "keyword" else None
    hits = await index.search(query, vector, args.top_k, args.category, mode)
    if floor is not None and hits and not _relevant_enough(query, hits, floor):
        return SearchDocsResult(passages=[])
    return SearchDocsResult(passages=[hit.passage for hit in hits])


def _relevant_enough(query: str, hits: list[Hit], floor: RelevanceFloor) -> bool:
    """Some passage found is close in meaning, or holds most of the query's words."""
    similarities = [hit.similarity for hit in hits if hit.similarity is not None]
    if similarities and max(similarities) >= floor.min_similarity:
        return True
    coverage = max(keyword_coverage(query, passage_text(hit.passage)) for hit in hits)
    return coverage >= floor.min_keyword_coverage


def passage_text(passage: DocPassage) -> str:
    return " ".join((passage.title, *passage.heading_path, passage.text))
