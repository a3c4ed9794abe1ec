"""Dead letters: a message its consumer could not process within MaxDeliver deliveries is
copied to COPILOT_DEAD_LETTERS, with where it came from, for an operator to inspect and
replay (`copilot deadletters`). JetStream announces each such message with an advisory;
one replica of the service (a queue group) copies it."""

import json
import logging
from collections.abc import Sequence

from copilot_contracts import subjects
from copilot_contracts.streams import DEAD_LETTERS
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from copilot_service_defaults.jetstream import ensure_stream

log = logging.getLogger(__name__)

# Headers a dead letter carries besides the original message's own.
ORIGIN_SUBJECT = "Copilot-Origin-Subject"
ORIGIN_STREAM = "Copilot-Origin-Stream"
ORIGIN_SEQUENCE = "Copilot-Origin-Sequence"
ORIGIN_CONSUMER = "Copilot-Origin-Consumer"
DELIVERIES = "Copilot-Deliveries"


async def keep(js: JetStreamContext, stream: str, consumer: str, advisory: Msg) -> None:
    """Copy the message the advisory names into the dead-letter stream."""
    notice = json.loads(advisory.data)
    sequence = int(notice["stream_seq"])
    original = await js.get_msg(stream, sequence)
    headers = dict(original.headers or {})
    headers.update(
        {
            ORIGIN_SUBJECT: original.subject or "",
            ORIGIN_STREAM: stream,
            ORIGIN_SEQUENCE: str(sequence),
            ORIGIN_CONSUMER: consumer,
            DELIVERIES: str(notice.get("deliveries", "")),
            "Nats-Msg-Id": f"dead-{stream}-{sequence}",  # one copy, whichever replica
        }
    )
    await js.publish(
        subjects.dead_letter(stream, consumer),
        original.data or b"",
        stream=DEAD_LETTERS.name,
        headers=headers,
    )
    log.error(
        "message %d of %s exhausted its deliveries on %s: kept as a dead letter",
        sequence,
        stream,
        consumer,
    )


async def keep_dead_letters(
    connection: Client,
    js: JetStreamContext,
    consumers: Sequence[tuple[str, str]],
    replicas: int = 1,
) -> None:
    """Watch these consumers' max-deliveries advisories for the life of the connection."""
    await ensure_stream(js, DEAD_LETTERS, replicas)
    for stream, consumer in consumers:

        async def on_advisory(msg: Msg, stream: str = stream, consumer: str = consumer) -> None:
            try:
                await keep(js, stream, consumer, msg)
            except Exception as exc:  # the original stays in its stream; say so loudly
                log.error("could not keep a dead letter of %s: %s", stream, type(exc).__name__)

        await connection.subscribe(
            subjects.max_deliveries_advisory(stream, consumer),
            queue=f"deadletters-{consumer}",
            cb=on_advisory,
        )
