"""Embeddings from the OpenAI API, or any server that speaks it."""

from urllib.parse import urlsplit

import openai

from copilot_rag.domain.embeddings import EmbeddingUnavailableError

# The API takes at most 2048 inputs per request; smaller batches keep requests short.
BATCH = 256


class OpenAIEmbedder:
    """`dimensions` is sent only when set (text-embedding-3 models can shorten vectors;
    older models and many compatible servers refuse the parameter). Unset, the size is
    learned from the first answer: call `probe()` before the size is needed."""

    def __init__(self, client: openai.AsyncOpenAI, model: str, dimensions: int | None) -> None:
        self.client = client
        self.model = model
        self._requested = dimensions
        self.dimensions = dimensions or 0
        host = urlsplit(str(client.base_url)).hostname or "api.openai.com"
        # The server is part of the name: the same model name elsewhere may be another model.
        self.name = f"openai:{host}:{model}:{dimensions or 'native'}"

    async def probe(self) -> None:
        if not self.dimensions:
            self.dimensions = len((await self._embed(["dimension probe"], check=False))[0])

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors.extend(await self._embed(texts[start : start + BATCH]))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return (await self._embed([text]))[0]

    async def _embed(self, texts: list[str], check: bool = True) -> list[list[float]]:
        try:
            response = await self.client.embeddings.create(
                model=self.model,
                input=texts,
                dimensions=self._requested if self._requested else openai.omit,
            )
        except openai.OpenAIError as exc:
            raise EmbeddingUnavailableError(type(exc).__name__) from exc
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        if len(vectors) != len(texts):
            raise EmbeddingUnavailableError(f"{len(vectors)} vectors for {len(texts)} texts")
        if check and any(len(v) != self.dimensions for v in vectors):
            raise EmbeddingUnavailableError(f"vectors are not of size {self.dimensions}")
        return vectors
