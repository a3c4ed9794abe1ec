"""Declare the JetStream streams a service needs, idempotently, from any replica."""

from copilot_contracts.streams import StreamDefinition
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError


async def ensure_stream(js: JetStreamContext, definition: StreamDefinition, replicas: int) -> None:
    config = StreamConfig(
        name=definition.name,
        subjects=list(definition.subjects),
        retention=RetentionPolicy.WORK_QUEUE if definition.work_queue else RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=definition.max_age_s,
        duplicate_window=definition.duplicate_window_s,
        num_replicas=replicas,
    )
    try:
        await js.stream_info(definition.name)
    except NotFoundError:
        await js.add_stream(config)
    else:
        await js.update_stream(config)
