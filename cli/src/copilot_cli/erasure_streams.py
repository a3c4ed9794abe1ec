"""Erasing a visitor's messages from JetStream streams: feedback, queued turns and dead
letters, matched by their session or conversation."""

import json

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

BATCH = 256


def _belongs(data: bytes | None, session_id: str | None, conversations: set[str]) -> bool:
    try:
        message = json.loads(data or b"{}")
    except ValueError:
        return False
    if not isinstance(message, dict):
        return False
    if session_id and message.get("session_id") == session_id:
        return True
    return message.get("conversation_id") in conversations


async def delete_events(
    js: JetStreamContext,
    stream: str,
    subject: str,
    session_id: str | None,
    conversations: set[str],
) -> int:
    """Events of the session or its conversations on a kept stream (feedback, turn
    summaries), read with a throwaway consumer."""
    try:
        await js.stream_info(stream)
    except NotFoundError:
        return 0
    reader = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60
        ),
    )
    deleted = 0
    try:
        while True:
            try:
                batch = await reader.fetch(BATCH, timeout=1.0)
            except TimeoutError:
                break
            for msg in batch:
                if _belongs(msg.data, session_id, conversations):
                    await js.delete_msg(stream, msg.metadata.sequence.stream)
                    deleted += 1
            if len(batch) < BATCH and not (await reader.consumer_info()).num_pending:
                break
    finally:
        await reader.unsubscribe()
    return deleted


async def delete_by_sequence(
    js: JetStreamContext, stream: str, session_id: str | None, conversations: set[str]
) -> int:
    """Messages of a small stream (queued turns, dead letters), read one by one: a work
    queue allows no second consumer."""
    try:
        state = (await js.stream_info(stream)).state
    except NotFoundError:
        return 0
    deleted = 0
    for sequence in range(state.first_seq, state.last_seq + 1) if state.messages else ():
        try:
            msg = await js.get_msg(stream, sequence)
        except NotFoundError:
            continue  # taken and acknowledged, or removed
        if _belongs(msg.data, session_id, conversations):
            await js.delete_msg(stream, sequence)
            deleted += 1
    return deleted
