"""The docs index in Qdrant: local path mode by default, a server when QDRANT_URL is set."""

import uuid

from copilot_contracts.tools import DocPassage
from qdrant_client import AsyncQdrantClient, models

from copilot_rag.domain import lexical
from copilot_rag.domain.chunking import Chunk

KEYWORDS = "keywords"
_POINT_NAMESPACE = uuid.UUID("6f1c1f9e-51c4-4a35-9c8e-2f0b8f6f4a10")


def open_client(url: str | None, api_key: str | None, path: str) -> AsyncQdrantClient:
    if url:
        return AsyncQdrantClient(url=url, api_key=api_key)
    return AsyncQdrantClient(path=path)


class QdrantDocsIndex:
    def __init__(self, client: AsyncQdrantClient, collection: str, server: bool) -> None:
        self.client = client
        self.collection = collection
        self.server = server

    async def _create(self) -> None:
        await self.client.create_collection(
            self.collection,
            vectors_config={},
            sparse_vectors_config={
                KEYWORDS: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
        )
        if self.server:  # local mode filters without indexes and warns about them
            await self.client.create_payload_index(
                self.collection, "category", models.PayloadSchemaType.KEYWORD
            )

    async def replace_all(self, chunks: list[Chunk]) -> None:
        if await self.client.collection_exists(self.collection):
            await self.client.delete_collection(self.collection)
        await self._create()
        avg = lexical.average_length([c.text for c in chunks])
        points = [self._point(chunk, avg) for chunk in chunks]
        for start in range(0, len(points), 256):
            await self.client.upsert(self.collection, points[start : start + 256], wait=True)

    def _point(self, chunk: Chunk, avg_length: float) -> models.PointStruct:
        searchable = " ".join((chunk.title, *chunk.heading_path, chunk.text))
        vector = lexical.document_vector(searchable, avg_length)
        return models.PointStruct(
            id=str(uuid.uuid5(_POINT_NAMESPACE, f"{chunk.doc_id}#{chunk.index}")),
            vector={KEYWORDS: models.SparseVector(indices=vector.indices, values=vector.values)},
            payload={
                "doc_id": chunk.doc_id,
                "title": chunk.title,
                "url": chunk.url,
                "category": chunk.category,
                "heading_path": list(chunk.heading_path),
                "text": chunk.text,
            },
        )

    async def search(self, query: str, limit: int, category: str | None) -> list[DocPassage]:
        vector = lexical.query_vector(query)
        if not vector.indices:
            return []
        where = None
        if category:
            where = models.Filter(
                must=[
                    models.FieldCondition(key="category", match=models.MatchValue(value=category))
                ]
            )
        response = await self.client.query_points(
            self.collection,
            query=models.SparseVector(indices=vector.indices, values=vector.values),
            using=KEYWORDS,
            query_filter=where,
            limit=limit,
            with_payload=True,
        )
        return [
            DocPassage(
                doc_id=str(p.payload["doc_id"]),
                title=str(p.payload["title"]),
                url=str(p.payload["url"]),
                heading_path=list(p.payload["heading_path"]),
                text=str(p.payload["text"]),
                score=p.score,
            )
            for p in response.points
            if p.payload
        ]

    async def count(self) -> int:
        if not await self.client.collection_exists(self.collection):
            return 0
        return (await self.client.count(self.collection)).count
