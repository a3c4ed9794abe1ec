"""Token and spend totals in a NATS KV bucket that every orchestrator replica shares.

Totals are bumped with compare-and-set. Every turn bumps the day's total: within a replica
those bumps take turns (a lock), so only replicas contend. A conversation's turns come one
after another, so its total is not contended."""

import asyncio

from copilot_service_defaults.kv import AttachedBucket, increment, read_count


class KvSpendLedger(AttachedBucket):
    def __init__(self) -> None:
        super().__init__()
        self._day_lock = asyncio.Lock()

    async def conversation_tokens(self, conversation_id: str) -> int:
        return await read_count(self._kv, f"conversation.{conversation_id}")

    async def day_spend_micro_usd(self, day: str) -> int:
        return await read_count(self._kv, f"day.{day}")

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> None:
        if tokens:
            await increment(self._kv, f"conversation.{conversation_id}", tokens)
        if micro_usd:
            async with self._day_lock:
                await increment(self._kv, f"day.{day}", micro_usd)
