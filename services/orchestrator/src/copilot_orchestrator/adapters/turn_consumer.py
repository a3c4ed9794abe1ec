"""JetStream keeps a durable consumer's settings across restarts, and the subscriber only
creates a consumer that is missing: a changed limit of turns in flight (TURN_WORKERS) is
applied to the existing consumer here, its position kept."""

import logging

from copilot_contracts import subjects
from nats.errors import Error
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)


async def keep_turns_in_flight(js: JetStreamContext, durable: str, limit: int) -> bool:
    """Bring `durable`'s max_ack_pending on COPILOT_CHAT_TURNS to `limit`; True if it did."""
    try:
        info = await js.consumer_info(subjects.CHAT_TURNS_STREAM, durable)
    except NotFoundError:
        return False  # the subscriber creates it with the limit
    config = info.config
    if config.max_ack_pending == limit:
        return False
    log.info("consumer %s: %s turns in flight, was %s", durable, limit, config.max_ack_pending)
    config.max_ack_pending = limit
    config.name = config.name or durable
    try:
        await js.add_consumer(subjects.CHAT_TURNS_STREAM, config)
    except Error as refused:  # turns still flow, under the old limit: no reason not to start
        log.warning("consumer %s kept its limit: %s", durable, refused)
        return False
    return True
