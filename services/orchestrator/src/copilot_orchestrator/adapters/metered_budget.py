"""The budget as the turn loop uses it, with its Prometheus metrics, failing open: an
unreachable ledger is logged and counted, it does not stop the chat."""

import logging

from copilot_contracts.chat import Usage
from prometheus_client import Counter, Gauge

from copilot_orchestrator.domain.budget import MICRO, Budget, Refusal

log = logging.getLogger(__name__)

TOKENS = Counter("llm_tokens", "Tokens used by the language model.", ["direction"])
COST = Counter("llm_cost_usd", "What the language model cost, in USD (from the price table).")
REFUSALS = Counter("llm_budget_refusals", "Turns refused because a budget was reached.", ["reason"])
SPEND_TODAY = Gauge("llm_spend_today_usd", "Spend so far today (UTC), shared by all replicas.")
DAILY_CAP = Gauge("llm_daily_spend_cap_usd", "The daily spend cap (0 when there is none).")
LEDGER_ERRORS = Counter("llm_budget_ledger_errors", "Budget checks that could not be made.")


class MeteredBudget:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        cap = budget.daily_cap_micro_usd
        DAILY_CAP.set(0 if cap is None else cap / float(MICRO))

    async def refusal(self, conversation_id: str) -> Refusal | None:
        try:
            refusal = await self.budget.refusal(conversation_id)
        except Exception as exc:
            LEDGER_ERRORS.inc()
            log.warning("budget not checked: %s", type(exc).__name__)
            return None
        SPEND_TODAY.set(self.budget.day_spend_micro_usd / float(MICRO))  # fresh after midnight
        if refusal is not None:
            REFUSALS.labels(refusal.reason).inc()
            log.warning("turn refused: %s", refusal.reason)
        return refusal

    async def record(self, conversation_id: str, usage: Usage) -> None:
        TOKENS.labels("input").inc(usage.input_tokens)
        TOKENS.labels("output").inc(usage.output_tokens)
        try:
            micro_usd = await self.budget.record(conversation_id, usage)
        except Exception as exc:
            LEDGER_ERRORS.inc()
            log.warning("usage not recorded: %s", type(exc).__name__)
            return
        COST.inc(micro_usd / float(MICRO))
        SPEND_TODAY.set(self.budget.day_spend_micro_usd / float(MICRO))
