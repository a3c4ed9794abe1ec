"""Docs search speed: query latency (embedding included) at 1k and 10k chunks, and
ingestion throughput, with the local model and Qdrant in local path mode.

The 10k corpus is synthetic: pages assembled deterministically from the bundled docs'
sentences, so chunks have realistic lengths and vocabulary. Writes
bench/results/rag-bench-<date>.json and prints a summary."""

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from copilot_contracts.tools import SearchDocsArgs
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS, RagSettings
from copilot_rag.domain.documents import Document, parse_markdown
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import RelevanceFloor, search_docs
from results_file import write_results

HERE = Path(__file__).parent
DEFAULT_SIZES = (1_000, 10_000)
SECTIONS_PER_PAGE = 5
QUERIES = 200


def synthetic_pages(chunks_wanted: int, start: int, seed: int = 7) -> list[Document]:
    """Pages of SECTIONS_PER_PAGE short sections each; one section becomes one chunk."""
    rng = random.Random(seed + start)
    sentences = [
        s.strip()
        for doc in load_path(BUNDLED_DOCS).documents
        for s in re.split(r"(?<=[.!?])\s+", re.sub(r"^#+ .*$", "", doc.body, flags=re.M))
        if 40 <= len(s.strip()) <= 240
    ]
    pages = []
    for number in range(start, start + chunks_wanted // SECTIONS_PER_PAGE):
        sections = "\n\n".join(
            f"## Topic {number}.{i}\n\n" + " ".join(rng.sample(sentences, rng.randint(3, 6)))
            for i in range(SECTIONS_PER_PAGE)
        )
        text = (
            f"---\ntitle: Synthetic page {number}\n"
            f"url: https://bench.example/page-{number}\ncategory: bench\n---\n\n"
            f"# Synthetic page {number}\n\n{sections}\n"
        )
        pages.append(parse_markdown(f"bench/page-{number}", text))
    return pages


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def query_latency(
    index: QdrantDocsIndex, embedder: LocalEmbedder, questions: list[str], floor: RelevanceFloor
) -> dict[str, float]:
    timings = []
    for i in range(QUERIES):
        args = SearchDocsArgs(query=questions[i % len(questions)])
        started = time.perf_counter()
        await search_docs(index, embedder, args, floor=floor)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "queries": QUERIES,
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
    }


async def run(sizes: tuple[int, ...]) -> dict[str, Any]:
    settings = RagSettings()
    floor = RelevanceFloor(settings.search_min_similarity, settings.search_min_keyword_coverage)
    raw = yaml.safe_load((HERE / "rag" / "questions.yaml").read_text())["questions"]
    questions = [q["question"] for q in raw]
    embedder = LocalEmbedder()
    await embedder.embed_query("warm up")
    results: dict[str, Any] = {"sizes": {}}
    with tempfile.TemporaryDirectory() as folder:
        client = open_client(None, None, folder)
        index = QdrantDocsIndex(client, "bench", server=False)
        await index.prepare(embedder.name, embedder.dimensions)
        indexed = 0
        for size in sizes:
            pages = synthetic_pages(size - indexed, start=indexed // SECTIONS_PER_PAGE)
            started = time.perf_counter()
            report = await ingest(index, embedder, pages, f"bench-{size}")
            seconds = time.perf_counter() - started
            indexed = await index.count()
            results["sizes"][str(size)] = {
                "chunks_indexed": indexed,
                "ingest": {
                    "chunks": report.chunks_embedded,
                    "seconds": round(seconds, 1),
                    "chunks_per_s": round(report.chunks_embedded / seconds, 1),
                },
                "hybrid_query": await query_latency(index, embedder, questions, floor),
            }
            print(f"  {indexed} chunks: {json.dumps(results['sizes'][str(size)])}", flush=True)
        await client.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="chunk counts, ascending"
    )
    sizes = tuple(int(size) for size in parser.parse_args().sizes.split(","))
    started = datetime.now(UTC)
    print("Docs search benchmark (local model, Qdrant local path mode)…", flush=True)
    results = asyncio.run(run(sizes))
    out = write_results("rag-bench", started, results)
    for figures in results["sizes"].values():
        q, ing = figures["hybrid_query"], figures["ingest"]
        print(
            f"{figures['chunks_indexed']:>6} chunks: search p50 {q['p50_ms']} ms, "
            f"p95 {q['p95_ms']} ms (embedding included); ingest {ing['chunks_per_s']} chunks/s"
        )
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
