"""A message its consumer keeps failing is kept as a dead letter, and can be replayed."""

import asyncio
import contextlib

import nats
from copilot_cli.deadletters import listing, replay
from copilot_contracts import subjects
from copilot_service_defaults.consumers import watch_consumers
from nats.js.api import ConsumerConfig, RetentionPolicy

STREAM, SUBJECT, CONSUMER = "DLQ_TEST", "dlq.test.work", "worker"


async def test_exhausted_messages_become_dead_letters_and_replay(private_nats_url: str) -> None:
    connection = await nats.connect(private_nats_url)
    try:
        js = connection.jetstream()
        await js.add_stream(name=STREAM, subjects=[SUBJECT], retention=RetentionPolicy.WORK_QUEUE)
        await js.add_consumer(
            STREAM, ConsumerConfig(durable_name=CONSUMER, max_deliver=2, ack_wait=30)
        )
        await watch_consumers(connection, [(STREAM, CONSUMER)])
        await js.publish(SUBJECT, b'{"order": 1}', headers={"Nats-Msg-Id": "order-1"})
        worker = await js.pull_subscribe(SUBJECT, durable=CONSUMER, stream=STREAM)
        for _ in range(2):  # the service fails it every time
            [msg] = await worker.fetch(1, timeout=2)
            await msg.nak()

        with contextlib.suppress(nats.errors.TimeoutError):  # the server gives up on it
            await worker.fetch(1, timeout=1)
        for _ in range(200):
            if letters := await listing(connection):
                break
            await asyncio.sleep(0.05)
        [letter] = letters
        assert (letter.origin_subject, letter.consumer) == (SUBJECT, CONSUMER)
        assert letter.deliveries == "2"
        dead = await js.get_msg(subjects.DEAD_LETTERS_STREAM, letter.sequence)
        assert dead.data == b'{"order": 1}'

        assert await replay(connection, letter.sequence) == SUBJECT
        assert await listing(connection) == []
        [again] = await worker.fetch(1, timeout=2)
        assert again.data == b'{"order": 1}' and again.headers["Nats-Msg-Id"] != "order-1"
        await again.ack()
    finally:
        await connection.close()
