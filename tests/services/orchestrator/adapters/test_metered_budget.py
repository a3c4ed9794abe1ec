"""The budget's metrics: what an alert on spend or refusals reads from /metrics."""

from decimal import Decimal

import pytest
from copilot_contracts.chat import Usage
from copilot_orchestrator.adapters.metered_budget import MeteredBudget
from copilot_orchestrator.domain.budget import Budget, ModelPrice
from prometheus_client import REGISTRY

from tests.services.orchestrator.domain.test_budget import MemoryLedger

pytestmark = pytest.mark.security


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class BrokenLedger(MemoryLedger):
    async def conversation_tokens(self, conversation_id: str) -> int:
        raise ConnectionError("bus down")


async def test_spend_and_refusals_are_exposed_for_alerts() -> None:
    price = ModelPrice(input=Decimal("1"), output=Decimal("1"))
    budget = MeteredBudget(Budget(MemoryLedger(), price, 100, daily_cap_usd=Decimal("0.0001")))
    refusals_before = sample("llm_budget_refusals_total", reason="daily_spend_cap")
    tokens_before = sample("llm_tokens_total", direction="input")
    await budget.record("c1", Usage(input_tokens=80, output_tokens=40))
    assert sample("llm_tokens_total", direction="input") == tokens_before + 80
    assert sample("llm_spend_today_usd") == pytest.approx(0.00012)
    assert sample("llm_daily_spend_cap_usd") == pytest.approx(0.0001)
    refusal = await budget.refusal("c2")
    assert refusal is not None and refusal.reason == "daily_spend_cap"
    assert sample("llm_budget_refusals_total", reason="daily_spend_cap") == refusals_before + 1


async def test_an_unreachable_ledger_lets_the_chat_go_on_and_is_counted() -> None:
    price = ModelPrice(input=Decimal("1"), output=Decimal("1"))
    budget = MeteredBudget(Budget(BrokenLedger(), price, 100, daily_cap_usd=None))
    errors_before = sample("llm_budget_ledger_errors_total")
    assert await budget.refusal("c1") is None
    assert sample("llm_budget_ledger_errors_total") == errors_before + 1
