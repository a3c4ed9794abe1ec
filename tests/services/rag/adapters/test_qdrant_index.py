"""Hybrid search on a real Qdrant in local path mode, over the bundled docs."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from copilot_contracts.tools import SearchDocsArgs
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import (
    IndexMismatchError,
    RelevanceFloor,
    SearchMode,
    search_docs,
)


@pytest.fixture(scope="module")
async def index(
    tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalEmbedder
) -> AsyncIterator[QdrantDocsIndex]:
    client = open_client(None, None, str(Path(tmp_path_factory.mktemp("qdrant"))))
    docs_index = QdrantDocsIndex(client, "docs", server=False)
    await docs_index.prepare(local_embedder.name, local_embedder.dimensions)
    report = await ingest(docs_index, local_embedder, load_path(BUNDLED_DOCS).documents, "bundled")
    assert report.chunks_embedded >= len(report.added) >= 30
    yield docs_index
    await client.close()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
@pytest.mark.parametrize(
    ("question", "expected_page"),
    [
        ("How should I store my coffee beans?", "storing-coffee-beans"),
        ("How long do I steep a French press?", "french-press"),
        ("Can I return an opened bag?", "return"),
        ("cold brew ratio", "cold-brew"),
    ],
)
async def test_questions_find_the_right_page(
    index: QdrantDocsIndex,
    local_embedder: LocalEmbedder,
    question: str,
    expected_page: str,
    mode: SearchMode,
) -> None:
    args = SearchDocsArgs(query=question, top_k=3)
    result = await search_docs(index, local_embedder, args, mode=mode)
    assert result.passages, question
    assert any(expected_page in p.url for p in result.passages)
    top = result.passages[0]
    assert top.title and top.text and top.url and top.score > 0


async def test_paraphrase_without_shared_words_is_found_by_meaning(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder
) -> None:
    args = SearchDocsArgs(query="my beans go stale fast, where do I keep them?", top_k=3)
    result = await search_docs(index, local_embedder, args)
    assert "storing-coffee-beans" in result.passages[0].url


async def test_category_filter_limits_results(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder
) -> None:
    args = SearchDocsArgs(query="coffee", top_k=10, category="shipping")
    result = await search_docs(index, local_embedder, args)
    shipping = {d.doc_id for d in load_path(BUNDLED_DOCS).documents if d.category == "shipping"}
    assert result.passages
    assert {p.doc_id for p in result.passages} <= shipping


async def test_the_relevance_floor_refuses_what_the_docs_do_not_cover(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder
) -> None:
    floor = RelevanceFloor(min_similarity=0.36, min_keyword_coverage=0.75)

    async def answered(query: str) -> bool:
        args = SearchDocsArgs(query=query)
        return bool((await search_docs(index, local_embedder, args, floor=floor)).passages)

    assert not await answered("What is the airspeed of an unladen swallow?")
    assert await answered("How should I store my coffee beans?")
    assert await answered("EO-HB-250"), "a product code is answered by its exact words"


@pytest.mark.parametrize(
    "query", ["the of and", "🙂🙂🙂 ☕︎ ∑∫", "Wie lange hält Kaffee?", "x" * 500, "%00; DROP TABLE"]
)
async def test_odd_queries_answer_without_crashing(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder, query: str
) -> None:
    result = await search_docs(index, local_embedder, SearchDocsArgs(query=query))
    assert len(result.passages) <= 4


async def test_an_index_built_with_another_model_is_a_clear_error(
    index: QdrantDocsIndex,
) -> None:
    with pytest.raises(IndexMismatchError, match="other-model") as raised:
        await index.prepare("other-model", 768)
    assert "--rebuild" in str(raised.value)
