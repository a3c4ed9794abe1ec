"""The offline default: all-MiniLM-L6-v2 from its registry package, on the CPU."""

import asyncio
from pathlib import Path

from copilot_rag.adapters.minilm import MODEL_NAME, MiniLMEncoder, bundled_model_dir


class LocalEmbedder:
    def __init__(self, model_dir: Path | None = None) -> None:
        self._encoder = MiniLMEncoder(model_dir or bundled_model_dir())
        self.name = f"local:{MODEL_NAME}"
        self.dimensions = self._encoder.dimensions

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        # NumPy releases the GIL in its matrix products: a thread keeps the event loop free.
        vectors = await asyncio.to_thread(self._encoder.encode, texts)
        return [row.tolist() for row in vectors]

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]
