"""`/health` (liveness) and `/ready` (readiness) routes for FastStream services."""

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream.asgi import AsgiResponse, get
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

ReadinessCheck = Callable[[], Awaitable[str | None]]
"""Returns None when ready, else a short reason."""


def _json(status: int, body: dict[str, Any]) -> AsgiResponse:
    return AsgiResponse(
        json.dumps(body).encode(), status, headers={"content-type": "application/json"}
    )


def health_routes(
    broker: Any, checks: Sequence[tuple[str, ReadinessCheck]] = ()
) -> list[tuple[str, Any]]:
    @get(include_in_schema=False)
    async def health(scope: Any) -> AsgiResponse:
        return _json(200, {"status": "ok"})

    @get(include_in_schema=False)
    async def ready(scope: Any) -> AsgiResponse:
        problems: dict[str, str] = {}
        if not await broker.ping(timeout=2.0):
            problems["nats"] = "not connected"
        for name, check in checks:
            try:
                reason = await check()
            except Exception as exc:  # a failing check means "not ready", never a crash
                reason = type(exc).__name__
            if reason:
                problems[name] = reason
        if problems:
            return _json(503, {"status": "not_ready", "problems": problems})
        return _json(200, {"status": "ready"})

    @get(include_in_schema=False)
    async def metrics(scope: Any) -> AsgiResponse:
        """Prometheus text format: this process's metrics."""
        return AsgiResponse(
            generate_latest(REGISTRY), 200, headers={"content-type": CONTENT_TYPE_LATEST}
        )

    return [("/health", health), ("/ready", ready), ("/metrics", metrics)]
