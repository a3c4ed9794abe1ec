"""The spend ledger on a real NATS server: replicas counting at once lose nothing."""

import asyncio

import nats
import pytest
from copilot_orchestrator.adapters.kv_spend_ledger import KvSpendLedger

pytestmark = pytest.mark.security


async def test_concurrent_replicas_never_lose_a_count(private_nats_url: str) -> None:
    connections = [await nats.connect(private_nats_url) for _ in range(3)]
    try:
        ledgers = []
        for connection in connections:
            js = connection.jetstream()
            try:
                bucket = await js.key_value("copilot_spend_test")
            except Exception:
                bucket = await js.create_key_value(bucket="copilot_spend_test")
            ledger = KvSpendLedger()
            ledger.attach(bucket)
            ledgers.append(ledger)
        await asyncio.gather(
            *(ledger.add("c1", 10, "2026-11-26", 7) for ledger in ledgers for _ in range(20))
        )
        assert await ledgers[0].conversation_tokens("c1") == 3 * 20 * 10
        assert await ledgers[1].day_spend_micro_usd("2026-11-26") == 3 * 20 * 7
        assert await ledgers[2].conversation_tokens("unknown") == 0
    finally:
        for connection in connections:
            await connection.close()


async def test_a_replicas_bumps_of_the_day_go_together_while_one_is_on_its_way(
    private_nats_url: str,
) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        bucket = await connection.jetstream().create_key_value(bucket="copilot_spend_gathered")
        ledger = KvSpendLedger()
        ledger.attach(bucket)
        totals = await asyncio.gather(
            *(ledger.add(f"c{i}", 10, "2026-11-27", 3) for i in range(20))
        )
        assert await ledger.day_spend_micro_usd("2026-11-27") == 20 * 3
        assert max(totals) == 20 * 3 and all(3 <= total <= 60 for total in totals)
        # The first bump goes alone; the nineteen that arrived meanwhile go as one.
        info = await connection.jetstream().stream_info("KV_copilot_spend_gathered")
        day_writes = info.state.last_seq - 20  # each other write is one conversation's
        assert day_writes <= 2
        assert await ledger.conversation_tokens("c7") == 10
    finally:
        await connection.close()
