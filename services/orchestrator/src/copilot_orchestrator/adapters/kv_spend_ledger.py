"""Token and spend totals in a NATS KV bucket that every orchestrator replica shares.

Totals are bumped with compare-and-set. Every response bumps the day's total: within a
replica those bumps are gathered, so that while one is on its way the next ones wait and go
together as one (under load a queue of bumps one by one made every turn wait for all the
others'), and only replicas contend. A conversation's turns come one after another, so its
total is not contended; it is bumped at the same time as the day's."""

import asyncio

from copilot_service_defaults.kv import AttachedBucket, increment, read_count


class KvSpendLedger(AttachedBucket):
    def __init__(self) -> None:
        super().__init__()
        self._day_lock = asyncio.Lock()
        self._gathered: dict[str, int] = {}
        self._waiting: dict[str, list[asyncio.Future[int]]] = {}

    async def conversation_tokens(self, conversation_id: str) -> int:
        return await read_count(self._kv, f"conversation.{conversation_id}")

    async def day_spend_micro_usd(self, day: str) -> int:
        return await read_count(self._kv, f"day.{day}")

    async def add(self, conversation_id: str, tokens: int, day: str, micro_usd: int) -> int:
        """Count a response; the day's spend including it."""
        day_total = self._add_to_day(f"day.{day}", micro_usd)
        if not tokens:
            return await day_total
        _, total = await asyncio.gather(
            increment(self._kv, f"conversation.{conversation_id}", tokens), day_total
        )
        return total

    async def _add_to_day(self, key: str, amount: int) -> int:
        self._gathered[key] = self._gathered.get(key, 0) + amount
        mine: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(mine)
        async with self._day_lock:
            if not mine.done():  # not carried by a bump made while this one waited
                await self._bump(key, mine)
        return mine.result()

    async def _bump(self, key: str, mine: asyncio.Future[int]) -> None:
        amount = self._gathered.pop(key, 0)
        waiting = self._waiting.pop(key, [])
        try:
            if amount:
                total = await increment(self._kv, key, amount)
            else:
                total = await read_count(self._kv, key)
        except Exception as exc:
            for waiter in waiting:
                waiter.set_exception(exc)
            return
        except BaseException:
            # Cancelled (the visitor left): the amounts, this one's too (the provider bills
            # it), go with the next bump, and the others wait for that one.
            self._gathered[key] = self._gathered.get(key, 0) + amount
            self._waiting.setdefault(key, []).extend(w for w in waiting if w is not mine)
            raise
        for waiter in waiting:
            waiter.set_result(total)
