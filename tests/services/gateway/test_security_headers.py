"""CORS from ALLOWED_ORIGINS only, security headers on every response, request size limits."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import (
    OTHER_SITE,
    SHOP,
    bearer,
    error_code,
    gateway,
    new_session,
)

pytestmark = pytest.mark.security
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def client(private_nats_url: str) -> Iterator[TestClient]:
    with gateway(private_nats_url, max_body_bytes=2048) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/", "/health", "/openapi.json", "/widget.js", "/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "content-security-policy" in headers
    assert "strict-transport-security" not in headers  # development: plain HTTP
    assert headers.get("server") is None


def test_the_demo_page_may_run_only_its_own_scripts(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"


def test_api_answers_forbid_everything_and_are_not_cached(client: TestClient) -> None:
    created = client.post("/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": SHOP})
    assert created.headers["content-security-policy"].startswith("default-src 'none'")
    assert created.headers["cache-control"] == "no-store"


def test_production_adds_hsts_and_hides_the_api_explorer(private_nats_url: str) -> None:
    with gateway(private_nats_url, app_env="production", session_secret="p" * 48) as production:
        response = production.get("/health")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert production.get("/docs").status_code == 404


def test_cors_allows_the_configured_origins_only_and_never_credentials(
    client: TestClient,
) -> None:
    def preflight(origin: str) -> dict[str, str]:
        response = client.options(
            "/api/chat",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        return dict(response.headers)

    allowed = preflight(SHOP)
    assert allowed["access-control-allow-origin"] == SHOP
    assert "access-control-allow-credentials" not in allowed
    assert "access-control-allow-origin" not in preflight(EVIL)
    assert preflight(OTHER_SITE)["access-control-allow-origin"] == OTHER_SITE


def test_wildcard_origins_are_refused_at_start(private_nats_url: str) -> None:
    with (
        pytest.raises(ValueError, match="ALLOWED_ORIGINS"),
        gateway(private_nats_url, allowed_origins="*"),
    ):
        pass


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    token = new_session(client)["token"]
    big = '{"message": "' + "x" * 4000 + '"}'
    response = client.post(
        "/api/chat",
        content=big,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")


def test_a_chunked_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    token = new_session(client)["token"]

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    response = client.post(
        "/api/chat",
        content=chunks(),
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert (response.status_code, error_code(response)) == (413, "payload_too_large")


def test_a_message_over_the_length_limit_is_refused_with_422(private_nats_url: str) -> None:
    with gateway(private_nats_url) as roomy:
        token = new_session(roomy)["token"]
        response = roomy.post("/api/chat", json={"message": "x" * 4001}, headers=bearer(token))
        assert (response.status_code, error_code(response)) == (422, "invalid_request")


def test_no_secret_reaches_the_browser(private_nats_url: str) -> None:
    secret = "never-in-a-browser-" + "q" * 30
    identity_secret = "identity-never-in-a-browser-" + "w" * 30
    with gateway(
        private_nats_url, session_secret=secret, identity_secret=identity_secret
    ) as client:
        served = [
            client.get(path).text
            for path in ("/", "/widget.js", "/widget-app.js", "/widget-api.js", "/openapi.json")
        ]
        session = client.post(
            "/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": SHOP}
        )
        served.append(session.text)
        for text in served:
            assert secret not in text and identity_secret not in text


def test_a_refused_body_still_carries_cors_headers(client: TestClient) -> None:
    response = client.post(
        "/api/chat",
        content='{"message": "' + "x" * 4000 + '"}',
        headers={"Origin": SHOP, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == SHOP
