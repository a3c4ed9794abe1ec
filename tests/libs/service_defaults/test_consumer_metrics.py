"""Consumer lag as a metric, read from a real JetStream consumer."""

import nats
from copilot_service_defaults.consumer_metrics import report_once
from nats.js.api import ConsumerConfig
from prometheus_client import REGISTRY


def sample(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"stream": "LAG_TEST", "consumer": "worker"})


async def test_pending_and_unacknowledged_messages_are_reported(private_nats_url: str) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        await js.add_stream(name="LAG_TEST", subjects=["lag.test"])
        await js.add_consumer("LAG_TEST", ConsumerConfig(durable_name="worker", ack_wait=30))
        for n in range(5):
            await js.publish("lag.test", str(n).encode())
        puller = await js.pull_subscribe("lag.test", durable="worker", stream="LAG_TEST")
        [taken] = await puller.fetch(1, timeout=2)
        await report_once(js, [("LAG_TEST", "worker"), ("LAG_TEST", "missing")])
        assert sample("nats_consumer_pending") == 4
        assert sample("nats_consumer_ack_pending") == 1
        assert sample("nats_consumer_redelivered") == 0
        await taken.ack()
    finally:
        await connection.close()
