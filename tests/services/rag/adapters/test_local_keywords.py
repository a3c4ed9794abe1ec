"""Local mode's keyword scoring gives Qdrant's own scores, and follows every write."""

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.local_keywords import LocalKeywordIndex, fused
from copilot_rag.adapters.qdrant_index import DENSE, KEYWORDS, QdrantDocsIndex, open_client
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS
from copilot_rag.domain import lexical
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import SearchMode
from qdrant_client import models
from qdrant_client.hybrid.fusion import reciprocal_rank_fusion

QUESTIONS = [
    q["question"]
    for q in yaml.safe_load((Path("bench/rag/questions.yaml")).read_text())["questions"]
]
EVERY_POINT = 10_000


@pytest.fixture(scope="module")
async def index(
    tmp_path_factory: pytest.TempPathFactory, local_embedder: LocalEmbedder
) -> AsyncIterator[QdrantDocsIndex]:
    client = open_client(None, None, str(tmp_path_factory.mktemp("qdrant")))
    docs_index = QdrantDocsIndex(client, "docs", server=False)
    await docs_index.prepare(local_embedder.name, local_embedder.dimensions)
    await ingest(docs_index, local_embedder, load_path(BUNDLED_DOCS).documents, "bundled")
    yield docs_index
    await client.close()


async def qdrant_ranking(
    index: QdrantDocsIndex, query: str, category: str | None = None
) -> list[tuple[str, float]]:
    """Qdrant's own keyword search, every point that shares a term, best first."""
    vector = lexical.query_vector(query)
    match = models.MatchValue(value=category) if category else None
    where = models.Filter(must=[models.FieldCondition(key="category", match=match)])
    response = await index.client.query_points(
        index.collection,
        query=models.SparseVector(indices=vector.indices, values=vector.values),
        using=KEYWORDS,
        query_filter=where if match else None,
        limit=EVERY_POINT,
    )
    return [(str(p.id), p.score) for p in response.points]


async def our_ranking(
    keywords: LocalKeywordIndex, query: str, category: str | None = None
) -> list[tuple[str, float]]:
    vector = lexical.query_vector(query)
    return await keywords.top(vector.indices, vector.values, EVERY_POINT, category)


def by_score(ranking: list[tuple[str, float]]) -> list[tuple[float, frozenset[str]]]:
    """Scores best first, each with the points that have it: equal scores have no order."""
    points: dict[float, set[str]] = defaultdict(set)
    for point_id, score in ranking:
        points[score].add(point_id)
    return [(score, frozenset(points[score])) for score in sorted(points, reverse=True)]


@pytest.mark.parametrize("category", [None, "brewing"])
async def test_every_question_scores_as_qdrant_scores_it(
    index: QdrantDocsIndex, category: str | None
) -> None:
    assert index.keywords is not None
    for question in QUESTIONS:
        ours = await our_ranking(index.keywords, question, category)
        assert by_score(ours) == by_score(await qdrant_ranking(index, question, category))
        assert [score for _, score in ours] == sorted((s for _, s in ours), reverse=True)


async def test_every_write_is_searched_at_once_without_reading_the_collection_again(
    tmp_path: Path, local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = open_client(None, None, str(tmp_path))
    index = QdrantDocsIndex(client, "docs", server=False)
    await index.prepare(local_embedder.name, local_embedder.dimensions)
    keywords = index.keywords
    assert keywords is not None
    reads = []
    read = keywords._read
    monkeypatch.setattr(keywords, "_read", lambda: reads.append(1) or read())
    question = "How should I store my coffee beans?"

    async def agrees() -> list[tuple[str, float]]:
        assert keywords is not None
        ours = await our_ranking(keywords, question)
        assert by_score(ours) == by_score(await qdrant_ranking(index, question))
        return ours

    assert await agrees() == [], "an empty collection"
    wanted = {"storing-coffee-beans", "french-press-brewing-guide", "cold-brew-guide"}
    documents = [d for d in load_path(BUNDLED_DOCS).documents if d.doc_id in wanted]
    await ingest(index, local_embedder, documents, "bundled")
    three = await agrees()
    storing = next(d for d in documents if d.doc_id == "storing-coffee-beans")
    shorter = replace(storing, body=storing.body[: len(storing.body) // 3], content_hash="new")
    await ingest(index, local_embedder, [shorter], "bundled", keep=frozenset(wanted))
    fewer = await agrees()
    assert 0 < len(fewer) < len(three), "the document's later chunks are gone"
    await index.delete_document("bundled", "storing-coffee-beans")
    assert 0 < len(await agrees()) < len(fewer)
    assert reads == [], "each write was applied, not read back"
    await index.prepare(local_embedder.name, local_embedder.dimensions, rebuild=True)
    assert await agrees() == [], "rebuilt empty"
    await client.close()


async def test_a_restarted_service_reads_the_collection_as_qdrant_scores_it(
    index: QdrantDocsIndex,
) -> None:
    restarted = QdrantDocsIndex(index.client, index.collection, server=False)
    assert restarted.keywords is not None
    for question in QUESTIONS[:20]:
        ours = await our_ranking(restarted.keywords, question)
        assert by_score(ours) == by_score(await qdrant_ranking(index, question))


def payload(point: models.Record) -> dict[str, Any]:
    assert point.payload is not None
    return point.payload


async def qdrant_search(
    index: QdrantDocsIndex, question: str, vector: list[float], mode: str, category: str | None
) -> list[tuple[str, float]]:
    """Qdrant's own lists, fused by Qdrant's own RRF, its keyword ties ranked by point id."""
    limit = 5
    keywords = sorted(await qdrant_ranking(index, question, category), key=lambda p: (-p[1], p[0]))
    if mode == "keyword":
        return keywords[:limit]
    match = models.MatchValue(value=category) if category else None
    where = models.Filter(must=[models.FieldCondition(key="category", match=match)])
    dense = await index.client.query_points(
        index.collection,
        query=vector,
        using=DENSE,
        query_filter=where if match else None,
        limit=limit * 4,
    )
    lists = [
        [models.ScoredPoint(id=p.id, version=0, score=p.score) for p in dense.points],
        [models.ScoredPoint(id=i, version=0, score=s) for i, s in keywords[: limit * 4]],
    ]
    return [(str(p.id), p.score) for p in reciprocal_rank_fusion(lists, limit=limit)]


@pytest.mark.parametrize("category", [None, "brewing"])
@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
async def test_searches_answer_as_qdrants_own_query(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder, mode: SearchMode, category: str | None
) -> None:
    for question in QUESTIONS:
        vector = await local_embedder.embed_query(question)
        ours = await index.search(question, vector, 5, category, mode)
        expected = await qdrant_search(index, question, vector, mode, category)
        points = await index.client.retrieve(
            index.collection, [i for i, _ in expected], with_payload=True, with_vectors=[DENSE]
        )
        passages = {str(p.id): p for p in points}
        assert [(h.passage.url, h.passage.text, h.passage.score) for h in ours] == [
            (payload(passages[i])["url"], payload(passages[i])["text"], score)
            for i, score in expected
        ], question
        for hit, (point_id, _) in zip(ours, expected, strict=True):
            vectors = passages[point_id].vector
            assert isinstance(vectors, dict)
            stored = vectors[DENSE]
            assert isinstance(stored, list)
            assert hit.similarity == pytest.approx(float(np.dot(vector, stored)), abs=1e-6)


async def test_an_empty_category_is_no_filter(
    index: QdrantDocsIndex, local_embedder: LocalEmbedder
) -> None:
    question = "cold brew ratio"
    vector = await local_embedder.embed_query(question)
    modes: tuple[SearchMode, ...] = ("hybrid", "keyword")
    for mode in modes:
        unfiltered = await index.search(question, vector, 5, None, mode)
        assert unfiltered and await index.search(question, vector, 5, "", mode) == unfiltered


def test_fusion_is_qdrants_reciprocal_rank_fusion() -> None:
    a, b, c, d, e, f = (str(uuid.UUID(int=n)) for n in range(1, 7))
    dense = [a, b, c, d]
    keywords = [c, e, a, f, b]
    theirs = reciprocal_rank_fusion(
        [
            [models.ScoredPoint(id=i, version=0, score=1.0) for i in ranking]
            for ranking in (dense, keywords)
        ],
        limit=4,
    )
    assert fused([dense, keywords], 4) == [(str(p.id), p.score) for p in theirs]
