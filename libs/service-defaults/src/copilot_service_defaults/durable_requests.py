"""Requests that must not be lost: stored in JetStream, answered on the caller's inbox.

A plain NATS request is gone if its service is down or dies mid-way. These go into a
stream instead (deduplicated by `Nats-Msg-Id`, the request's idempotency key); the service
acknowledges one only after applying it, so a crash means a redelivery, never a loss. The
caller's inbox travels in a header, because JetStream answers the NATS reply subject itself
(with its publish acknowledgement).

`Nats-Msg-Id` is the request's key plus the caller's inbox: JetStream drops a publish the
same caller repeats, yet a repeat by a new caller (a chat turn another replica took over)
still reaches the service, which answers it from its own idempotency store. A bare key
would be dropped there, and that caller would wait for an answer that never comes."""

import json
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from nats.errors import TimeoutError as NatsTimeoutError

REPLY_TO_HEADER = "Copilot-Reply-To"


class NoReplyError(TimeoutError):
    """The request is stored, but no answer came in time; it will still be applied."""


async def durable_request(
    broker: NatsBroker, message: Any, subject: str, stream: str, msg_id: str, timeout_s: float
) -> Any:
    """Store `message` on `subject` and wait for the service's answer (decoded JSON)."""
    connection = broker.connection
    inbox = connection.new_inbox()
    replies = await connection.subscribe(inbox, max_msgs=1)
    try:
        await broker.publish(
            message,
            subject,
            stream=stream,
            headers={"Nats-Msg-Id": f"{msg_id}@{inbox}", REPLY_TO_HEADER: inbox},
            timeout=min(timeout_s, 5.0),
        )
        try:
            reply = await replies.next_msg(timeout=timeout_s)
        except (TimeoutError, NatsTimeoutError) as exc:
            raise NoReplyError(subject) from exc
        return json.loads(reply.data)
    finally:
        await replies.unsubscribe()


async def answer(broker: NatsBroker, msg: NatsMessage, reply: Any) -> None:
    """Send the answer to the caller, if it asked for one; then acknowledge the request."""
    inbox = (msg.headers or {}).get(REPLY_TO_HEADER)
    if inbox:
        await broker.publish(reply, inbox)
    await msg.ack()
