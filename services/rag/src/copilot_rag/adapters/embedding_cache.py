"""Remember passage vectors by model and text, so a rebuild or a restart on a fresh index
embeds only text it has never seen. SQLite file next to the service's other data."""

import asyncio
import hashlib
import logging
import sqlite3
from pathlib import Path

import numpy as np

from copilot_rag.domain.embeddings import Embedder

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    text_sha256 BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha256)
)
"""
# The braces take one "?" per key of the batch: keys are always bound parameters.
_LOOKUP_SQL = "SELECT text_sha256, vector FROM vectors WHERE model = ? AND text_sha256 IN ({})"


class CachedEmbedder:
    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        path.parent.mkdir(parents=True, exist_ok=True)
        # Calls are serialised by the asyncio lock below; threads only keep the loop free.
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=5.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.sha256(text.encode()).digest()

    def _lookup(self, keys: list[bytes]) -> dict[bytes, list[float]]:
        found: dict[bytes, list[float]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(_LOOKUP_SQL.format(marks), [self.name, *batch])
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def _store(self, pairs: list[tuple[bytes, list[float]]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (model, text_sha256, vector) VALUES (?, ?, ?)",
                [(self.name, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in pairs],
            )

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        async with self._lock:
            known = await asyncio.to_thread(self._lookup, keys)
            missing = sorted(
                {k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items()
            )
            if missing:
                vectors = await self.inner.embed_documents([t for _, t in missing])
                fresh = [(k, v) for (k, _), v in zip(missing, vectors, strict=True)]
                await asyncio.to_thread(self._store, fresh)
                known.update(fresh)
        return [known[k] for k in keys]

    async def embed_query(self, text: str) -> list[float]:
        return await self.inner.embed_query(text)

    def close(self) -> None:
        self._db.close()
