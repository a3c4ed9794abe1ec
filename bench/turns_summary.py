"""The turns benchmark's figures as Markdown tables, for people."""

from typing import Any

TARGET_P95_MS = 2_000  # the deployment checklist: response time < 2 s (p95)


def _trio(figures: dict[str, float]) -> str:
    if not figures:
        return "–"
    return " / ".join(f"{figures[key]:g}" for key in ("p50_ms", "p95_ms", "p99_ms"))


def _pair(figures: dict[str, float]) -> str:
    if not figures:
        return "–"
    return f"{figures['p50_ms']:g} / {figures['p95_ms']:g}"


def _failures(figures: dict[str, Any]) -> str:
    failures = figures["failures"]
    return ", ".join(f"{code} {count}" for code, count in failures.items()) or "0"


def overhead_table(overhead: dict[str, Any]) -> list[str]:
    lines = [
        "| concurrency | system p50 / p95 / p99 ms | system turns/s "
        "| in process p50 / p95 / p99 ms | in process turns/s "
        "| bus cost p50 / p95 / p99 ms | ratio p50 | ratio turns/s | turn taken p50 ms "
        "| failures |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for level, row in overhead.items():
        system, inside, cost = row["system"], row["in_process"], row["bus_cost"]
        lines.append(
            f"| {level} | {_trio(system['end_to_end'])} | {system['turns_per_s']:g} "
            f"| {_trio(inside['end_to_end'])} | {inside['turns_per_s']:g} "
            f"| {_trio(cost)} | {cost.get('ratio_p50', '–')} "
            f"| {cost.get('ratio_turns_per_s', '–')} "
            f"| {system.get('turn_taken', {}).get('p50_ms', '–')} | {_failures(system)} |"
        )
    return lines


CPU_COLUMNS = (
    "gateway",
    "orchestrator",
    "rag",
    "insights",
    "orders",
    "github",
    "nats-server",
    "model",
    "load client",
    "pipeline",
    "total",
)


def cpu_table(rows: dict[str, dict[str, float]]) -> list[str]:
    """CPU time per answered turn of each process, by run."""
    used = [c for c in CPU_COLUMNS if any(c in figures for figures in rows.values())]
    if not used:
        return []
    lines = [
        "| CPU ms per turn | " + " | ".join(used) + " |",
        "| --- |" + " --- |" * len(used),
    ]
    for label, figures in rows.items():
        cells = " | ".join(f"{figures[c]:g}" if c in figures else "–" for c in used)
        lines.append(f"| {label} | {cells} |")
    return lines


def realistic_table(realistic: dict[str, Any]) -> list[str]:
    lines = [
        "| visitors | turns/s | end to end p50 / p95 ms | p95 < 2 s "
        "| first delta p50 / p95 ms | ours: first delta p50 / p95 ms "
        "| ours: end to end p50 / p95 ms | failures |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for level, row in realistic.items():
        p95 = row["end_to_end"].get("p95_ms")
        held = "–" if p95 is None else ("yes" if p95 < TARGET_P95_MS else "**no**")
        ours = row["added_by_us"]
        lines.append(
            f"| {level} | {row['turns_per_s']:g} | {_pair(row['end_to_end'])} | {held} "
            f"| {_pair(row['first_delta'])} | {_pair(ours['first_delta'])} "
            f"| {_pair(ours['end_to_end'])} | {_failures(row)} |"
        )
    return lines


def nats_table(nats: dict[str, Any]) -> list[str]:
    lines = [
        "| raw nats-py request/reply | p50 / p95 / p99 ms | round trips/s |",
        "| --- | --- | --- |",
    ]
    for name, row in nats.items():
        if isinstance(row, dict):
            label = name.replace("_", " ")
            lines.append(f"| {label} | {_trio(row)} | {row['round_trips_per_s']} |")
    return lines


def summary_lines(figures: dict[str, Any]) -> list[str]:
    profile = figures["profiles"]["realistic"]
    return [
        "",
        "### Overhead: zero-latency model, one docs search per turn, end to end",
        "",
        *overhead_table(figures["overhead"]),
        "",
        "Bus cost: the system's percentile minus the in-process one. Ratio: system / in process. "
        "Turn taken: the gateway's `meta` event (session, rate limits, conversation, turn "
        "published).",
        "",
        *cpu_table(
            {
                f"{where} c={level}": row[key]["cpu_ms_per_turn"]
                for key, where in (("system", "system"), ("in_process", "in process"))
                for level, row in figures["overhead"].items()
            }
        ),
        "",
        f"### Realistic: {profile['ttft_s']} s to first token, {profile['tokens_per_s']:g} "
        f"tokens/s, {profile['docs_turn_share']:.0%} of turns search the docs",
        "",
        "Each visitor's turns back to back:",
        "",
        *realistic_table(figures["realistic"]),
        "",
        f"Visitors who read each answer and type the next question "
        f"({figures['plan']['think_s'][0]:g} to {figures['plan']['think_s'][1]:g} s between "
        "turns):",
        "",
        *realistic_table(figures["realistic_thinking"]),
        "",
        "Ours: a turn's time above the scripted model's own (its time to first token and "
        "its streaming, for each of the turn's model calls).",
        "",
        f"### NATS round trip ({figures['nats_round_trip']['payload_bytes']} bytes)",
        "",
        *nats_table(figures["nats_round_trip"]),
    ]
