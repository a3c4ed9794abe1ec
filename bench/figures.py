"""The turns benchmark's figures from its timings: percentiles, throughput, the bus's cost
against the in-process baseline, and the time our side adds above the scripted model."""

import math
from collections.abc import Sequence
from typing import Any

from llm_profiles import Profile, floor
from load import LoadRun


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = math.ceil(q * len(ordered) - 1e-9)  # 1e-9: 0.95 * 100 is 95.00000000000001
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {}
    return {
        f"p{round(q * 100)}_ms": round(percentile(seconds, q) * 1000, 2) for q in (0.5, 0.95, 0.99)
    }


def run_figures(run: LoadRun) -> dict[str, Any]:
    answered = run.answered
    return {
        "concurrency": run.concurrency,
        "turns": len(run.turns),
        "answered": len(answered),
        "failures": run.failures(),
        "seconds": round(run.seconds, 2),
        "turns_per_s": round(len(answered) / run.seconds, 1) if run.seconds else 0.0,
        "docs_turns": sum(turn.docs_turn for turn in answered),
        "end_to_end": latency_ms([turn.total_s for turn in answered]),
        "first_delta": latency_ms(
            [turn.first_delta_s for turn in answered if turn.first_delta_s is not None]
        ),
        "turn_taken": latency_ms([turn.meta_s for turn in answered if turn.meta_s is not None]),
        "cpu_ms_per_turn": run.cpu_ms_per_turn,
    }


def bus_cost(system: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The system's end-to-end percentiles minus the baseline's (a difference of quantiles,
    not a quantile of differences), and their ratios."""
    ours, theirs = system["end_to_end"], baseline["end_to_end"]
    cost: dict[str, Any] = {key: round(ours[key] - theirs[key], 2) for key in ours if key in theirs}
    cost["ratio_p50"] = round(ours["p50_ms"] / theirs["p50_ms"], 2) if theirs else None
    cost["ratio_p99"] = round(ours["p99_ms"] / theirs["p99_ms"], 2) if theirs else None
    if baseline["turns_per_s"]:
        cost["ratio_turns_per_s"] = round(system["turns_per_s"] / baseline["turns_per_s"], 2)
    return cost


def realistic_figures(run: LoadRun, profile: Profile) -> dict[str, Any]:
    """The run's figures, and per turn what came above the scripted model's own time: its
    configured time to first token (and streaming) are the floor."""
    figures = run_figures(run)
    added_first: list[float] = []
    added_end: list[float] = []
    for turn in run.answered:
        least = floor(profile, turn.question, turn.docs_turn)
        added_end.append(turn.total_s - least.end_s)
        if turn.first_delta_s is not None:
            added_first.append(turn.first_delta_s - least.first_delta_s)
    figures["added_by_us"] = {
        "first_delta": latency_ms(added_first),
        "end_to_end": latency_ms(added_end),
    }
    plain = floor(profile, "", docs_turn=False)
    figures["scripted_floor_ms"] = {
        "plain_turn_first_delta": round(plain.first_delta_s * 1000, 1),
        "plain_turn_end": round(plain.end_s * 1000, 1),
    }
    return figures
