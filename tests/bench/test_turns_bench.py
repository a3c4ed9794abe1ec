"""The turns benchmark runs, so that it cannot rot: at tiny counts, the whole system and the
in-process baseline answer every turn and every figure comes out with a sane value. No speed
is asserted here; `make bench` measures it."""

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from llm_profiles import ANSWER, OPENAI_LIKE  # noqa: E402


def ordered_percentiles(figures: dict[str, float]) -> None:
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], figures


def every_turn_answered(run: dict[str, Any]) -> None:
    assert run["failures"] == {}, run
    assert run["answered"] == run["turns"] >= 1, run
    assert run["turns_per_s"] > 0
    ordered_percentiles(run["end_to_end"])
    ordered_percentiles(run["first_delta"])
    assert run["first_delta"]["p50_ms"] <= run["end_to_end"]["p50_ms"]
    if sys.platform == "linux":
        assert run["cpu_ms_per_turn"]["total"] > 0, run["cpu_ms_per_turn"]


def bench(script: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_turns_benchmark_writes_every_figure_and_its_summary(tmp_path: Path) -> None:
    bench(
        "turns_bench.py",
        *("--seconds", "0.2", "--max-turns", "3"),
        *("--overhead-levels", "1,2", "--realistic-levels", "2"),
        *("--think", "0.05,0.1", "--thinking-seconds", "0.3"),
        *("--results", str(tmp_path)),
    )
    (written,) = tmp_path.glob("turns-bench-*.json")
    figures = json.loads(written.read_text())

    for level in ("1", "2"):
        row = figures["overhead"][level]
        for side in ("system", "in_process"):
            every_turn_answered(row[side])
            assert row[side]["concurrency"] == int(level)
            assert row[side]["docs_turns"] == row[side]["answered"]  # each one searched
        ordered_percentiles(row["system"]["turn_taken"])  # the gateway's meta event
        assert row["system"]["turn_taken"]["p50_ms"] <= row["system"]["first_delta"]["p50_ms"]
        cost = row["bus_cost"]
        assert {"p50_ms", "p95_ms", "p99_ms"} <= set(cost)
        assert cost["ratio_p50"] > 0 and cost["ratio_turns_per_s"] > 0
        assert "gateway" in row["system"]["cpu_ms_per_turn"] or sys.platform != "linux"

    thinking = figures["realistic_thinking"]["2"]
    every_turn_answered(thinking)
    assert figures["plan"]["think_s"] == [0.05, 0.1]

    realistic = figures["realistic"]["2"]
    every_turn_answered(realistic)
    ordered_percentiles(realistic["added_by_us"]["end_to_end"])
    # The model's own time is the floor: no turn can answer before its first token.
    assert OPENAI_LIKE.tokens_per_s is not None
    pause_s = 1 / OPENAI_LIKE.tokens_per_s
    floor = realistic["scripted_floor_ms"]
    assert floor["plain_turn_first_delta"] == pytest.approx((OPENAI_LIKE.ttft_s + pause_s) * 1000)
    pieces = math.ceil(len(ANSWER) / 12)
    assert floor["plain_turn_end"] == pytest.approx((OPENAI_LIKE.ttft_s + pieces * pause_s) * 1000)
    assert realistic["first_delta"]["p50_ms"] >= floor["plain_turn_first_delta"]

    nats = figures["nats_round_trip"]
    for name in ("sequential", "in_flight_10"):
        ordered_percentiles(nats[name])
        assert nats[name]["round_trips_per_s"] > 0
    assert figures["machine"]["cpus"] >= 1

    day = written.stem.removeprefix("turns-bench-")
    bench("bench_report.py", "--results", str(tmp_path), "--day", day)
    combined = json.loads((tmp_path / f"{day}.json").read_text())
    assert combined["turns"]["overhead"] == figures["overhead"]
    summary = (tmp_path / f"{day}.md").read_text()
    for heading in ("### Overhead", "### Realistic", "### NATS round trip", "CPU ms per turn"):
        assert heading in summary
    assert "| 2 |" in summary and "| system c=2 |" in summary
