"""Retrieval quality on the labelled question set: dense-only, keyword-only and hybrid.

Builds a fresh index of the bundled docs with the local model (local Qdrant in a temporary
folder), asks every question in bench/rag/questions.yaml in each mode, and reports
recall@1, recall@5 and MRR (by document, first relevant hit within 10 passages), and how
often questions with no answer in the docs are refused at the configured relevance floor
(and how often answerable ones are refused with it, the price of refusing).
Writes bench/results/rag-eval-<date>.json and prints a summary."""

import asyncio
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from copilot_contracts.tools import SearchDocsArgs
from copilot_rag.adapters.local_embedder import LocalEmbedder
from copilot_rag.adapters.qdrant_index import QdrantDocsIndex, open_client
from copilot_rag.adapters.sources import load_path
from copilot_rag.config import BUNDLED_DOCS, RagSettings
from copilot_rag.domain.ingestion import ingest
from copilot_rag.domain.search import RelevanceFloor, SearchMode, search_docs
from results_file import write_results

HERE = Path(__file__).parent
MODES: tuple[SearchMode, ...] = ("dense", "keyword", "hybrid")
DEPTH = 10


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    relevant: list[str]


def load_questions(path: Path) -> list[Question]:
    raw = yaml.safe_load(path.read_text())["questions"]
    return [Question(q["id"], q["kind"], q["question"], list(q["relevant"])) for q in raw]


def first_relevant_rank(ranked_docs: list[str], relevant: list[str]) -> int | None:
    for rank, doc_id in enumerate(ranked_docs, start=1):
        if doc_id in relevant:
            return rank
    return None


def distinct(doc_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def scores(ranks: list[int | None]) -> dict[str, float]:
    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)

    mrr = statistics.fmean(1 / r if r else 0.0 for r in ranks)
    return {"recall@1": recall(1), "recall@5": recall(5), "mrr": mrr}


async def evaluate(questions: list[Question], floor: RelevanceFloor) -> dict[str, Any]:
    embedder = LocalEmbedder()
    with tempfile.TemporaryDirectory() as folder:
        client = open_client(None, None, folder)
        index = QdrantDocsIndex(client, "eval", server=False)
        await index.prepare(embedder.name, embedder.dimensions)
        await ingest(index, embedder, load_path(BUNDLED_DOCS).documents, "bundled")
        answerable = [q for q in questions if q.relevant]
        unanswerable = [q for q in questions if not q.relevant]
        report: dict[str, Any] = {"modes": {}, "by_kind": {}, "misses": {}}
        for mode in MODES:
            ranks: dict[str, int | None] = {}
            for q in answerable:
                result = await search_docs(
                    index, embedder, SearchDocsArgs(query=q.text, top_k=DEPTH), mode=mode
                )
                ranked = distinct([p.doc_id for p in result.passages])
                ranks[q.id] = first_relevant_rank(ranked, q.relevant)
            report["modes"][mode] = scores(list(ranks.values()))
            report["by_kind"][mode] = {
                kind: scores([ranks[q.id] for q in answerable if q.kind == kind])
                for kind in sorted({q.kind for q in answerable})
            }
            report["misses"][mode] = sorted(
                q.id for q in answerable if (ranks[q.id] or DEPTH + 1) > 5
            )
        report["refusal"] = await refusal_rates(index, embedder, answerable, unanswerable, floor)
        await client.close()
    return report


async def refusal_rates(
    index: QdrantDocsIndex,
    embedder: LocalEmbedder,
    answerable: list[Question],
    unanswerable: list[Question],
    configured: RelevanceFloor,
) -> dict[str, Any]:
    """How often each side is refused: at the configured floor, and at nearby ones."""

    async def rate(questions: list[Question], floor: RelevanceFloor) -> float:
        refused = 0
        for q in questions:
            args = SearchDocsArgs(query=q.text)
            refused += not (await search_docs(index, embedder, args, floor=floor)).passages
        return refused / max(len(questions), 1)

    floors = [configured] + [
        RelevanceFloor(similarity, configured.min_keyword_coverage)
        for similarity in (0.30, 0.33, 0.40, 0.45)
    ]
    sweep = []
    for floor in floors:
        sweep.append(
            {
                "min_similarity": floor.min_similarity,
                "min_keyword_coverage": floor.min_keyword_coverage,
                "no_answer_refused": await rate(unanswerable, floor),
                "answerable_refused": await rate(answerable, floor),
            }
        )
    return {"configured": sweep[0], "sweep": sweep[1:]}


def main() -> int:
    questions = load_questions(HERE / "rag" / "questions.yaml")
    settings = RagSettings()
    floor = RelevanceFloor(settings.search_min_similarity, settings.search_min_keyword_coverage)
    started = datetime.now(UTC)
    report = asyncio.run(evaluate(questions, floor))
    report["questions"] = {
        kind: sum(1 for q in questions if q.kind == kind)
        for kind in sorted({q.kind for q in questions})
    }
    out = write_results("rag-eval", started, report)
    print(f"Retrieval on {len(questions)} questions ({report['questions']}):")
    for mode, figures in report["modes"].items():
        line = "  ".join(f"{name} {value:.3f}" for name, value in figures.items())
        print(f"  {mode:8} {line}")
    print("Refusals (hybrid), by floor:")
    configured = report["refusal"]["configured"]
    for row in [configured, *report["refusal"]["sweep"]]:
        mark = "  <- configured" if row is configured else ""
        print(
            f"  similarity {row['min_similarity']:.2f}, keyword coverage "
            f"{row['min_keyword_coverage']:.2f}: no-answer questions refused "
            f"{row['no_answer_refused']:.0%}, answerable ones refused "
            f"{row['answerable_refused']:.0%}{mark}"
        )
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
