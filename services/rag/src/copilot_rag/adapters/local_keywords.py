"""Keyword scoring for Qdrant's local path mode, in NumPy over an inverted index.

Local mode scores a sparse query in Python, point by point, walking both index lists: 5.5 ms
of CPU a query over the 296 chunks of the bundled docs, and it grows with every chunk
(measured). This index holds the same keyword vectors, read back from the collection, term
by term, and scores as Qdrant does: the query's weights times the IDF,
ln(1 + (n - df + 0.5) / (df + 0.5)) over the points that have a keyword vector, dotted with
each point's stored weights, summed in term order; a point sharing no term is not a hit.
Equal scores rank by point id (Qdrant promises no order among them). The two lists are
fused as Qdrant fuses prefetches. A Qdrant server (QDRANT_URL) scores with its own index
and needs none of this."""

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qdrant_client import AsyncQdrantClient, models

from copilot_rag.domain import lexical

_PAGE = 1000
# Reciprocal rank fusion as Qdrant computes it (qdrant_client.hybrid.fusion): a point scores
# 1 / (rank + k - 1) in each list, ranks from 1.
_RRF_K = 2


@dataclass
class _Loaded:
    ids: list[str] = field(default_factory=list)
    categories: NDArray[Any] = field(default_factory=lambda: np.array([], dtype=object))
    postings: dict[int, tuple[NDArray[np.intp], NDArray[np.float64]]] = field(default_factory=dict)
    """term -> (positions of the points having it, their weights for it)"""
    documents: int = 0
    """Points with a keyword vector: the n of the IDF."""


class LocalKeywordIndex:
    """Read from the collection on the first search after a write (`forget`): only this
    process can open a local path, so every write goes through it. (Local mode answers
    without yielding to the event loop, so a write cannot land while this reads; the
    generation check keeps that so should it ever change.)"""

    def __init__(self, client: AsyncQdrantClient, collection: str, vector: str, dense: str) -> None:
        """`vector`: the keyword (sparse) vector's name; `dense`: the dense one's."""
        self.client = client
        self.collection = collection
        self.vector = vector
        self.dense = dense
        self._generation = 0
        self._loaded: tuple[int, _Loaded] | None = None
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        """The collection changed: read it again before the next search."""
        self._generation += 1

    async def rank(
        self,
        keywords: lexical.SparseVector,
        dense_query: list[float] | None,
        limit: int,
        category: str | None,
        where: models.Filter | None,
    ) -> list[tuple[str, float]]:
        """Qdrant's hybrid query in local mode: its dense list (when `dense_query` is given)
        fused with this index's keyword list, each `limit * 4` long, as (id, score)."""
        if dense_query is None:
            return await self.top(keywords.indices, keywords.values, limit, category)
        dense = await self.client.query_points(
            self.collection,
            query=dense_query,
            using=self.dense,
            query_filter=where,
            limit=limit * 4,
            with_payload=False,
        )
        found = await self.top(keywords.indices, keywords.values, limit * 4, category)
        return fused([[str(p.id) for p in dense.points], [i for i, _ in found]], limit)

    async def top(
        self, indices: Sequence[int], values: Sequence[float], limit: int, category: str | None
    ) -> list[tuple[str, float]]:
        """The best `limit` points for the query vector, as (id, score), best first."""
        loaded = await self._current()
        if not loaded.ids:
            return []
        scores = np.zeros(len(loaded.ids), dtype=np.float64)
        hit = np.zeros(len(loaded.ids), dtype=bool)
        for term, value in sorted(zip(indices, values, strict=True)):
            if (found := loaded.postings.get(term)) is None:
                continue
            positions, weights = found
            idf = math.log((loaded.documents - len(positions) + 0.5) / (len(positions) + 0.5) + 1)
            scores[positions] += (value * idf) * weights
            hit[positions] = True
        if category is not None:
            hit &= loaded.categories == category
        candidates = np.flatnonzero(hit)
        ranked = scores.astype(np.float32)[candidates]
        best = candidates[np.argsort(-ranked, kind="stable")[:limit]]
        return [(loaded.ids[i], float(np.float32(scores[i]))) for i in best]

    async def _current(self) -> _Loaded:
        async with self._lock:
            generation = self._generation
            if self._loaded is None or self._loaded[0] != generation:
                loaded = await self._read()
                self._loaded = (generation, loaded) if generation == self._generation else None
                return loaded
            return self._loaded[1]

    async def _read(self) -> _Loaded:
        if not await self.client.collection_exists(self.collection):
            return _Loaded()
        found: list[tuple[str, Any, models.SparseVector]] = []
        offset: Any = None
        while True:
            points, offset = await self.client.scroll(
                self.collection,
                limit=_PAGE,
                offset=offset,
                with_payload=["category"],
                with_vectors=[self.vector],
            )
            for point in points:
                vector = point.vector.get(self.vector) if isinstance(point.vector, dict) else None
                if isinstance(vector, models.SparseVector):
                    found.append((str(point.id), (point.payload or {}).get("category"), vector))
            if offset is None:
                break
        found.sort(key=lambda point: point[0])  # positions in id order: ties rank by id
        terms: dict[int, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for position, (_, _, vector) in enumerate(found):
            for term, weight in zip(vector.indices, vector.values, strict=True):
                terms[term][0].append(position)
                terms[term][1].append(weight)
        postings = {
            term: (np.array(positions, dtype=np.intp), np.array(weights, dtype=np.float64))
            for term, (positions, weights) in terms.items()
        }
        ids = [point_id for point_id, _, _ in found]
        categories = np.array([category for _, category, _ in found], dtype=object)
        return _Loaded(ids, categories, postings, len(found))


def fused(rankings: list[list[str]], limit: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion, as Qdrant fuses its prefetches: ties keep the order in
    which the lists first name them."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, point_id in enumerate(ranking, start=1):
            scores[point_id] = scores.get(point_id, 0.0) + 1 / (rank + _RRF_K - 1.0)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
