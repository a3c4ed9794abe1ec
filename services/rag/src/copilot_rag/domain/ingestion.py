"""Bring the index in line with a set of source documents, embedding only what changed."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from copilot_rag.domain.chunking import Chunk, chunk_document
from copilot_rag.domain.documents import Document
from copilot_rag.domain.embeddings import Embedder
from copilot_rag.domain.search import DocsIndex

Progress = Callable[[int, int, str], Awaitable[None]]
"""Called after each document: (documents done, documents in all, document id)."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    no_text: list[str] = field(default_factory=list)
    chunks_embedded: int = 0


def searchable_text(chunk: Chunk) -> str:
    """What a chunk is found by: its place in the document, then its text."""
    return "\n".join((" > ".join((chunk.title, *chunk.heading_path)), chunk.text))


async def _no_progress(done: int, total: int, doc_id: str) -> None:
    return None


async def ingest(
    index: DocsIndex,
    embedder: Embedder,
    documents: Sequence[Document],
    source: str,
    on_progress: Progress = _no_progress,
    keep: frozenset[str] = frozenset(),
) -> IngestReport:
    """Index new and changed documents of `source`; remove its documents that are gone.

    A document whose content hash is already indexed is not chunked or embedded again.
    Documents in `keep` (those that failed to load this time) keep their indexed version,
    and so does a document left with no text to index."""
    report = IngestReport()
    indexed = await index.document_hashes(source)
    seen: set[str] = set()
    for done, document in enumerate(documents, start=1):
        seen.add(document.doc_id)
        known = indexed.get(document.doc_id)
        if known == document.content_hash:
            report.unchanged += 1
        elif not (chunks := chunk_document(document)):
            report.no_text.append(document.doc_id)
        else:
            vectors = await embedder.embed_documents([searchable_text(c) for c in chunks])
            await index.replace_document(
                source, document.content_hash, chunks, vectors, replacing=known is not None
            )
            report.chunks_embedded += len(chunks)
            (report.added if known is None else report.updated).append(document.doc_id)
        await on_progress(done, len(documents), document.doc_id)
    for doc_id in sorted(set(indexed) - seen - keep):
        await index.delete_document(source, doc_id)
        report.removed.append(doc_id)
    return report
