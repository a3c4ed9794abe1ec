"""Cost controls: tokens counted per conversation from the API's usage fields, a token
budget per conversation, and a daily spend cap in USD priced from a table in settings."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

from copilot_contracts.chat import Usage
from pydantic import BaseModel, Field

MICRO = Decimal(1_000_000)
CONVERSATION_LIMIT = (
    "This conversation has reached its length limit. Please start a new chat to go on."
)
DAILY_LIMIT = (
    "The assistant has reached today's limit and is resting until tomorrow. Our support "
    "team is happy to help in the meantime through the contact page."
)


class ModelPrice(BaseModel):
    """USD per million tokens."""

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)


DEFAULT_PRICES = {
    "gpt-4o-mini": ModelPrice(input=Decimal("0.15"), output=Decimal("0.60")),
    "gpt-4o": ModelPrice(input=Decimal("2.50"), output=Decimal("10.00")),
    "gpt-4.1-mini": ModelPrice(input=Decimal("0.40"), output=Decimal("1.60")),
    "gpt-4.1": ModelPrice(input=Decimal("2.00"), output=Decimal("8.00")),
    "offline": ModelPrice(input=Decimal(0), output=Decimal(0)),
}


def cost_micro_usd(price: ModelPrice, usage: Usage) -> int:
    """What a response cost, in millionths of a dollar (rounded up: never undercount)."""
    exact = price.input * usage.input_tokens + price.output * usage.output_tokens
    # The table is per million tokens, so this is already in micro-USD.
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def estimate_tokens(text: str) -> int:
    """A token count where the API gave none: about four characters a token."""
    return len(text) // 4 + 1


def today(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


class SpendLedger(Protocol):
    """Running totals every orchestrator replica shares."""

    async def conversation_tokens(self, conversation_id: str) -> int: ...

    async def day_spend_micro_usd(self, day: str) -> int: ...

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> int | None:
        """Count a response; the day's spend including it, when the ledger learns it."""
        ...


@dataclass(frozen=True)
class Refusal:
    reason: str
    """conversation_budget or daily_spend_cap (low-cardinality: a metric label)."""
    message: str


class Budget:
    def __init__(
        self,
        ledger: SpendLedger,
        price: ModelPrice,
        conversation_tokens: int,
        daily_cap_usd: Decimal | None,
    ) -> None:
        self.ledger = ledger
        self.price = price
        self.conversation_tokens = conversation_tokens
        self.daily_cap_micro_usd = None if daily_cap_usd is None else int(daily_cap_usd * MICRO)
        self.day_spend_micro_usd = 0
        """Today's spend as last read: a new day reads 0 again."""

    async def refusal(self, conversation_id: str) -> Refusal | None:
        """Why the model may not be called again now, or None when it may."""
        cap = self.daily_cap_micro_usd
        if cap is None:
            used = await self.ledger.conversation_tokens(conversation_id)
        else:  # one round trip to the ledger, not two
            self.day_spend_micro_usd, used = await asyncio.gather(
                self.ledger.day_spend_micro_usd(today()),
                self.ledger.conversation_tokens(conversation_id),
            )
            if self.day_spend_micro_usd >= cap:
                return Refusal("daily_spend_cap", DAILY_LIMIT)
        if used >= self.conversation_tokens:
            return Refusal("conversation_budget", CONVERSATION_LIMIT)
        return None

    async def record(self, conversation_id: str, usage: Usage) -> int:
        """Count a response's tokens and cost; its cost in micro-USD."""
        micro_usd = cost_micro_usd(self.price, usage)
        tokens = usage.input_tokens + usage.output_tokens
        day = today()
        day_total = await self.ledger.add(conversation_id, tokens, day, micro_usd)
        if day_total is None:
            day_total = await self.ledger.day_spend_micro_usd(day)
        self.day_spend_micro_usd = day_total
        return micro_usd
