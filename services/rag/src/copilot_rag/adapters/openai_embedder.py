"""Embeddings from the OpenAI API, or any server that speaks it."""

import openai

from copilot_rag.domain.embeddings import EmbeddingUnavailableError

# The API takes at most 2048 inputs per request; smaller batches keep requests short.
BATCH = 256


class OpenAIEmbedder:
    def __init__(self, client: openai.AsyncOpenAI, model: str, dimensions: int) -> None:
        self.client = client
        self.model = model
        self.dimensions = dimensions
        self.name = f"openai:{model}:{dimensions}"

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            try:
                response = await self.client.embeddings.create(
                    model=self.model,
                    input=texts[start : start + BATCH],
                    dimensions=self.dimensions,
                )
            except openai.OpenAIError as exc:
                raise EmbeddingUnavailableError(type(exc).__name__) from exc
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]
