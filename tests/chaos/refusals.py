"""The one refusal a NATS restart is expected to cause: a service's answer to a request the
old server delivered before it died. The new server never saw that request, so it grants no
reply; the requester lost the request with its old connection anyway (its tool call fails
cleanly, and the chaos table counts it). Any other refusal still fails the run."""

import re
from collections.abc import Callable, Sequence
from datetime import datetime

SERVER_REFUSED_REPLY = re.compile(
    r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) \[ERR\] .* Publish Violation - Subject \"_INBOX\."
)
SERVICE_REFUSED_REPLY = re.compile(
    r'"ts": "([^"]+)".*NATS refused: nats: permissions violation for publish to \\"_inbox\.'
)


def _refused_reply_at(line: str) -> float | None:
    """When the line says a reply was refused (epoch seconds), else None."""
    if found := SERVER_REFUSED_REPLY.search(line):
        # The server logs its local time, as naive datetime does here.
        return datetime.strptime(found.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
    if found := SERVICE_REFUSED_REPLY.search(line):
        return datetime.fromisoformat(found.group(1)).timestamp()
    return None


def replies_refused_after_restarts(
    restarted_at: Sequence[float], within_s: float = 15.0
) -> Callable[[str], bool]:
    """Accepts a refused reply within `within_s` after one of the restarts (read when asked,
    so restarts made later count)."""

    def expected(line: str) -> bool:
        at = _refused_reply_at(line)
        return at is not None and any(0 <= at - when <= within_s for when in restarted_at)

    return expected
