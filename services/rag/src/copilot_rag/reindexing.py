"""Runs one re-index at a time on this replica and reports it on the bus as it goes."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from copilot_contracts.envelope import Message
from copilot_contracts.rag import (
    RagReindexCompleted,
    RagReindexFailed,
    RagReindexRequested,
    ReindexProgressed,
    ReindexSkippedFile,
)

from copilot_rag.adapters.sources import LoadReport, load_path, load_url_list
from copilot_rag.domain.embeddings import Embedder, EmbeddingUnavailableError
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import DocsIndex, IndexMismatchError

log = logging.getLogger(__name__)

Publish = Callable[[Message], Awaitable[None]]
DEFAULT_SOURCE = "default"


class IndexState:
    """Whether the index can answer searches, and if not, why (told to callers and probes)."""

    def __init__(self) -> None:
        self.problem: str | None = "the docs index is not prepared yet"


class Reindexer:
    def __init__(
        self,
        index: DocsIndex,
        embedder: Embedder,
        state: IndexState,
        default_docs: Path,
        max_bytes: int,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.state = state
        self.default_docs = default_docs
        self.max_bytes = max_bytes
        self._lock = asyncio.Lock()

    async def prepare(self, rebuild: bool = False) -> None:
        try:
            await self.index.prepare(self.embedder.name, self.embedder.dimensions, rebuild)
        except IndexMismatchError as exc:
            self.state.problem = str(exc)
            raise
        self.state.problem = None

    async def run(self, request: RagReindexRequested, publish: Publish) -> Message:
        async with self._lock:
            started = time.monotonic()
            try:
                return await self._run(request, publish, started)
            except FileNotFoundError as exc:
                return self._failed(request, "source_not_found", f"No such file: {exc.filename}")
            except IndexMismatchError as exc:
                return self._failed(request, "index_mismatch", str(exc))
            except EmbeddingUnavailableError:
                return self._failed(request, "embedding_unavailable", "The embedding model failed.")

    async def _run(self, request: RagReindexRequested, publish: Publish, started: float) -> Message:
        source_name = request.source_name or request.source or DEFAULT_SOURCE
        loaded = await asyncio.to_thread(self._load, request)
        for skipped in loaded.skipped:
            log.warning("skipped %s: %s", skipped.name, skipped.reason)
            await publish(ReindexSkippedFile(name=skipped.name, reason=skipped.reason))
        if request.rebuild or self.state.problem is not None:
            await self.prepare(rebuild=request.rebuild)

        async def progressed(done: int, total: int, doc_id: str) -> None:
            await publish(ReindexProgressed(done=done, total=total, current=doc_id))

        report = await ingest(
            self.index, self.embedder, loaded.documents, source_name, on_progress=progressed
        )
        completed = RagReindexCompleted(
            request_id=request.id,
            source_name=source_name,
            added=len(report.added),
            updated=len(report.updated),
            unchanged=report.unchanged,
            removed=len(report.removed),
            skipped=len(loaded.skipped),
            chunks_embedded=report.chunks_embedded,
            seconds=round(time.monotonic() - started, 3),
        )
        log.info(
            "re-indexed %s: %d added, %d updated, %d unchanged, %d removed, %d skipped",
            source_name,
            completed.added,
            completed.updated,
            completed.unchanged,
            completed.removed,
            completed.skipped,
        )
        return completed

    def _load(self, request: RagReindexRequested) -> LoadReport:
        source = Path(request.source) if request.source else self.default_docs
        if request.url_list:
            with httpx.Client(timeout=20.0, follow_redirects=True) as client:
                return load_url_list(source, client, self.max_bytes)
        return load_path(source, self.max_bytes)

    @staticmethod
    def _failed(request: RagReindexRequested, code: str, message: str) -> RagReindexFailed:
        log.warning("re-index failed: %s", code)
        return RagReindexFailed(request_id=request.id, code=code, message=message)
