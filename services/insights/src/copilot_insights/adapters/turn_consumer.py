"""The durable consumer of turn summaries once read only `turn.answered`; failed and
abandoned turns now have subjects of their own. JetStream keeps a durable's filter across
restarts (and the subscriber only creates a consumer that is missing), so an existing one is
widened in place, its position and settings kept."""

import logging

from copilot_contracts import subjects
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

log = logging.getLogger(__name__)


async def read_every_turn_end(js: JetStreamContext, durable: str) -> bool:
    """Widen `durable` on COPILOT_INSIGHTS to every turn summary; True if it had to be."""
    try:
        info = await js.consumer_info(subjects.INSIGHTS_STREAM, durable)
    except NotFoundError:
        return False
    config = info.config
    if config.filter_subject == subjects.INSIGHTS_TURN_WILDCARD:
        return False
    config.filter_subject = subjects.INSIGHTS_TURN_WILDCARD
    config.name = config.name or durable
    await js.add_consumer(subjects.INSIGHTS_STREAM, config)
    log.info("consumer %s now reads failed and abandoned turns too", durable)
    return True
