"""An insights-turns consumer from before failed and abandoned turns had subjects of their
own is widened in place: it keeps its position and reads them too."""

import nats
from copilot_contracts import subjects
from copilot_contracts.streams import INSIGHTS
from copilot_insights.adapters.turn_consumer import read_every_turn_end
from copilot_service_defaults.jetstream import ensure_stream
from nats.js.api import ConsumerConfig


async def test_an_old_consumer_is_widened_and_keeps_its_position(private_nats_url: str) -> None:
    connection = await nats.connect(private_nats_url)
    js = connection.jetstream()
    await ensure_stream(js, INSIGHTS, replicas=1)
    await js.publish(subjects.INSIGHTS_TURN_ANSWERED, b'{"n": 1}')
    old = await js.pull_subscribe(
        subjects.INSIGHTS_TURN_ANSWERED,
        durable="old-turns",
        stream=INSIGHTS.name,
        config=ConsumerConfig(ack_wait=30.0, max_deliver=10),
    )
    [first] = await old.fetch(1, timeout=2)
    await first.ack_sync()
    await old.unsubscribe()
    await js.publish(subjects.INSIGHTS_TURN_FAILED, b'{"n": 2}')

    assert await read_every_turn_end(js, "old-turns") is True
    assert await read_every_turn_end(js, "old-turns") is False  # once is enough
    info = await js.consumer_info(INSIGHTS.name, "old-turns")
    assert info.config.filter_subject == subjects.INSIGHTS_TURN_WILDCARD
    assert (info.config.ack_wait, info.config.max_deliver) == (30.0, 10)
    again = await js.pull_subscribe_bind("old-turns", stream=INSIGHTS.name)
    [failed] = await again.fetch(1, timeout=2)
    assert failed.data == b'{"n": 2}' and failed.subject == subjects.INSIGHTS_TURN_FAILED
    assert await read_every_turn_end(js, "absent") is False
    await js.purge_stream(INSIGHTS.name)
    await connection.close()
