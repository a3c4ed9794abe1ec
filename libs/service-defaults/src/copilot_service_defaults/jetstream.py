"""Declare the JetStream streams a service needs, idempotently, from any replica."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from copilot_contracts.streams import StreamDefinition
from faststream.nats import NatsMessage
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)


async def ensure_stream(js: JetStreamContext, definition: StreamDefinition, replicas: int) -> None:
    config = StreamConfig(
        name=definition.name,
        subjects=list(definition.subjects),
        retention=RetentionPolicy.WORK_QUEUE if definition.work_queue else RetentionPolicy.LIMITS,
        storage=StorageType.MEMORY if definition.in_memory else StorageType.FILE,
        max_age=definition.max_age_s,
        max_bytes=definition.max_bytes,
        duplicate_window=definition.duplicate_window_s,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(definition.name)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)


async def ensure_key_value(
    js: JetStreamContext,
    bucket: str,
    ttl_s: float,
    replicas: int = 1,
    storage: StorageType = StorageType.FILE,
) -> KeyValue:
    """The KV bucket, created if missing. When its retention, replica count or way of reading
    changed, the existing bucket is brought up to date (declaring it again would be refused).

    On a single server, read directly, as nats.go and the nats CLI create buckets: a get is
    a plain request the stream answers with the entry, not a JetStream API call answered in
    base64 JSON (less work for the server and the reader on the hottest KV operation). With
    replicas, a direct get may be answered by a follower a moment behind, which would break
    reading one's own writes and the compare-and-set counters: reads go to the leader."""
    direct = replicas == 1
    try:
        info = await js.stream_info(f"KV_{bucket}")
    except NotFoundError:
        config = KeyValueConfig(
            bucket=bucket, ttl=ttl_s, replicas=replicas, storage=storage, direct=direct
        )
        return await js.create_key_value(config)
    wanted = (ttl_s, replicas, direct)
    if (info.config.max_age, info.config.num_replicas, bool(info.config.allow_direct)) != wanted:
        log.info("bucket %s: age limit %ss, %s replicas", bucket, ttl_s, replicas)
        info.config.max_age = ttl_s
        info.config.num_replicas = replicas
        info.config.allow_direct = direct
        await js.update_stream(info.config)
    return await js.key_value(bucket)


async def ensure_counter_stream(
    js: JetStreamContext, name: str, prefix: str, max_age_s: float, replicas: int = 1
) -> bool:
    """A counter stream in memory (NATS 2.12+: every subject under `prefix` a counter that a
    publish with `Nats-Incr` adds to), created if missing; whether the server counts on it.
    An older server accepts the stream without the setting and would store increments as
    plain messages: then False. So does an older server in strict mode (`jetstream { strict:
    true }`), which refuses the setting as an unknown field. A stream made without counting
    (by an older server) cannot be switched over: False as well, until it is deleted (`nats
    stream rm <name>`)."""
    config = StreamConfig(
        name=name,
        subjects=[f"{prefix}.>"],
        storage=StorageType.MEMORY,
        max_age=max_age_s,
        max_msgs_per_subject=1,
        num_replicas=replicas,
        allow_msg_counter=True,
        allow_direct=True,
    )
    try:
        existing = await js.stream_info(name)
    except NotFoundError:
        try:
            created = await js.add_stream(config)
        except BadRequestError as refused:
            if "allow_msg_counter" not in (refused.description or ""):
                raise
            log.warning("stream %s: the server cannot count (%s)", name, refused.description)
            return False
        return created.config.allow_msg_counter is True
    if existing.config.allow_msg_counter is not True:
        log.warning(
            "stream %s does not count: the server is older than NATS 2.12, or an older one"
            " made it (then delete it to count on it)",
            name,
        )
        return False
    updated = await js.update_stream(config)
    return updated.config.allow_msg_counter is True


async def _beat(msg: NatsMessage, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await msg.in_progress()
        except Exception as exc:  # a lost heartbeat risks a redelivery, never the work itself
            log.warning("could not report progress to JetStream: %s", type(exc).__name__)


@asynccontextmanager
async def in_progress_while_running(msg: NatsMessage, every_s: float) -> AsyncIterator[None]:
    """Tell JetStream the message is still being worked on, so a short AckWait is enough to
    redeliver it quickly when a replica dies, yet long work is not redelivered meanwhile."""
    beat = asyncio.create_task(_beat(msg, every_s))
    try:
        yield
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
