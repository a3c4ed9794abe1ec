"""What every service does for its durable JetStream consumers once connected: report their
lag as metrics, and keep what they could not process as dead letters."""

from collections.abc import Sequence

from nats.aio.client import Client

from copilot_service_defaults.consumer_metrics import start_reporting
from copilot_service_defaults.dead_letters import keep_dead_letters


async def watch_consumers(
    connection: Client, consumers: Sequence[tuple[str, str]], replicas: int = 1
) -> None:
    """`consumers`: (stream, durable consumer name) pairs of this service."""
    js = connection.jetstream()
    start_reporting(js, consumers)
    await keep_dead_letters(connection, js, consumers, replicas)
