"""Searching the docs: the interface an index implements, and indexing a set of documents."""

from dataclasses import dataclass
from typing import Protocol

from copilot_contracts.tools import DocPassage, SearchDocsArgs, SearchDocsResult

from copilot_rag.domain.chunking import Chunk, chunk_document
from copilot_rag.domain.documents import Document


@dataclass(frozen=True)
class IndexStats:
    documents: int
    chunks: int


class DocsIndex(Protocol):
    async def replace_all(self, chunks: list[Chunk]) -> None: ...

    async def search(self, query: str, limit: int, category: str | None) -> list[DocPassage]: ...

    async def count(self) -> int: ...


async def index_documents(index: DocsIndex, documents: list[Document]) -> IndexStats:
    chunks = [chunk for doc in documents for chunk in chunk_document(doc)]
    await index.replace_all(chunks)
    return IndexStats(documents=len(documents), chunks=len(chunks))


async def search_docs(index: DocsIndex, args: SearchDocsArgs) -> SearchDocsResult:
    passages = await index.search(args.query, args.top_k, args.category)
    return SearchDocsResult(passages=passages)
