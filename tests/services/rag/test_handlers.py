"""The RAG service's bus handlers on a real NATS server: search, re-index, outages."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from copilot_contracts import subjects
from copilot_contracts.rag import (
    Embedded,
    EmbedRequested,
    RagReindexRequested,
    ReindexEventPublished,
)
from copilot_contracts.replies import INVALID_REQUEST, ServiceError, read_reply
from copilot_contracts.streams import RAG_REINDEX
from copilot_contracts.tools import SearchDocsArgs, SearchDocsRequest
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.handlers import build_router
from copilot_rag.reindexing import IndexState, Reindexer, SourcePolicy
from copilot_service_defaults.jetstream import ensure_stream
from faststream.nats import NatsBroker

from tests.conftest import free_port


async def _service(
    private_nats_url: str,
    index: QdrantDocsIndex,
    embedder: LocalEmbedder,
    docs: Path,
    workers: int = 1,
) -> tuple[NatsBroker, Reindexer]:
    state = IndexState()
    policy = SourcePolicy(docs, [docs.parent], max_bytes=1_000_000, allow_private_urls=True)
    reindexer = Reindexer(index, embedder, state, policy)
    broker = NatsBroker(private_nats_url)
    broker.include_router(build_router(index, embedder, state, reindexer, None, workers))
    await broker.connect()
    await ensure_stream(broker.connection.jetstream(), RAG_REINDEX, replicas=1)
    return broker, reindexer


@pytest.fixture
async def rag(
    private_nats_url: str, tmp_path: Path, local_embedder: LocalEmbedder
) -> AsyncIterator[tuple[NatsBroker, Path]]:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("storing-coffee-beans", "returns-and-refunds"):
        (docs / f"{name}.md").write_text((BUNDLED_DOCS / f"{name}.md").read_text())
    client = open_client(None, None, str(tmp_path / "qdrant"))
    index = QdrantDocsIndex(client, f"docs_{tmp_path.name}", server=False)
    broker, reindexer = await _service(private_nats_url, index, local_embedder, docs)
    await reindexer.prepare()
    async with broker:
        await broker.start()
        yield broker, docs
    await client.close()


def _search(query: str) -> SearchDocsRequest:
    return SearchDocsRequest(
        conversation_id="c" * 32, turn_id="t" * 32, args=SearchDocsArgs(query=query)
    )


async def _ask(broker: NatsBroker, body: Any) -> dict[str, Any]:
    response = await broker.request(body, subjects.TOOL_RAG_SEARCH, timeout=10)
    decoded: dict[str, Any] = await response.decode()  # type: ignore[assignment]
    return decoded


async def _reindex(broker: NatsBroker, request: RagReindexRequested) -> list[Any]:
    events: list[Any] = []
    subscription = await broker.connection.subscribe(subjects.rag_reindex_events(request.id))
    await broker.publish(
        request, subjects.RAG_REINDEX_REQUESTED, stream=subjects.RAG_REINDEX_STREAM
    )
    while not events or events[-1].type not in ("completed", "failed"):
        msg = await subscription.next_msg(timeout=60)
        events.append(ReindexEventPublished.model_validate_json(msg.data).event)
    await subscription.unsubscribe()
    return events


async def test_reindex_then_search_finds_cited_passages(rag: tuple[NatsBroker, Path]) -> None:
    broker, docs = rag
    (docs / "broken.md").write_bytes(b"")
    events = await _reindex(broker, RagReindexRequested(source=str(docs), source_name="site"))
    kinds = [e.type for e in events]
    assert kinds.count("progress") == 2 and kinds[-1] == "completed"
    assert [(e.name, e.reason) for e in events if e.type == "skipped"] == [("broken.md", "empty")]
    assert events[-1].added == 2 and events[-1].skipped == 1

    reply = await _ask(broker, _search("where should I keep my beans"))
    assert reply["error"] is None
    top = reply["result"]["passages"][0]
    assert "storing-coffee-beans" in top["url"] and top["title"] and top["heading_path"]


async def test_a_missing_source_fails_clearly(rag: tuple[NatsBroker, Path]) -> None:
    broker, docs = rag
    events = await _reindex(broker, RagReindexRequested(source=str(docs / "nope")))
    assert events[-1].type == "failed" and events[-1].code == "source_not_found"


async def test_a_source_outside_the_allowed_folders_is_refused(
    rag: tuple[NatsBroker, Path],
) -> None:
    broker, _ = rag
    events = await _reindex(broker, RagReindexRequested(source="/etc"))
    assert events[-1].type == "failed" and events[-1].code == "source_not_allowed"


async def test_invalid_search_arguments_are_a_clear_error(rag: tuple[NatsBroker, Path]) -> None:
    broker, _ = rag
    body = _search("x").model_dump(mode="json")
    body["args"]["query"] = "q" * 10_000
    reply = await _ask(broker, body)
    assert reply["error"]["code"] == "invalid_arguments"


async def test_a_qdrant_outage_is_search_unavailable(
    private_nats_url: str, tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    client = open_client(f"http://127.0.0.1:{free_port()}", None, "")
    index = QdrantDocsIndex(client, "docs", server=True)
    broker, reindexer = await _service(private_nats_url, index, local_embedder, tmp_path)
    reindexer.state.problem = None  # as if it had been up at start, then went away
    async with broker:
        await broker.start()
        reply = await asyncio.wait_for(_ask(broker, _search("cold brew")), 30)
        events = await asyncio.wait_for(
            _reindex(broker, RagReindexRequested(source=str(tmp_path))), 60
        )
    assert reply["error"]["code"] == "search_unavailable"
    assert reply["error"]["message"] == "The docs search is unavailable right now."
    assert events[-1].type == "failed" and events[-1].code == "index_unavailable"


async def test_questions_are_embedded_with_the_docs_model(
    rag: tuple[NatsBroker, Path], local_embedder: LocalEmbedder
) -> None:
    broker, _ = rag
    request = EmbedRequested(texts=["Do you ship to Norway?", "How long do beans keep?"])
    reply = await broker.request(request, subjects.RAG_EMBED, timeout=20)
    embedded = read_reply(await reply.decode(), Embedded)
    assert embedded.model == local_embedder.name and len(embedded.vectors) == 2
    assert embedded.vectors[0] == await local_embedder.embed_query("Do you ship to Norway?")


@pytest.mark.parametrize("body", [b'{"texts": []}', b'{"texts": "one"}', b"[]", b"not json"])
async def test_an_embedding_request_it_cannot_read_is_answered_with_an_error(
    rag: tuple[NatsBroker, Path], body: bytes
) -> None:
    broker, _ = rag
    reply = await broker.connection.request(subjects.RAG_EMBED, body, timeout=10)
    with pytest.raises(ServiceError) as refused:
        read_reply(reply.data, Embedded)
    assert refused.value.code == INVALID_REQUEST and refused.value.message


class GatedEmbedder(LocalEmbedder):
    """Embeds a query only once `together` queries wait at once: searches answered one at
    a time would wait here for ever."""

    def __init__(self, inner: LocalEmbedder, together: int) -> None:
        self._inner = inner
        self.name, self.dimensions = inner.name, inner.dimensions
        self._waiting = 0
        self._together = together
        self._all_here = asyncio.Event()

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return await self._inner.embed_documents(texts)

    async def embed_query(self, text: str) -> list[float]:
        self._waiting += 1
        if self._waiting >= self._together:
            self._all_here.set()
        await self._all_here.wait()
        return await self._inner.embed_query(text)


async def test_a_replica_answers_its_workers_searches_at_once(
    private_nats_url: str, tmp_path: Path, local_embedder: LocalEmbedder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cold-brew-guide.md").write_text((BUNDLED_DOCS / "cold-brew-guide.md").read_text())
    client = open_client(None, None, str(tmp_path / "qdrant"))
    index = QdrantDocsIndex(client, f"docs_{tmp_path.name}", server=False)
    gated = GatedEmbedder(local_embedder, together=3)
    broker, reindexer = await _service(private_nats_url, index, gated, docs, workers=3)
    await reindexer.prepare()
    try:
        async with broker:
            await broker.start()
            await _reindex(broker, RagReindexRequested(source=str(docs)))
            replies = await asyncio.gather(*(_ask(broker, _search("cold brew")) for _ in range(3)))
    finally:
        await client.close()
    assert all(reply["error"] is None and reply["result"]["passages"] for reply in replies)
