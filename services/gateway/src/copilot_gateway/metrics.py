"""The gateway's Prometheus metrics: the deployment checklist's chat figures.

`chat_requests_total{status}`: ok (answered), error (the turn failed, timed out, or the bus
was down) or rejected (refused before it started: auth, validation, rate limits).
`chat_response_seconds`: request to the last event of an answered or failed turn.
`active_chat_sessions`: turns streaming now on this replica (sum over replicas)."""

import time

from prometheus_client import Counter, Gauge, Histogram

CHAT_REQUESTS = Counter("chat_requests", "Chat requests by outcome.", ["status"])
CHAT_RESPONSE = Histogram(
    "chat_response_seconds",
    "Time to the end of a turn's answer.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60),
)
FIRST_DELTA = Histogram(
    "chat_first_delta_seconds",
    "Time to the first streamed text of an answer.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)
ACTIVE = Gauge("active_chat_sessions", "Chat turns streaming right now.")
FEEDBACK = Counter("feedback", "Ratings of answers.", ["rating"])
CHAT_PATHS = frozenset({"/api/chat", "/v1/chat/completions"})


def rejected(path: str, status: int, code: str) -> None:
    """Count a chat request the gateway refused (or could not start) before its turn."""
    if path in CHAT_PATHS:
        CHAT_REQUESTS.labels("error" if status >= 500 else "rejected").inc()


class TurnMeter:
    """Measures one turn while it streams: created when it starts, `finish`ed at its end."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.outcome: str | None = None
        self._first_delta_seen = False
        ACTIVE.inc()

    def saw(self, event_type: str) -> None:
        if event_type == "delta" and not self._first_delta_seen:
            self._first_delta_seen = True
            FIRST_DELTA.observe(time.perf_counter() - self.started)
        elif event_type == "done":
            self.outcome = "ok"
        elif event_type == "error":
            self.outcome = "error"

    def finish(self) -> None:
        ACTIVE.dec()
        if self.outcome is not None:  # a visitor who left early is no outcome
            CHAT_REQUESTS.labels(self.outcome).inc()
            CHAT_RESPONSE.observe(time.perf_counter() - self.started)
