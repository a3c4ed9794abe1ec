"""`make bench`'s last step: the day's runs in one file, bench/results/<date>.json (turns,
docs search, orders), and their summary for people, bench/results/<date>.md, printed too."""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results_file import RESULTS, machine
from turns_summary import summary_lines

PARTS = {"turns": "turns-bench", "rag": "rag-bench", "orders": "orders-bench"}


def day_results(folder: Path, day: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part, name in PARTS.items():
        path = folder / f"{name}-{day}.json"
        if path.exists():
            found[part] = json.loads(path.read_text())
    return found


def rag_lines(rag: dict[str, Any]) -> list[str]:
    lines = [
        "| docs search (local model, Qdrant local mode) | search p50 / p95 ms | ingest chunks/s |",
        "| --- | --- | --- |",
    ]
    for figures in rag["sizes"].values():
        query, ingest = figures["hybrid_query"], figures["ingest"]
        lines.append(
            f"| {figures['chunks_indexed']} chunks | {query['p50_ms']:g} / {query['p95_ms']:g} "
            f"| {ingest['chunks_per_s']:g} |"
        )
    return lines


def orders_lines(orders: dict[str, Any]) -> list[str]:
    lines = [
        "| orders | store, one by one | bus, 1 at a time | bus, 10 at a time |",
        "| --- | --- | --- | --- |",
    ]
    for database, figures in orders["databases"].items():
        bus = figures["bus"]
        lines.append(
            f"| {database} | {figures['store']['orders_per_s_sequential']:g} orders/s "
            f"| {bus['concurrency_1']['orders_per_s']:g} orders/s "
            f"| {bus['concurrency_10']['orders_per_s']:g} orders/s |"
        )
    return lines


def report(day: str, results: dict[str, Any]) -> list[str]:
    where = results.get("turns", {}).get("machine") or machine()
    lines = [
        f"## Benchmarks, {day}",
        "",
        f"Machine: {where['cpus']} CPUs ({where.get('cpu', 'unknown')}), {where['platform']}, "
        f"Python {where['python']}.",
    ]
    if "turns" in results:
        lines += summary_lines(results["turns"])
    if "rag" in results:
        lines += ["", "### Docs search", "", *rag_lines(results["rag"])]
    if "orders" in results:
        lines += ["", "### Orders", "", *orders_lines(results["orders"])]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--day", default=f"{datetime.now(UTC):%Y-%m-%d}", help="YYYY-MM-DD")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of the runs")
    args = parser.parse_args(argv)
    results = day_results(args.results, args.day)
    if not results:
        print(f"No benchmark results of {args.day} in {args.results}", file=sys.stderr)
        return 1
    (args.results / f"{args.day}.json").write_text(
        json.dumps({"day": args.day, **results}, indent=2)
    )
    summary = "\n".join(report(args.day, results)) + "\n"
    (args.results / f"{args.day}.md").write_text(summary)
    print(summary)
    print(f"Written to {args.results / f'{args.day}.json'} and {args.day}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
