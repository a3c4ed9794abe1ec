"""OpenAI embeddings through the real `openai` SDK against a scripted HTTP server."""

from collections.abc import Iterator

import openai
import pytest
from copilot_rag.adapters.openai_embedder import BATCH, OpenAIEmbedder
from copilot_rag.domain.embeddings import EmbeddingUnavailableError

from tests.support.scripted_llm import ScriptedLLM


@pytest.fixture
def server() -> Iterator[ScriptedLLM]:
    with ScriptedLLM([]) as scripted:
        yield scripted


def embedder_for(server: ScriptedLLM, dimensions: int | None = 64) -> OpenAIEmbedder:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
    return OpenAIEmbedder(client, "text-embedding-3-small", dimensions=dimensions)


async def test_vectors_come_back_in_input_order_in_batches(server: ScriptedLLM) -> None:
    embedder = embedder_for(server)
    texts = [f"passage {i}" for i in range(BATCH + 3)]
    vectors = await embedder.embed_documents(texts)
    assert len(vectors) == len(texts) and all(len(v) == 64 for v in vectors)
    assert [len(r["input"]) for r in server.embedding_requests] == [BATCH, 3]
    assert server.embedding_requests[0]["dimensions"] == 64
    assert vectors[5] == await embedder.embed_query("passage 5"), "order follows the inputs"
    assert embedder.name == "openai:127.0.0.1:text-embedding-3-small:64"


async def test_without_a_size_none_is_asked_for_and_the_native_one_is_learned(
    server: ScriptedLLM,
) -> None:
    embedder = embedder_for(server, dimensions=None)
    await embedder.probe()
    assert embedder.dimensions == 8, "the scripted server's native size"
    assert "dimensions" not in server.embedding_requests[0]
    assert len(await embedder.embed_query("grind")) == 8


async def test_vectors_of_the_wrong_size_are_refused(server: ScriptedLLM) -> None:
    embedder = embedder_for(server, dimensions=64)
    embedder._requested = None  # as if the server ignored the size asked for
    with pytest.raises(EmbeddingUnavailableError, match="size 64"):
        await embedder.embed_query("grind")


async def test_a_failing_api_is_embedding_unavailable(server: ScriptedLLM) -> None:
    server.embedding_status = 503
    with pytest.raises(EmbeddingUnavailableError):
        await embedder_for(server).embed_query("cold brew")
