"""Turns through the real `openai` SDK over HTTP to a scripted server, with the model wrapped
as the service wraps it (retries, circuit breaker), on a clock the test moves by hand."""

from dataclasses import dataclass, field
from typing import Any, Protocol

import openai
from copilot_contracts.chat import ErrorEvent
from copilot_contracts.tool_catalog import ALL_TOOLS
from copilot_orchestrator.adapters.openai_client import openai_client
from copilot_orchestrator.adapters.openai_model import OpenAIChatModel
from copilot_orchestrator.adapters.resilient_model import ResilientModel
from copilot_orchestrator.domain.circuit_breaker import CircuitBreaker
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner
from prometheus_client import REGISTRY

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)
from tests.services.orchestrator.domain.test_turn import PASSAGES

OPEN_CLIENTS: list[openai.AsyncOpenAI] = []
"""The rigs' model clients, closed after each test (conftest.py)."""


class Provider(Protocol):
    """What a rig needs of the model's server: ScriptedLLM, or a stand-in of a broken one."""

    base_url: str
    requests: list[Any]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class ManualClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordedSleeps:
    """Stands in for asyncio.sleep: the waits are recorded, none is slept."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Rig:
    llm: Provider
    runner: TurnRunner
    breaker: CircuitBreaker
    clock: ManualClock
    sleeps: RecordedSleeps
    transport: ScriptedTransport

    async def ask(
        self, message: str = "How do I store beans?", within_s: float = 30.0
    ) -> RecordingSink:
        """One turn, with `within_s` seconds left before its deadline."""
        sink = RecordingSink()
        deadline = self.clock() + within_s
        await self.runner.run(TurnInput("conv1", "turn1", message, deadline=deadline), sink)
        return sink


def rig(
    llm: Provider,
    *,
    timeout_s: float = 5.0,
    retries: int = 2,
    failures_to_open: int = 50,
    cooldown_s: float = 30.0,
    max_rounds: int = 3,
    max_answer_chars: int | None = None,
    max_output_tokens: int | None = None,
) -> Rig:
    client = openai_client(llm.base_url, "test-key", timeout_s)
    OPEN_CLIENTS.append(client)
    clock, sleeps = ManualClock(), RecordedSleeps()
    breaker = CircuitBreaker(failures_to_open, cooldown_s, clock)
    model = OpenAIChatModel(client, "scripted-model", max_output_tokens=max_output_tokens)
    transport = ScriptedTransport({"searchDocs": PASSAGES})
    runner = TurnRunner(
        ResilientModel(model, breaker, retries, clock=clock, sleep=sleeps),
        transport,
        MemoryHistory(),
        list(ALL_TOOLS),
        max_rounds,
        max_answer_chars=max_answer_chars,
    )
    return Rig(llm, runner, breaker, clock, sleeps, transport)


def error_of(sink: RecordingSink) -> ErrorEvent:
    last = sink.events[-1]
    assert isinstance(last, ErrorEvent), sink.types()
    return last
