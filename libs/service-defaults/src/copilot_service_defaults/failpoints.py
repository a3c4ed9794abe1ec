"""Named places where a test can make a service die on purpose, as a crash would.

`COPILOT_FAILPOINTS=orders.after_commit` makes the process exit at once (as SIGKILL would,
no cleanup) when it passes that point. Unset in production: each check is a set lookup."""

import logging
import os

log = logging.getLogger(__name__)
_ARMED = frozenset(p.strip() for p in os.environ.get("COPILOT_FAILPOINTS", "").split(",") if p)


def failpoint(name: str) -> None:
    if name in _ARMED:
        log.error("failpoint %s: exiting now", name)
        logging.shutdown()
        os._exit(137)
