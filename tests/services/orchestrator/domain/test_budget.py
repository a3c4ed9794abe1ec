"""Cost controls: tokens per conversation and spend per day, from the API's usage fields."""

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from copilot_contracts.chat import ErrorEvent, Usage
from copilot_contracts.tool_catalog import ALL_TOOLS
from copilot_orchestrator.adapters.openai_client import openai_client
from copilot_orchestrator.adapters.openai_model import OpenAIChatModel
from copilot_orchestrator.domain.budget import (
    DEFAULT_PRICES,
    Budget,
    ModelPrice,
    cost_micro_usd,
    today,
)
from copilot_orchestrator.domain.turn import TurnInput, TurnRunner

from tests.services.orchestrator.domain.memory import (
    MemoryHistory,
    RecordingSink,
    ScriptedTransport,
)
from tests.support.scripted_llm import Reply, ScriptedLLM

pytestmark = pytest.mark.security
PRICE = ModelPrice(input=Decimal("0.15"), output=Decimal("0.60"))


class MemoryLedger:
    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()

    async def conversation_tokens(self, conversation_id: str) -> int:
        return self.totals[f"conversation.{conversation_id}"]

    async def day_spend_micro_usd(self, day: str) -> int:
        return self.totals[f"day.{day}"]

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> None:
        self.totals[f"conversation.{conversation_id}"] += tokens
        self.totals[f"day.{day}"] += micro_usd


def test_cost_follows_the_price_table_and_never_undercounts() -> None:
    assert cost_micro_usd(PRICE, Usage(input_tokens=1000, output_tokens=500)) == 150 + 300
    assert cost_micro_usd(PRICE, Usage(input_tokens=1, output_tokens=0)) == 1  # 0.15 rounds up
    assert cost_micro_usd(DEFAULT_PRICES["offline"], Usage(input_tokens=9, output_tokens=9)) == 0


async def test_a_conversation_over_its_token_budget_is_refused() -> None:
    budget = Budget(MemoryLedger(), PRICE, conversation_tokens=1000, daily_cap_usd=None)
    await budget.record("c1", Usage(input_tokens=700, output_tokens=200))
    assert await budget.refusal("c1") is None
    await budget.record("c1", Usage(input_tokens=100, output_tokens=0))
    refusal = await budget.refusal("c1")
    assert refusal is not None and refusal.reason == "conversation_budget"
    assert await budget.refusal("c2") is None  # other conversations go on


async def test_the_daily_spend_cap_stops_every_conversation() -> None:
    ledger = MemoryLedger()
    budget = Budget(ledger, PRICE, conversation_tokens=10**9, daily_cap_usd=Decimal("0.001"))
    await budget.record("c1", Usage(input_tokens=4000, output_tokens=1000))  # 0.0012 USD
    refusal = await budget.refusal("c2")
    assert refusal is not None and refusal.reason == "daily_spend_cap"
    assert "limit" in refusal.message
    assert ledger.totals[f"day.{today()}"] == 1200


async def run_turns(llm: ScriptedLLM, budget: Budget, messages: list[str]) -> list[RecordingSink]:
    async with openai_client(llm.base_url, "test-key", 60.0) as client:
        runner = TurnRunner(
            OpenAIChatModel(client, "gpt-4o-mini"),
            ScriptedTransport({}),
            MemoryHistory(),
            list(ALL_TOOLS),
            max_tool_rounds=3,
            budget=budget,
        )
        sinks = []
        for n, message in enumerate(messages):
            sink = RecordingSink()
            await runner.run(TurnInput("conv-budget", f"turn-{n}", message), sink)
            sinks.append(sink)
    return sinks


async def test_usage_from_the_api_is_counted_and_a_spent_conversation_is_refused_politely() -> None:
    ledger = MemoryLedger()
    budget = Budget(ledger, PRICE, conversation_tokens=1_000, daily_cap_usd=Decimal("5"))
    with ScriptedLLM([Reply.say("Hello! " * 40), Reply.say("Again " * 40)]) as llm:
        first, second = await run_turns(llm, budget, ["Hi " * 600, "And again?"])
    done = first.events[-1]
    assert done.type == "done"
    counted = ledger.totals["conversation.conv-budget"]
    assert counted == done.usage.input_tokens + done.usage.output_tokens >= 1_000
    assert ledger.totals[f"day.{today()}"] == cost_micro_usd(PRICE, done.usage) > 0
    refused = second.events[-1]
    assert isinstance(refused, ErrorEvent) and refused.code == "conversation_budget"
    assert len(llm.requests) == 1, "the model is not called once the budget is spent"


class StallingModel:
    """Streams a little, then hangs: a visitor leaves while it answers."""

    name = "stalling"

    def __init__(self) -> None:
        self.streaming = asyncio.Event()

    async def respond(self, state: Any, tools: Any, on_text: Any) -> Any:
        await on_text("Our house blend is " * 20)
        self.streaming.set()
        await asyncio.Event().wait()


async def test_a_turn_cut_short_is_still_counted_against_the_budgets() -> None:
    ledger = MemoryLedger()
    budget = Budget(ledger, PRICE, conversation_tokens=10**6, daily_cap_usd=Decimal("5"))
    model = StallingModel()
    runner = TurnRunner(
        model, ScriptedTransport({}), MemoryHistory(), list(ALL_TOOLS), 3, budget=budget
    )
    turn = asyncio.create_task(runner.run(TurnInput("conv-cut", "t1", "Tell me"), RecordingSink()))
    await asyncio.wait_for(model.streaming.wait(), 5)
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn
    assert ledger.totals["conversation.conv-cut"] > 100, "prompt and streamed text counted"
    assert ledger.totals[f"day.{today()}"] > 0
