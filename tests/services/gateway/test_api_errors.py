"""Bad input gets the documented status and a machine-readable code, never a stack trace."""

from collections.abc import Iterator

import pytest
from copilot_gateway.app import build_app
from copilot_gateway.config import GatewaySettings
from fastapi.testclient import TestClient

pytestmark = pytest.mark.security


@pytest.fixture(scope="module")
def client(nats_url: str) -> Iterator[TestClient]:
    settings = GatewaySettings(_env_file=None, nats_url=nats_url)  # type: ignore[call-arg]
    with TestClient(build_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, str]:
    created = client.post("/api/sessions", json={"site_key": "demo-site-key"})
    assert created.status_code == 201
    return {"Authorization": f"Bearer {created.json()['token']}"}


def _error(response: object, status: int, code: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]
    assert response.headers.get("x-trace-id")  # type: ignore[attr-defined]


def test_malformed_json_is_400(client: TestClient, auth: dict[str, str]) -> None:
    headers = {**auth, "Content-Type": "application/json"}
    _error(client.post("/api/chat", content=b'{"message": ', headers=headers), 400, "invalid_json")


def test_missing_token_is_401(client: TestClient) -> None:
    _error(client.post("/api/chat", json={"message": "hi"}), 401, "missing_token")


def test_tampered_token_is_401(client: TestClient, auth: dict[str, str]) -> None:
    tampered = {"Authorization": auth["Authorization"][:-3] + "abc"}
    _error(client.post("/api/chat", json={"message": "hi"}, headers=tampered), 401, "invalid_token")


@pytest.mark.parametrize("message", ["", "   \n"])
def test_empty_message_is_422(client: TestClient, auth: dict[str, str], message: str) -> None:
    response = client.post("/api/chat", json={"message": message}, headers=auth)
    _error(response, 422, "invalid_request")
    assert "message" in response.json()["error"]["message"]


def test_too_long_message_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/chat", json={"message": "x" * 4001}, headers=auth)
    _error(response, 422, "invalid_request")


def test_unknown_field_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/chat", json={"message": "hi", "role": "system"}, headers=auth)
    _error(response, 422, "invalid_request")


def test_unknown_conversation_is_404(client: TestClient, auth: dict[str, str]) -> None:
    body = {"message": "hello", "conversation_id": "0" * 32}
    _error(client.post("/api/chat", json=body, headers=auth), 404, "conversation_not_found")


def test_malformed_conversation_id_is_422(client: TestClient, auth: dict[str, str]) -> None:
    body = {"message": "hello", "conversation_id": "../../etc"}
    _error(client.post("/api/chat", json=body, headers=auth), 422, "invalid_request")


def test_non_json_body_is_415(client: TestClient, auth: dict[str, str]) -> None:
    headers = {**auth, "Content-Type": "text/plain"}
    response = client.post("/api/chat", content=b"hello", headers=headers)
    _error(response, 415, "unsupported_media_type")


def test_unknown_site_key_is_403(client: TestClient) -> None:
    _error(client.post("/api/sessions", json={"site_key": "nope"}), 403, "unknown_site_key")


def test_session_from_a_foreign_origin_is_403(client: TestClient) -> None:
    response = client.post(
        "/api/sessions",
        json={"site_key": "demo-site-key"},
        headers={"Origin": "https://evil.example"},
    )
    _error(response, 403, "origin_not_allowed")


def test_unknown_path_is_404_json(client: TestClient) -> None:
    _error(client.get("/api/nothing-here"), 404, "not_found")


def test_health_and_ready(client: TestClient) -> None:
    health, ready = client.get("/health"), client.get("/ready")
    assert health.json() == {"status": "ok"}
    assert ready.json() == {"status": "ready"}
    ids = {health.headers.get("x-trace-id"), ready.headers.get("x-trace-id")}
    assert len(ids) == 2 and all(i and len(i) == 32 for i in ids), "untraced probes get ids too"


def test_demo_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Ember &amp; Oak" in page.text
    assert 'src="/widget.js"' in page.text
