"""Keyword scoring for Qdrant's local path mode, in NumPy over an inverted index.

Local mode scores a sparse query in Python, point by point, walking both index lists: 5.5 ms
of CPU a query over the 296 chunks of the bundled docs, and it grows with every chunk
(measured). This index holds the same keyword vectors term by term, read from the
collection once and then kept up to date by each write, and scores as Qdrant does: the
query's weights times the IDF, ln(1 + (n - df + 0.5) / (df + 0.5)) over the points that
have a keyword vector, dotted with each point's stored weights, summed in term order; a
point sharing no term is not a hit. Equal scores rank by point id (Qdrant promises no order
among them). The two lists are fused as Qdrant fuses prefetches. A Qdrant server
(QDRANT_URL) scores with its own index and needs none of this."""

import asyncio
import math
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
class _Postings:
    """Every keyword vector the index holds, term by term, by position. A point rewritten or
    deleted keeps its old position, marked dead; positions are never reused."""

    ids: list[str] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)
    live: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    terms: dict[int, tuple[list[int], list[float]]] = field(default_factory=dict)
    """term -> (positions of the points having it, their weights for it)"""
    arrays: dict[int, tuple[NDArray[np.intp], NDArray[np.float64]]] = field(default_factory=dict)
    """`terms` as arrays, made when a query first needs them after a change"""
    by_document: dict[tuple[str, str], dict[str, tuple[int, int]]] = field(default_factory=dict)
    """(source, doc_id) -> live point id -> (its chunk number, its position)"""
    documents: int = 0
    """Live points: the n of the IDF."""
    columns: tuple[NDArray[np.str_], NDArray[Any]] | None = None
    """`ids` and `categories` as arrays, made when a query first needs them after a change"""

    def add(self, point_id: str, payload: dict[str, Any], vector: models.SparseVector) -> None:
        document = (str(payload.get("source")), str(payload.get("doc_id")))
        points = self.by_document.setdefault(document, {})
        if (old := points.get(point_id)) is not None:
            self._kill(old[1])
        position = len(self.ids)
        self.columns = None
        self.ids.append(point_id)
        self.categories.append(payload.get("category"))
        if position >= len(self.live):
            self.live = np.concatenate([self.live, np.zeros(max(64, position), dtype=bool)])
        self.live[position] = True
        self.documents += 1
        points[point_id] = (int(payload.get("chunk", 0)), position)
        for term, weight in zip(vector.indices, vector.values, strict=True):
            positions, weights = self.terms.setdefault(term, ([], []))
            positions.append(position)
            weights.append(weight)
            self.arrays.pop(term, None)

    def drop(self, source: str, doc_id: str, from_chunk: int) -> None:
        points = self.by_document.get((source, doc_id), {})
        for point_id, (chunk, position) in list(points.items()):
            if chunk >= from_chunk:
                self._kill(position)
                del points[point_id]

    def _kill(self, position: int) -> None:
        self.live[position] = False
        self.documents -= 1

    def postings(self, term: int) -> tuple[NDArray[np.intp], NDArray[np.float64]] | None:
        """The live points having `term`, and their weights for it."""
        if term not in self.terms:
            return None
        if term not in self.arrays:
            positions, weights = self.terms[term]
            self.arrays[term] = (np.array(positions, dtype=np.intp), np.array(weights))
        positions_all, weights_all = self.arrays[term]
        alive = self.live[positions_all]
        return positions_all[alive], weights_all[alive]

    def id_and_category_arrays(self) -> tuple[NDArray[np.str_], NDArray[Any]]:
        if self.columns is None:
            self.columns = (np.array(self.ids, dtype=str), np.array(self.categories, dtype=object))
        return self.columns

    def worn(self) -> bool:
        """More dead positions than live ones: worth reading afresh."""
        return len(self.ids) - self.documents > max(1_000, self.documents)


class LocalKeywordIndex:
    """Read from the collection on the first search, then kept up to date by every write
    (`added`, `dropped`): only this process can open a local path, so every write goes
    through it. `forget` (a write that failed half-way) reads it afresh. Local mode
    answers without yielding to the event loop, so a write cannot land while this reads;
    the generation check keeps that so should it ever change."""

    def __init__(self, client: AsyncQdrantClient, collection: str, vector: str, dense: str) -> None:
        """`vector`: the keyword (sparse) vector's name; `dense`: the dense one's."""
        self.client = client
        self.collection = collection
        self.vector = vector
        self.dense = dense
        self._generation = 0
        self._index: _Postings | None = None
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        """The collection changed in a way not told here: read it again before the next
        search."""
        self._generation += 1
        self._index = None

    def emptied(self) -> None:
        """The collection was created anew, empty."""
        self._generation += 1
        self._index = _Postings()

    def added(self, points: Sequence[models.PointStruct]) -> None:
        """`points` were upserted: each replaces any point of its id."""
        if self._index is None:
            self._generation += 1  # read afresh anyway
            return
        for point in points:
            vector = point.vector.get(self.vector) if isinstance(point.vector, dict) else None
            if isinstance(vector, models.SparseVector):
                self._index.add(str(point.id), point.payload or {}, vector)

    def dropped(self, source: str, doc_id: str, from_chunk: int = 0) -> None:
        """The document's points from chunk `from_chunk` on were deleted."""
        if self._index is None:
            self._generation += 1
            return
        self._index.drop(source, doc_id, from_chunk)
        if self._index.worn():
            self.forget()

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
        index = await self._current()
        scores = np.zeros(len(index.ids), dtype=np.float64)
        hit = np.zeros(len(index.ids), dtype=bool)
        for term, value in sorted(zip(indices, values, strict=True)):
            if (found := index.postings(term)) is None or not len(found[0]):
                continue
            positions, weights = found
            df = len(positions)
            idf = math.log((index.documents - df + 0.5) / (df + 0.5) + 1)
            scores[positions] += (value * idf) * weights
            hit[positions] = True
        ids, categories = index.id_and_category_arrays()
        if category is not None:
            hit &= categories == category
        candidates = np.flatnonzero(hit)
        ranked = scores.astype(np.float32)[candidates]
        best = candidates[np.lexsort((ids[candidates], -ranked))[:limit]]  # equal: by id
        return [(index.ids[i], float(np.float32(scores[i]))) for i in best]

    async def _current(self) -> _Postings:
        async with self._lock:
            if self._index is None:
                generation = self._generation
                index = await self._read()
                if generation == self._generation:
                    self._index = index
                return index
            return self._index

    async def _read(self) -> _Postings:
        index = _Postings()
        if not await self.client.collection_exists(self.collection):
            return index
        offset: Any = None
        while True:
            points, offset = await self.client.scroll(
                self.collection,
                limit=_PAGE,
                offset=offset,
                with_payload=["category", "source", "doc_id", "chunk"],
                with_vectors=[self.vector],
            )
            for point in points:
                vector = point.vector.get(self.vector) if isinstance(point.vector, dict) else None
                if isinstance(vector, models.SparseVector):
                    index.add(str(point.id), point.payload or {}, vector)
            if offset is None:
                return index


def fused(rankings: list[list[str]], limit: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion, as Qdrant fuses its prefetches: ties keep the order in
    which the lists first name them."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, point_id in enumerate(ranking, start=1):
            scores[point_id] = scores.get(point_id, 0.0) + 1 / (rank + _RRF_K - 1.0)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)[:limit]
