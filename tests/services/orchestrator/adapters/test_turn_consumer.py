"""An orchestrator consumer made with an older limit of turns in flight gets the new one
when a replica starts, keeping its place in the stream."""

import nats
from copilot_contracts import subjects
from copilot_contracts.streams import CHAT_TURNS
from copilot_orchestrator.adapters.turn_consumer import keep_turns_in_flight
from copilot_service_defaults.jetstream import ensure_stream
from nats.js.api import ConsumerConfig


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
