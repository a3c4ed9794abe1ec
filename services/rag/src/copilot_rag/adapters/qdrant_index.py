"""The docs index in Qdrant: dense and keyword vectors per chunk, fused with RRF.

Local path mode by default, a server when QDRANT_URL is set: the same code for both."""

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from copilot_contracts.tools import DocPassage
from copilot_service_defaults.failpoints import armed
from qdrant_client import AsyncQdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException

from copilot_rag.adapters.local_keywords import LocalKeywordIndex
from copilot_rag.domain import lexical
from copilot_rag.domain.chunking import Chunk
from copilot_rag.domain.ingestion import searchable_text
from copilot_rag.domain.search import Hit, IndexMismatchError, SearchMode

DENSE = "dense"
KEYWORDS = "keywords"
SCHEMA_VERSION = 2
_POINT_NAMESPACE = uuid.UUID("6f1c1f9e-51c4-4a35-9c8e-2f0b8f6f4a10")
_SCROLL_PAGE = 1000


def open_client(url: str | None, api_key: str | None, path: str) -> AsyncQdrantClient:
    if url:
        return AsyncQdrantClient(url=url, api_key=api_key, timeout=10)
    return AsyncQdrantClient(path=path)


def _match(key: str, value: str) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


class QdrantDocsIndex:
    def __init__(self, client: AsyncQdrantClient, collection: str, server: bool) -> None:
        self.client = client
        self.collection = collection
        self.server = server
        # Local mode's own keyword scoring is Python point by point (local_keywords.py).
        self.keywords = None if server else LocalKeywordIndex(client, collection, KEYWORDS, DENSE)

    def _changed(self) -> None:
        """A write that may have stopped half-way: local keywords are read afresh."""
        if self.keywords is not None:
            self.keywords.forget()

    async def prepare(self, model: str, dimensions: int, rebuild: bool = False) -> None:
        """Create the collection for this embedding model, or check that it was built for it."""
        expected = {"schema": SCHEMA_VERSION, "embedding_model": model, "dimensions": dimensions}
        exists = await self.client.collection_exists(self.collection)
        if exists and rebuild:
            await self.client.delete_collection(self.collection)
            self._changed()  # until it is created again
        elif exists:
            info = await self.client.get_collection(self.collection)
            found = {k: (info.config.metadata or {}).get(k) for k in expected}
            if found != expected:
                built = f"{found['embedding_model']} ({found['dimensions']} dimensions)"
                raise IndexMismatchError(
                    f"The docs collection '{self.collection}' was built for {built}, schema"
                    f" {found['schema']}; this service embeds with {model} ({dimensions}"
                    f" dimensions), schema {SCHEMA_VERSION}. Re-index with"
                    " `copilot ingest --rebuild`, or set QDRANT_COLLECTION to a new name."
                )
            return
        await self.client.create_collection(
            self.collection,
            vectors_config={
                DENSE: models.VectorParams(size=dimensions, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={
                KEYWORDS: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
            metadata=expected,
        )
        if self.keywords is not None:
            self.keywords.emptied()
        if self.server:  # local mode filters without indexes and warns about them
            for field in ("doc_id", "source", "category"):
                await self.client.create_payload_index(
                    self.collection, field, models.PayloadSchemaType.KEYWORD
                )
            await self.client.create_payload_index(
                self.collection, "chunk", models.PayloadSchemaType.INTEGER
            )

    async def document_hashes(self, source: str) -> dict[str, str]:
        """The content hash of every document indexed from `source` ("" when its chunks
        disagree, after a replace that did not finish: it is then indexed again)."""
        hashes: dict[str, str] = {}
        offset: Any = None
        while True:
            points, offset = await self.client.scroll(
                self.collection,
                scroll_filter=models.Filter(must=[_match("source", source)]),
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=["doc_id", "content_hash"],
                with_vectors=False,
            )
            for point in points:
                payload = point.payload or {}
                doc_id, content_hash = str(payload["doc_id"]), str(payload["content_hash"])
                hashes[doc_id] = (
                    content_hash if hashes.get(doc_id, content_hash) == content_hash else ""
                )
            if offset is None:
                return hashes

    async def replace_document(
        self,
        source: str,
        content_hash: str,
        chunks: Sequence[Chunk],
        vectors: Sequence[list[float]],
        replacing: bool = True,
    ) -> None:
        # Upsert first (point ids are stable per chunk position), then drop the positions the
        # new version no longer has: searches never see the document missing.
        points = [
            self._point(chunk, vector, source, content_hash)
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        try:
            await self._replace(source, chunks, points, replacing)
        except BaseException:
            self._changed()
            raise

    async def _replace(
        self,
        source: str,
        chunks: Sequence[Chunk],
        points: list[models.PointStruct],
        replacing: bool,
    ) -> None:
        for start in range(0, len(points), 256):
            batch = points[start : start + 256]
            await self.client.upsert(self.collection, batch, wait=True)
            if self.keywords is not None:
                self.keywords.added(batch)
        if not replacing:
            return
        leftover = models.Filter(
            must=[
                _match("source", source),
                _match("doc_id", chunks[0].doc_id),
                models.FieldCondition(key="chunk", range=models.Range(gte=len(chunks))),
            ]
        )
        await self.client.delete(
            self.collection, points_selector=models.FilterSelector(filter=leftover), wait=True
        )
        if self.keywords is not None:
            self.keywords.dropped(source, chunks[0].doc_id, from_chunk=len(chunks))

    async def delete_document(self, source: str, doc_id: str) -> None:
        selector = models.FilterSelector(
            filter=models.Filter(must=[_match("source", source), _match("doc_id", doc_id)])
        )
        try:
            await self.client.delete(self.collection, points_selector=selector, wait=True)
        except BaseException:
            self._changed()
            raise
        if self.keywords is not None:
            self.keywords.dropped(source, doc_id)

    @staticmethod
    def _point(
        chunk: Chunk, vector: list[float], source: str, content_hash: str
    ) -> models.PointStruct:
        keywords = lexical.document_vector(searchable_text(chunk))
        return models.PointStruct(
            id=str(uuid.uuid5(_POINT_NAMESPACE, f"{source}\n{chunk.doc_id}#{chunk.index}")),
            vector={
                DENSE: vector,
                KEYWORDS: models.SparseVector(indices=keywords.indices, values=keywords.values),
            },
            payload={
                "doc_id": chunk.doc_id,
                "source": source,
                "content_hash": content_hash,
                "chunk": chunk.index,
                "title": chunk.title,
                "url": chunk.url,
                "category": chunk.category,
                "heading_path": list(chunk.heading_path),
                "text": chunk.text,
            },
        )

    async def search(
        self,
        query: str,
        vector: list[float] | None,
        limit: int,
        category: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        if armed("rag.qdrant_unreachable"):  # an outage a test starts and ends
            raise ResponseHandlingException(httpx.ConnectError("All connection attempts failed"))
        category = category or None  # an empty category is no filter
        where = models.Filter(must=[_match("category", category)]) if category else None
        keywords = lexical.query_vector(query)
        use_dense = vector is not None and mode != "keyword"
        use_keywords = bool(keywords.indices) and mode != "dense"
        if self.keywords is not None and use_keywords:
            dense_query = vector if use_dense else None
            ranked = await self.keywords.rank(keywords, dense_query, limit, category, where)
            return await self._hits(ranked, vector)
        dense = (
            models.Prefetch(query=vector, using=DENSE, filter=where, limit=limit * 4)
            if use_dense
            else None
        )
        sparse = (
            models.Prefetch(
                query=models.SparseVector(indices=keywords.indices, values=keywords.values),
                using=KEYWORDS,
                filter=where,
                limit=limit * 4,
            )
            if use_keywords
            else None
        )
        prefetch = [p for p in (dense, sparse) if p is not None]
        if not prefetch:
            return []
        if len(prefetch) == 1:  # one list: its own order, no fusion needed
            only = prefetch[0]
            response = await self.client.query_points(
                self.collection,
                query=only.query,
                using=only.using,
                query_filter=where,
                limit=limit,
                with_payload=True,
                with_vectors=[DENSE],
            )
        else:
            response = await self.client.query_points(
                self.collection,
                prefetch=prefetch,
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=limit,
                with_payload=True,
                with_vectors=[DENSE],
            )
        return [
            Hit(_passage(p.payload, p.score), _cosine(vector, p.vector))
            for p in response.points
            if p.payload
        ]

    async def _hits(self, ranked: list[tuple[str, float]], vector: list[float] | None) -> list[Hit]:
        """The ranked points' passages, each with its similarity to `vector`."""
        if not ranked:
            return []
        points = await self.client.retrieve(
            self.collection,
            [point_id for point_id, _ in ranked],
            with_payload=True,
            with_vectors=[DENSE] if vector is not None else False,
        )
        by_id = {str(p.id): p for p in points}
        return [
            Hit(_passage(point.payload, score), _cosine(vector, point.vector))
            for point_id, score in ranked
            if (point := by_id.get(point_id)) is not None and point.payload
        ]

    async def count(self) -> int:
        if not await self.client.collection_exists(self.collection):
            return 0
        return (await self.client.count(self.collection)).count


def _cosine(query: list[float] | None, stored: Any) -> float | None:
    """Both vectors are unit length (Qdrant normalises cosine collections)."""
    dense = stored.get(DENSE) if isinstance(stored, dict) else None
    if query is None or not dense:
        return None
    return float(sum(a * b for a, b in zip(query, dense, strict=True)))


def _passage(payload: dict[str, Any], score: float) -> DocPassage:
    return DocPassage(
        doc_id=str(payload["doc_id"]),
        title=str(payload["title"]),
        url=str(payload["url"]),
        heading_path=list(payload["heading_path"]),
        text=str(payload["text"]),
        score=score,
    )
