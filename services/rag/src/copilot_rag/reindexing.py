"""Runs one re-index at a time on this replica and reports it on the bus as it goes."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from copilot_contracts.envelope import Message
from copilot_contracts.rag import (
    RagReindexCompleted,
    RagReindexFailed,
    RagReindexRequested,
    ReindexProgressed,
    ReindexSkippedFile,
)

from copilot_rag.adapters.sources import LoadReport, Skipped, load_path, load_url_list
from copilot_rag.adapters.url_guard import docs_client
from copilot_rag.domain.embeddings import Embedder, EmbeddingUnavailableError
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import DocsIndex, IndexMismatchError
from copilot_rag.failures import INDEX_FAILURES

log = logging.getLogger(__name__)

Publish = Callable[[Message], Awaitable[None]]
DEFAULT_SOURCE = "default"


class IndexState:
    """Whether the index can answer searches, and if not, why (for logs and probes)."""

    def __init__(self) -> None:
        self.problem: str | None = "the docs index is not prepared yet"


class SourceRefused(Exception):
    """A re-index asked for a path outside the folders this service may read."""


@dataclass(frozen=True)
class SourcePolicy:
    default_docs: Path
    allowed_roots: Sequence[Path]
    max_bytes: int
    allow_private_urls: bool

    def check(self, source: Path) -> Path:
        resolved = source.resolve()
        if not any(resolved.is_relative_to(root.resolve()) for root in self.allowed_roots):
            raise SourceRefused(f"{source} is outside the folders this service may index")
        return resolved


class Reindexer:
    def __init__(
        self, index: DocsIndex, embedder: Embedder, state: IndexState, policy: SourcePolicy
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.state = state
        self.policy = policy
        self._lock = asyncio.Lock()

    async def prepare(self, rebuild: bool = False) -> None:
        """Create or check the index; the state says why searches cannot run, if they cannot."""
        try:
            await self.index.prepare(self.embedder.name, self.embedder.dimensions, rebuild)
        except IndexMismatchError as exc:
            self.state.problem = str(exc)
            raise
        self.state.problem = None

    async def refresh(self) -> None:
        """After another replica re-indexed (perhaps rebuilt), look at the index again."""
        if self._lock.locked():
            return
        try:
            await self.prepare()
        except (IndexMismatchError, *INDEX_FAILURES) as exc:
            log.warning("docs index not usable: %s", type(exc).__name__)

    async def run(self, request: RagReindexRequested, publish: Publish) -> Message:
        async with self._lock:
            try:
                return await self._run(request, publish, time.monotonic())
            except (FileNotFoundError, NotADirectoryError) as exc:
                return self._failed(request, "source_not_found", f"No such file: {exc.filename}")
            except SourceRefused as exc:
                return self._failed(request, "source_not_allowed", str(exc))
            except IndexMismatchError as exc:
                return self._failed(request, "index_mismatch", str(exc))
            except EmbeddingUnavailableError:
                return self._failed(request, "embedding_unavailable", "The embedding model failed.")
            except INDEX_FAILURES as exc:
                log.warning("docs index unavailable: %s", type(exc).__name__)
                return self._failed(request, "index_unavailable", "The docs index is unavailable.")
            except (OSError, UnicodeDecodeError) as exc:
                return self._failed(request, "source_unreadable", f"Cannot read the source: {exc}")
            except Exception:
                log.exception("re-index failed")
                return self._failed(request, "internal_error", "The re-index failed; see logs.")

    async def _run(self, request: RagReindexRequested, publish: Publish, started: float) -> Message:
        source_name = request.source_name or request.source or DEFAULT_SOURCE
        loaded = await asyncio.to_thread(self._load, request)
        for skipped in loaded.skipped:
            log.warning("skipped %s: %s", skipped.name, skipped.reason)
            await publish(ReindexSkippedFile(name=skipped.name, reason=skipped.reason))
        if request.rebuild:
            self.state.problem = "the docs index is being rebuilt"
            await self.index.prepare(self.embedder.name, self.embedder.dimensions, rebuild=True)
        elif self.state.problem is not None:
            await self.prepare()

        async def progressed(done: int, total: int, doc_id: str) -> None:
            await publish(ReindexProgressed(done=done, total=total, current=doc_id))

        report = await ingest(
            self.index,
            self.embedder,
            loaded.documents,
            source_name,
            on_progress=progressed,
            keep=_kept(loaded.skipped),
        )
        self.state.problem = None
        for doc_id in report.no_text:
            await publish(ReindexSkippedFile(name=doc_id, reason="no text to index"))
        completed = RagReindexCompleted(
            request_id=request.id,
            source_name=source_name,
            added=len(report.added),
            updated=len(report.updated),
            unchanged=report.unchanged,
            removed=len(report.removed),
            skipped=len(loaded.skipped) + len(report.no_text),
            chunks_embedded=report.chunks_embedded,
            seconds=round(time.monotonic() - started, 3),
        )
        log.info("re-indexed: %s", completed.model_dump_json(exclude={"request_id"}))
        return completed

    def _load(self, request: RagReindexRequested) -> LoadReport:
        policy = self.policy
        source = policy.check(Path(request.source)) if request.source else policy.default_docs
        if request.url_list:
            with docs_client(policy.allow_private_urls) as client:
                return load_url_list(source, client, policy.max_bytes)
        return load_path(source, policy.max_bytes)

    @staticmethod
    def _failed(request: RagReindexRequested, code: str, message: str) -> RagReindexFailed:
        log.warning("re-index failed: %s", code)
        return RagReindexFailed(request_id=request.id, code=code, message=message)


def _kept(skipped: list[Skipped]) -> frozenset[str]:
    return frozenset(s.doc_id for s in skipped if s.doc_id is not None)
