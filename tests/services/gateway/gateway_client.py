"""A gateway app on a real NATS server, for the tests of its HTTP surface."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from copilot_gateway.app import build_app
from copilot_gateway.config import GatewaySettings
from fastapi.testclient import TestClient

SHOP = "https://shop.example"
OTHER_SITE = "https://other.example"
IDENTITY_SECRET = "identity-secret-that-is-long-enough-0123"


@contextmanager
def gateway(nats_url: str, **settings: Any) -> Iterator[TestClient]:
    configured = GatewaySettings(
        _env_file=None,  # type: ignore[call-arg]
        nats_url=nats_url,
        **{
            "site_keys": f"shop-key={SHOP},any-key",
            "allowed_origins": f"{SHOP},{OTHER_SITE}",
            **settings,
        },
    )
    with TestClient(build_app(configured)) as client:
        yield client


def new_session(client: TestClient, origin: str | None = SHOP, **body: Any) -> dict[str, Any]:
    headers = {"Origin": origin} if origin else {}
    created = client.post("/api/sessions", json={"site_key": "shop-key", **body}, headers=headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def bearer(token: str, origin: str | None = SHOP) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if origin:
        headers["Origin"] = origin
    return headers


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])
