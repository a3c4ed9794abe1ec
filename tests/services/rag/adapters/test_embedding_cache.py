"""Passage vectors are computed once per model and text, and survive a restart."""

from pathlib import Path

from copilot_rag.adapters.embedding_cache import CachedEmbedder

from tests.services.rag.conftest import CountingEmbedder


async def test_known_texts_are_not_embedded_again(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    cache = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    first = await cache.embed_documents(["cold brew ratio", "grind size", "cold brew ratio"])
    assert embedder.documents_embedded == ["cold brew ratio", "grind size"]
    cache.close()

    embedder.documents_embedded.clear()
    reopened = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    again = await reopened.embed_documents(["grind size", "cold brew ratio", "water"])
    assert embedder.documents_embedded == ["water"]
    assert again[0] == first[1] and again[1] == first[0] == first[2]
    assert len(again[2]) == embedder.dimensions
    reopened.close()


async def test_another_model_never_reads_these_vectors(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    cache = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    await cache.embed_documents(["espresso"])
    embedder.name = "local:another-model"
    other = CachedEmbedder(embedder, tmp_path / "cache.sqlite")
    embedder.documents_embedded.clear()
    await other.embed_documents(["espresso"])
    assert embedder.documents_embedded == ["espresso"]
    cache.close()
    other.close()
