"""JetStream consumer lag and redeliveries as Prometheus gauges, polled in the background.

Each service reports its own durable consumers: what waits for it (`pending`), what it
holds unacknowledged (`ack_pending`) and what was delivered more than once (`redelivered`).
KEDA scales on the same numbers, read from the NATS server."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from nats.js import JetStreamContext
from prometheus_client import Gauge

log = logging.getLogger(__name__)
LABELS = ["stream", "consumer"]
PENDING = Gauge("nats_consumer_pending", "Messages waiting for the consumer.", LABELS)
ACK_PENDING = Gauge(
    "nats_consumer_ack_pending", "Messages delivered and not yet acknowledged.", LABELS
)
REDELIVERED = Gauge("nats_consumer_redelivered", "Messages now delivered more than once.", LABELS)
POLL_S = 15.0


async def report_once(js: JetStreamContext, consumers: Sequence[tuple[str, str]]) -> None:
    for stream, durable in consumers:
        try:
            info = await js.consumer_info(stream, durable)
        except Exception as exc:  # not created yet, or the bus is away: try next time
            log.debug("no consumer info for %s/%s: %s", stream, durable, type(exc).__name__)
            continue
        PENDING.labels(stream, durable).set(info.num_pending or 0)
        ACK_PENDING.labels(stream, durable).set(info.num_ack_pending or 0)
        REDELIVERED.labels(stream, durable).set(info.num_redelivered or 0)


async def report_forever(
    js: JetStreamContext, consumers: Sequence[tuple[str, str]], every_s: float = POLL_S
) -> None:
    while True:
        with contextlib.suppress(Exception):
            await report_once(js, consumers)
        await asyncio.sleep(every_s)


_running: set[asyncio.Task[None]] = set()


def start_reporting(js: JetStreamContext, consumers: Sequence[tuple[str, str]]) -> None:
    """Report these consumers every POLL_S seconds for as long as the process runs."""
    task = asyncio.create_task(report_forever(js, consumers))
    _running.add(task)  # asyncio keeps only weak references to tasks
    task.add_done_callback(_running.discard)
