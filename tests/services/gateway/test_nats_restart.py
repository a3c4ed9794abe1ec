"""A NATS server keeps only its file-backed streams over a restart: what the gateway keeps in
memory (the rate-limit counters, the turns' events kept for resuming) is declared again when
its connection comes back, so the limits hold again without restarting the gateway."""

import asyncio
from pathlib import Path

import nats
from copilot_contracts import subjects
from fastapi.testclient import TestClient
from nats.js.errors import NotFoundError

from tests.conftest import wait_until
from tests.services.gateway.gateway_client import SHOP, gateway
from tests.support.restartable_nats import restartable_nats


def _new_session_status(client: TestClient) -> int:
    response = client.post("/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": SHOP})
    return response.status_code


def _kept_turn_events(url: str) -> bool:
    async def look() -> bool:
        connection = await nats.connect(url)
        try:
            await connection.jetstream().stream_info(subjects.TURN_EVENTS_STREAM)
            return True
        except NotFoundError:
            return False
        finally:
            await connection.close()

    return asyncio.run(look())


def test_what_the_gateway_keeps_in_memory_is_back_after_the_nats_server_restarts(
    tmp_path: Path,
) -> None:
    with (
        restartable_nats(tmp_path, authorized=False) as server,
        gateway(server.info.url, session_rate_limit_per_ip="3/1h") as client,
    ):
        assert [_new_session_status(client) for _ in range(4)] == [201, 201, 201, 429]
        assert _kept_turn_events(server.info.url)
        server.restart()
        wait_until(lambda: client.get("/ready").status_code == 200, timeout=30)
        # The counters start afresh once the bucket is back; until then requests pass.
        wait_until(lambda: _new_session_status(client) == 429, timeout=30)
        wait_until(lambda: _kept_turn_events(server.info.url), timeout=30)
