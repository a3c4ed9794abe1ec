"""A KV bucket whose retention setting changed is updated in place, its entries kept."""

import nats
import pytest
from copilot_service_defaults.jetstream import ensure_key_value


async def test_a_changed_retention_updates_the_existing_bucket(private_nats_url: str) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        first = await ensure_key_value(js, "retention_test", ttl_s=3600)
        await first.put("conversation", b"kept")
        again = await ensure_key_value(js, "retention_test", ttl_s=30 * 86_400)
        assert (await js.stream_info("KV_retention_test")).config.max_age == 30 * 86_400
        assert (await again.get("conversation")).value == b"kept"
    finally:
        await connection.close()


async def test_a_changed_replica_count_is_applied_to_the_existing_bucket(
    private_nats_url: str,
) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        await ensure_key_value(js, "replicas_test", ttl_s=3600, replicas=1)
        # A single server cannot hold 3 replicas: the update is asked for, and refused by it.
        with pytest.raises(Exception, match=r"(?i)replica|cluster|insufficient"):
            await ensure_key_value(js, "replicas_test", ttl_s=3600, replicas=3)
    finally:
        await connection.close()


async def test_buckets_are_read_directly_and_an_older_bucket_is_switched_over(
    private_nats_url: str,
) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        fresh = await ensure_key_value(js, "direct_test", ttl_s=3600)
        assert (await js.stream_info("KV_direct_test")).config.allow_direct is True
        await fresh.put("key", b"read directly")
        assert (await fresh.get("key")).value == b"read directly"

        older = await js.create_key_value(bucket="api_reads_test", ttl=3600)  # no direct reads
        await older.put("conversation", b"kept")
        switched = await ensure_key_value(js, "api_reads_test", ttl_s=3600)
        assert (await js.stream_info("KV_api_reads_test")).config.allow_direct is True
        assert (await switched.get("conversation")).value == b"kept"
    finally:
        await connection.close()
