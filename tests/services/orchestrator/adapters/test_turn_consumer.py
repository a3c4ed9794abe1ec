"""An orchestrator consumer made with an older limit of turns in flight gets the new one
when a replica starts, keeping its place in the stream."""

from typing import cast

import nats
from copilot_contracts import subjects
from copilot_contracts.streams import CHAT_TURNS
from copilot_orchestrator.adapters.turn_consumer import keep_turns_in_flight
from copilot_service_defaults.jetstream import ensure_stream
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, ConsumerInfo
from nats.js.errors import BadRequestError


async def test_an_existing_consumer_gets_the_new_limit(private_nats_url: str) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        await ensure_stream(js, CHAT_TURNS, replicas=1)
        assert await keep_turns_in_flight(js, "limit_test", 1280) is False, "none yet"
        older = ConsumerConfig(
            durable_name="limit_test",
            filter_subject=subjects.CHAT_TURN_REQUESTED,
            max_ack_pending=128,
            ack_wait=15,
        )
        await js.add_consumer(subjects.CHAT_TURNS_STREAM, older)

        assert await keep_turns_in_flight(js, "limit_test", 1280) is True
        info = await js.consumer_info(subjects.CHAT_TURNS_STREAM, "limit_test")
        assert info.config.max_ack_pending == 1280
        assert info.config.ack_wait == 15, "its other settings kept"
        assert await keep_turns_in_flight(js, "limit_test", 1280) is False
    finally:
        await connection.close()


class RefusingUpdates:
    """A server that refuses to change the consumer (say, an older one)."""

    def __init__(self, info: ConsumerInfo) -> None:
        self.info = info

    async def consumer_info(self, stream: str, durable: str) -> ConsumerInfo:
        return self.info

    async def add_consumer(self, stream: str, config: ConsumerConfig) -> ConsumerInfo:
        raise BadRequestError(code=400, err_code=10012, description="consumer update refused")


async def test_a_refused_update_leaves_the_old_limit_and_the_replica_starts() -> None:
    info = ConsumerInfo(
        stream_name=subjects.CHAT_TURNS_STREAM,
        name="orchestrator",
        config=ConsumerConfig(durable_name="orchestrator", max_ack_pending=128),
        created=0,
    )
    js = cast(JetStreamContext, RefusingUpdates(info))
    assert await keep_turns_in_flight(js, "orchestrator", 1280) is False
