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
