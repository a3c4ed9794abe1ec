"""Rate limits per session, per IP and per site key, shared by every gateway replica through
NATS KV: the request over a limit gets 429 with Retry-After, on whichever replica it lands."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import SHOP, bearer, error_code, gateway, new_session

pytestmark = pytest.mark.security
LIMITS = {
    "chat_rate_limit": "2/15m",
    "chat_rate_limit_per_ip": "1000/15m",
    "api_rate_limit": "3/15m",
    "session_rate_limit_per_ip": "1000/15m",
    "turn_timeout_s": 1.0,
}


@pytest.fixture(scope="module")
def replicas(private_nats_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two gateway replicas on one bus."""
    with (
        gateway(private_nats_url, **LIMITS) as first,
        gateway(private_nats_url, **LIMITS) as second,
    ):
        yield first, second


def chat_status(client: TestClient, token: str) -> tuple[int, dict[str, str]]:
    with client.stream(
        "POST", "/api/chat", json={"message": "hello"}, headers=bearer(token)
    ) as response:
        return response.status_code, dict(response.headers)


def feedback(client: TestClient, token: str) -> tuple[int, dict[str, str]]:
    body = {"turn_id": "b" * 32, "rating": "down"}
    response = client.post("/api/feedback", json=body, headers=bearer(token))
    return response.status_code, dict(response.headers)


def test_chat_is_limited_per_session_across_replicas(
    replicas: tuple[TestClient, TestClient],
) -> None:
    first, second = replicas
    token = new_session(first)["token"]
    assert chat_status(first, token)[0] == 200
    assert chat_status(second, token)[0] == 200
    status, headers = chat_status(first, token)
    assert status == 429
    assert 1 <= int(headers["retry-after"]) <= 900
    assert chat_status(second, new_session(second)["token"])[0] == 200  # others unaffected


def test_other_api_calls_are_limited_per_session(replicas: tuple[TestClient, TestClient]) -> None:
    first, second = replicas
    token = new_session(first)["token"]
    # Feedback on an unknown answer (404) counts against the limit like any other call.
    assert [feedback(c, token)[0] for c in (first, second, first)] == [404, 404, 404]
    status, headers = feedback(second, token)
    assert status == 429 and int(headers["retry-after"]) >= 1


def test_new_sessions_are_limited_per_ip(private_nats_url: str) -> None:
    with gateway(private_nats_url, session_rate_limit_per_ip="2/1h") as client:
        for _ in range(2):
            new_session(client)
        refused = client.post(
            "/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": SHOP}
        )
        assert (refused.status_code, error_code(refused)) == (429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 3600


@pytest.mark.parametrize("limit", ["chat_rate_limit_per_site", "chat_rate_limit_per_ip"])
def test_chat_is_limited_per_site_key_and_per_ip(private_nats_url: str, limit: str) -> None:
    # A fresh window length keeps the counts of the other tests out of this one.
    window = {"chat_rate_limit_per_site": "2/7m", "chat_rate_limit_per_ip": "2/11m"}[limit]
    with gateway(private_nats_url, **{limit: window, "turn_timeout_s": 1.0}) as client:
        tokens = [new_session(client)["token"] for _ in range(3)]
        assert [chat_status(client, t)[0] for t in tokens] == [200, 200, 429]
