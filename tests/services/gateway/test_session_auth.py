"""Widget auth: site keys bound to origins, short-lived signed tokens renewed once, and
optional verified visitor identity. Attack cases: expired, tampered, wrong-origin, replayed."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from copilot_gateway.domain.identity import sign_identity
from copilot_gateway.domain.sessions import SessionIssuer
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import (
    IDENTITY_SECRET,
    OTHER_SITE,
    SHOP,
    bearer,
    error_code,
    gateway,
    new_session,
)

pytestmark = pytest.mark.security
SECRET = "session-secret-for-the-auth-tests-0123456789"


@pytest.fixture(scope="module")
def client(private_nats_url: str) -> Iterator[TestClient]:
    with gateway(
        private_nats_url, session_secret=SECRET, identity_secret=IDENTITY_SECRET
    ) as test_client:
        yield test_client


# Feedback on an unknown answer: 404 once the session is accepted, 401/403 when it is not.
ACCEPTED = 404


def feedback(client: TestClient, headers: dict[str, str]) -> int:
    body = {"turn_id": "a" * 32, "rating": "up"}
    return client.post("/api/feedback", json=body, headers=headers).status_code


def test_a_session_from_the_bound_origin_authorises_requests(client: TestClient) -> None:
    token = new_session(client)["token"]
    assert feedback(client, bearer(token)) == ACCEPTED


def test_a_site_key_used_from_another_origin_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": OTHER_SITE}
    )
    assert (response.status_code, error_code(response)) == (403, "origin_not_allowed")
    unknown = client.post("/api/sessions", json={"site_key": "nope"}, headers={"Origin": SHOP})
    assert (unknown.status_code, error_code(unknown)) == (403, "unknown_site_key")


def test_a_token_sent_from_another_origin_is_refused(client: TestClient) -> None:
    token = new_session(client)["token"]
    response = client.post(
        "/api/feedback",
        json={"turn_id": "a" * 32, "rating": "up"},
        headers=bearer(token, OTHER_SITE),
    )
    assert (response.status_code, error_code(response)) == (403, "origin_mismatch")


def test_an_expired_token_is_refused(client: TestClient) -> None:
    issuer = SessionIssuer(SECRET, timedelta(minutes=30), {"shop-key": frozenset({SHOP})})
    _, token = issuer.issue("shop-key", SHOP, now=datetime.now(UTC) - timedelta(hours=1))
    response = client.post("/api/chat", json={"message": "hi"}, headers=bearer(token))
    assert (response.status_code, error_code(response)) == (401, "token_expired")


def test_a_tampered_or_foreign_token_is_refused(client: TestClient) -> None:
    token = new_session(client)["token"]
    header, claims, signature = token.split(".")
    forged = SessionIssuer("x" * 40, timedelta(minutes=30), {"shop-key": frozenset({SHOP})})
    for bad in (f"{header}.{claims}x.{signature}", forged.issue("shop-key", SHOP)[1], "abc"):
        response = client.post("/api/chat", json={"message": "hi"}, headers=bearer(bad))
        assert (response.status_code, error_code(response)) == (401, "invalid_token")


def test_a_token_renews_once_and_a_replay_of_it_is_refused(client: TestClient) -> None:
    first = new_session(client)
    renewed = client.post("/api/sessions/refresh", headers=bearer(first["token"]))
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["session_id"] == first["session_id"]
    replayed = client.post("/api/sessions/refresh", headers=bearer(first["token"]))
    assert (replayed.status_code, error_code(replayed)) == (401, "token_revoked")
    assert feedback(client, bearer(first["token"])) == 401
    assert feedback(client, bearer(renewed.json()["token"])) == ACCEPTED


def test_a_verified_visitor_identity_is_accepted(client: TestClient) -> None:
    issued_at = int(time.time())
    identity = {
        "user_id": "customer-42",
        "issued_at": issued_at,
        "user_hash": sign_identity(IDENTITY_SECRET, "customer-42", issued_at),
    }
    assert new_session(client, identity=identity)["token"]


@pytest.mark.parametrize(
    ("user_id", "age_s", "secret", "code"),
    [
        ("customer-43", 0, IDENTITY_SECRET, "identity_invalid"),  # hash of another user
        ("customer-42", 0, "y" * 40, "identity_invalid"),  # signed with another secret
        ("customer-42", 3600, IDENTITY_SECRET, "identity_expired"),  # an old page, replayed
    ],
)
def test_a_forged_or_replayed_identity_is_refused(
    client: TestClient, user_id: str, age_s: int, secret: str, code: str
) -> None:
    issued_at = int(time.time()) - age_s
    identity = {
        "user_id": user_id,
        "issued_at": issued_at,
        "user_hash": sign_identity(secret, "customer-42", issued_at),
    }
    response = client.post(
        "/api/sessions",
        json={"site_key": "shop-key", "identity": identity},
        headers={"Origin": SHOP},
    )
    assert (response.status_code, error_code(response)) == (403, code)


def test_no_cookie_is_ever_set_so_cross_site_requests_carry_no_credentials(
    client: TestClient,
) -> None:
    created = client.post("/api/sessions", json={"site_key": "shop-key"}, headers={"Origin": SHOP})
    assert "set-cookie" not in created.headers
    # A cross-site form post cannot send JSON: it is refused before anything happens.
    form = client.post("/api/sessions", data={"site_key": "shop-key"}, headers={"Origin": SHOP})
    assert (form.status_code, error_code(form)) == (415, "unsupported_media_type")
