"""Token and spend totals in a NATS KV bucket that every orchestrator replica shares.

Totals are bumped with compare-and-set, so replicas counting at once never lose a count.
Every turn bumps the day's total: within a replica those bumps take turns (a lock), so only
replicas contend, and a contended bump retries after a short random pause. A conversation's
turns come one after another, so its total is not contended."""

import asyncio
import random

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

MAX_ATTEMPTS = 30


class KvSpendLedger:
    """Usable once `attach` gave it the bucket (at start, when the bus is connected)."""

    def __init__(self) -> None:
        self._bucket: KeyValue | None = None
        self._day_lock = asyncio.Lock()

    def attach(self, bucket: KeyValue) -> None:
        self._bucket = bucket

    @property
    def _kv(self) -> KeyValue:
        if self._bucket is None:
            raise RuntimeError("the spend bucket is not attached yet")
        return self._bucket

    async def conversation_tokens(self, conversation_id: str) -> int:
        return await self._read(f"conversation.{conversation_id}")

    async def day_spend_micro_usd(self, day: str) -> int:
        return await self._read(f"day.{day}")

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> None:
        if tokens:
            await self._increment(f"conversation.{conversation_id}", tokens)
        if micro_usd:
            async with self._day_lock:
                await self._increment(f"day.{day}", micro_usd)

    async def _read(self, key: str) -> int:
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return 0
        return int(entry.value or b"0")

    async def _increment(self, key: str, amount: int) -> int:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                await asyncio.sleep(random.uniform(0, 0.002 * attempt))  # nosec B311 - jitter, not security
            try:
                entry = await self._kv.get(key)
            except KeyNotFoundError:
                try:
                    await self._kv.create(key, str(amount).encode())
                    return amount
                except KeyWrongLastSequenceError:
                    continue  # another replica created it first
            total = int(entry.value or b"0") + amount
            try:
                await self._kv.update(key, str(total).encode(), last=entry.revision)
                return total
            except KeyWrongLastSequenceError:
                continue
        raise RuntimeError(f"spend total {key} stayed contended for {MAX_ATTEMPTS} attempts")
