"""The local model gives the reference model's vectors, offline, with no network at all."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from copilot_rag.adapters.local_embedder import LocalEmbedder

# Vectors computed once by sentence-transformers (PyTorch) from the same packaged weights.
REFERENCE = json.loads((Path(__file__).parent / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return LocalEmbedder()


async def test_vectors_match_the_reference_model(embedder: LocalEmbedder) -> None:
    ours = np.array(await embedder.embed_documents([r["text"] for r in REFERENCE]))
    reference = np.array([r["vector"] for r in REFERENCE])
    cosines = (ours * reference).sum(axis=1)
    assert embedder.dimensions == ours.shape[1] == 384
    assert cosines.min() > 0.9999, cosines


async def test_similar_meanings_are_closer_than_unrelated_ones(embedder: LocalEmbedder) -> None:
    query = np.array(await embedder.embed_query("my beans go stale fast, where do I keep them?"))
    storage, shipping = np.array(
        await embedder.embed_documents(
            [
                "Keep the beans in an airtight, opaque container at room temperature.",
                "Orders over $40 ship free within the continental United States.",
            ]
        )
    )
    assert query @ storage > query @ shipping + 0.2


async def test_batching_and_order_do_not_change_a_vector(embedder: LocalEmbedder) -> None:
    texts = ["short", "a much longer sentence about espresso grind sizes and extraction", "mid"]
    together = np.array(await embedder.embed_documents(texts))
    alone = np.array([await embedder.embed_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert await embedder.embed_documents([]) == []


def test_loads_with_networking_disabled(tmp_path: Path) -> None:
    # A fresh interpreter with the hub forced offline and every proxy pointing nowhere.
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf"),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    code = (
        "import asyncio; from copilot_rag.adapters.local_embedder import LocalEmbedder;"
        "v = asyncio.run(LocalEmbedder().embed_query('cold brew ratio')); print(len(v))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "384"
    assert not (tmp_path / "hf").exists(), "nothing was fetched or cached from a hub"
