"""What the bus costs a chat turn, and whether the system holds the production targets.

1. Overhead: a zero-latency scripted model, every turn one docs search. The whole system as
   `make run` starts it, measured at the gateway (HTTP and SSE), at concurrency 1, 10 and
   50; and the same pipeline in this process with no bus and no HTTP but the model's
   (bench/in_process.py), in the same run. The difference is the bus's (and gateway's) cost.
   Both sides, and the visitors, run on uvloop, as the services do under uvicorn.
2. Realistic: the scripted model with an OpenAI-like latency (0.4 s to the first token,
   50 tokens/s, a fifth of the turns search the docs) at 20, 50 and 100 visitors: p95 end
   to end against the checklist's 2 s, and the time our side adds above the model's own;
   once with every visitor's turns back to back (the harshest load), once with visitors
   who read each answer and type the next question (5 to 15 s between turns).
3. A raw nats-py request/reply on the same server, for reference.

Writes bench/results/turns-bench-<date>.json and prints a summary."""

import argparse
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
import yaml
from bench_system import BenchBus, RunningSystem, ScriptedModelServer, own_bus, running_system
from cpu_meter import CpuMeter
from figures import bus_cost, realistic_figures, run_figures
from in_process import in_process_turns
from llm_profiles import OPENAI_LIKE, ZERO_LATENCY
from load import Ask, GatewayVisitors, LoadRun, run_turns
from nats_round_trip import round_trips
from results_file import RESULTS, write_results
from turns_summary import summary_lines

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Plan:
    overhead_levels: tuple[int, ...] = (1, 10, 50)
    realistic_levels: tuple[int, ...] = (20, 50, 100)
    seconds: float = 6.0
    """Per concurrency level; turns started by then are waited for."""
    max_turns: int = 2_000
    """Per concurrency level, whatever the time."""
    think_s: tuple[float, float] = (5.0, 15.0)
    """Reading an answer and typing the next question, for the visitors who do."""
    thinking_seconds: float = 40.0
    """Per level of visitors who think: long enough for each to ask a few times."""


def questions() -> list[str]:
    labelled = yaml.safe_load((HERE / "rag" / "questions.yaml").read_text())["questions"]
    return [q["question"] for q in labelled if q["kind"] != "no_answer"]


Askers = Callable[[int], AbstractAsyncContextManager[list[Ask]]]


async def levels(
    plan: Plan,
    concurrencies: Sequence[int],
    askers: Askers,
    meter: CpuMeter,
    label: str,
    thinking: bool = False,
) -> dict[str, LoadRun]:
    runs: dict[str, LoadRun] = {}
    for concurrency in concurrencies:
        async with askers(concurrency) as visitors:
            run = await run_turns(
                visitors,
                questions(),
                plan.thinking_seconds if thinking else plan.seconds,
                plan.max_turns,
                meter.measuring,
                think_s=plan.think_s if thinking else None,
            )
        run.cpu_ms_per_turn = meter.per_turn_ms(len(run.answered))
        runs[str(concurrency)] = run
        figures = run_figures(run)
        print(
            f"  {label} c={concurrency}: {figures['turns_per_s']} turns/s, "
            f"end to end {figures['end_to_end']}, failures {figures['failures']}, "
            f"CPU ms/turn {run.cpu_ms_per_turn.get('total', '?')}",
            flush=True,
        )
    return runs


@asynccontextmanager
async def in_process_askers(ask: Ask, concurrency: int) -> AsyncIterator[list[Ask]]:
    """Concurrency n in process: n visitors calling the one pipeline at once."""
    yield [ask] * concurrency


@asynccontextmanager
async def gateway_askers(gateway_url: str, concurrency: int) -> AsyncIterator[list[Ask]]:
    async with GatewayVisitors(gateway_url, concurrency) as visitors:
        yield await visitors.visitors()


async def baseline(plan: Plan, data_dir: Path, model: ScriptedModelServer) -> dict[str, LoadRun]:
    meter = CpuMeter({"model": model.process.pid}, this_process="pipeline")
    async with in_process_turns(data_dir, model.base_url) as turns:
        return await levels(
            plan,
            plan.overhead_levels,
            lambda c: in_process_askers(turns.ask, c),
            meter,
            "in process",
        )


async def through_the_system(
    plan: Plan, system: RunningSystem, model: ScriptedModelServer, bus: BenchBus
) -> dict[str, Any]:
    meter = CpuMeter(
        {**system.pids, "nats-server": bus.pid, "model": model.process.pid},
        this_process="load client",
    )

    def askers(concurrency: int) -> AbstractAsyncContextManager[list[Ask]]:
        return gateway_askers(system.gateway_url, concurrency)

    model.use(ZERO_LATENCY.name)
    overhead = await levels(plan, plan.overhead_levels, askers, meter, "system")
    model.use(OPENAI_LIKE.name)
    realistic = await levels(plan, plan.realistic_levels, askers, meter, "realistic")
    thinking = await levels(
        plan, plan.realistic_levels, askers, meter, "realistic, thinking", thinking=True
    )
    print("  raw NATS round trips…", flush=True)
    return {
        "overhead": overhead,
        "realistic": realistic,
        "thinking": thinking,
        "nats": await round_trips(bus.url, bus.admin()),
    }


def run_bench(plan: Plan) -> dict[str, Any]:
    model = ScriptedModelServer()
    try:
        with tempfile.TemporaryDirectory(prefix="turns-bench-") as folder:
            data_dir = Path(folder)
            print("In process (no bus, no HTTP but the model's)…", flush=True)
            inside = uvloop.run(baseline(plan, data_dir, model))
            print("The system as make run starts it…", flush=True)
            with own_bus(data_dir) as bus, running_system(bus, data_dir, model.base_url) as system:
                measured = uvloop.run(through_the_system(plan, system, model, bus))
    finally:
        model.stop()
    overhead: dict[str, Any] = {}
    for level, run in measured["overhead"].items():
        through_bus, in_process = run_figures(run), run_figures(inside[level])
        overhead[level] = {
            "system": through_bus,
            "in_process": in_process,
            "bus_cost": bus_cost(through_bus, in_process),
        }
    realistic = {
        level: realistic_figures(run, OPENAI_LIKE) for level, run in measured["realistic"].items()
    }
    thinking = {
        level: realistic_figures(run, OPENAI_LIKE) for level, run in measured["thinking"].items()
    }
    return {
        "profiles": {
            "overhead": ZERO_LATENCY.describe(),
            "realistic": OPENAI_LIKE.describe(),
        },
        "plan": {
            "seconds_per_level": plan.seconds,
            "max_turns_per_level": plan.max_turns,
            "think_s": list(plan.think_s),
            "thinking_seconds_per_level": plan.thinking_seconds,
        },
        "overhead": overhead,
        "realistic": realistic,
        "realistic_thinking": thinking,
        "nats_round_trip": measured["nats"],
    }


def think_range(text: str) -> tuple[float, float]:
    """`min,max` seconds, 0 <= min <= max."""
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not min,max in seconds") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 <= min <= max")
    return low, high


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=Plan.seconds, help="per level")
    parser.add_argument("--max-turns", type=int, default=Plan.max_turns, help="per level")
    parser.add_argument("--overhead-levels", default="1,10,50")
    parser.add_argument("--realistic-levels", default="20,50,100")
    parser.add_argument(
        "--think",
        type=think_range,
        default=Plan.think_s,
        help="seconds a visitor who thinks takes between turns: min,max",
    )
    parser.add_argument(
        "--thinking-seconds",
        type=float,
        default=Plan.thinking_seconds,
        help="per level of visitors who read and type between turns",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder for the JSON")
    args = parser.parse_args(argv)
    plan = Plan(
        overhead_levels=tuple(int(n) for n in args.overhead_levels.split(",")),
        realistic_levels=tuple(int(n) for n in args.realistic_levels.split(",")),
        seconds=args.seconds,
        max_turns=args.max_turns,
        thinking_seconds=args.thinking_seconds,
        think_s=args.think,
    )
    started = datetime.now(UTC)
    print("Turns benchmark…", flush=True)
    figures = run_bench(plan)
    out = write_results("turns-bench", started, figures, args.results)
    print("\n".join(summary_lines(figures)))
    print(f"Written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
