"""Named places where a test can make a service fail on purpose, as a crash or an outage would.

`COPILOT_FAILPOINTS=orders.after_commit` makes the process exit at once (as SIGKILL would,
no cleanup) when it passes that point. `COPILOT_FAILPOINTS_FILE` names a file listing
failpoints, one per line, that a test adds and removes while the service runs: an outage
that starts and ends (`armed("rag.qdrant_unreachable")`). Unset in production: each check
is a set lookup."""

import logging
import os

log = logging.getLogger(__name__)
_ARMED = frozenset(p.strip() for p in os.environ.get("COPILOT_FAILPOINTS", "").split(",") if p)
_FILE = os.environ.get("COPILOT_FAILPOINTS_FILE")
_listed: tuple[int, frozenset[str]] = (-1, frozenset())


def failpoint(name: str) -> None:
    if name in _ARMED:
        log.error("failpoint %s: exiting now", name)
        logging.shutdown()
        os._exit(137)


def armed(name: str) -> bool:
    """True while `name` is armed: from the start, or for as long as the file lists it."""
    return name in _ARMED or (_FILE is not None and name in _read_listed(_FILE))


def _read_listed(path: str) -> frozenset[str]:
    global _listed
    try:
        changed = os.stat(path).st_mtime_ns
    except OSError:
        return frozenset()
    if changed != _listed[0]:
        with open(path, encoding="utf-8") as listing:
            names = frozenset(line.strip() for line in listing if line.strip())
        if names != _listed[1]:
            log.warning("failpoints armed: %s", ", ".join(sorted(names)) or "none")
        _listed = (changed, names)
    return _listed[1]
