"""The docs index on a real Qdrant in local path mode, over the bundled docs."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from copilot_contracts.tools import SearchDocsArgs
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.domain.documents import load_directory
from copilot_rag.domain.search import index_documents, search_docs


@pytest.fixture(scope="module")
async def index(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[QdrantDocsIndex]:
    client = open_client(None, None, str(Path(tmp_path_factory.mktemp("qdrant"))))
    docs_index = QdrantDocsIndex(client, "docs", server=False)
    stats = await index_documents(docs_index, load_directory(BUNDLED_DOCS))
    assert stats.chunks >= stats.documents
    yield docs_index
    await client.close()


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
    index: QdrantDocsIndex, question: str, expected_page: str
) -> None:
    result = await search_docs(index, SearchDocsArgs(query=question, top_k=3))
    assert result.passages, question
    assert expected_page in result.passages[0].url
    top = result.passages[0]
    assert top.title and top.text and top.score > 0


async def test_category_filter_limits_results(index: QdrantDocsIndex) -> None:
    result = await search_docs(index, SearchDocsArgs(query="coffee", top_k=10, category="shipping"))
    shipping = {d.doc_id for d in load_directory(BUNDLED_DOCS) if d.category == "shipping"}
    assert result.passages
    assert {p.doc_id for p in result.passages} <= shipping


async def test_query_of_only_stopwords_returns_nothing(index: QdrantDocsIndex) -> None:
    assert (await search_docs(index, SearchDocsArgs(query="the of and"))).passages == []


async def test_reindexing_replaces_everything(index: QdrantDocsIndex) -> None:
    before = await index.count()
    await index_documents(index, load_directory(BUNDLED_DOCS))
    assert await index.count() == before
