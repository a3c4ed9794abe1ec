"""What the widget tells besides questions: that it was opened (once per session, for the
insights), and the visitor's change of mind on consent, which keeps the session."""

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import nats
import pytest
from copilot_contracts import subjects
from copilot_gateway.domain.sessions import SessionIssuer
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import SHOP, bearer, error_code, gateway, new_session

SECRET = "session-secret-for-the-visit-tests-0123456789"


@pytest.fixture(scope="module")
def client(private_nats_url: str) -> Iterator[TestClient]:
    with gateway(private_nats_url, session_secret=SECRET) as test_client:
        yield test_client


def opened_sessions(nats_url: str) -> list[str]:
    async def read() -> list[str]:
        connection = await nats.connect(nats_url)
        js = connection.jetstream()
        consumer = await js.pull_subscribe(
            subjects.CHAT_WIDGET_OPENED, stream=subjects.CHAT_EVENTS_STREAM
        )
        found: list[str] = []
        try:
            while True:
                for msg in await consumer.fetch(10, timeout=0.5):
                    found.append(json.loads(msg.data)["session_id"])
                    await msg.ack()
        except nats.errors.TimeoutError:
            pass
        await connection.close()
        return found

    return asyncio.run(read())


def test_an_opened_widget_is_recorded_once_per_session(
    client: TestClient, private_nats_url: str
) -> None:
    first, second = new_session(client), new_session(client)
    for token in (first["token"], first["token"], second["token"]):
        told = client.post("/api/widget/opened", headers=bearer(token))
        assert told.status_code == 202, told.text
    assert sorted(opened_sessions(private_nats_url)) == sorted(
        [first["session_id"], second["session_id"]]
    )
    refused = client.post("/api/widget/opened", headers={"Origin": SHOP})
    assert (refused.status_code, error_code(refused)) == (401, "missing_token")


def test_a_change_of_consent_keeps_the_session_and_retires_the_token(
    client: TestClient,
) -> None:
    issuer = SessionIssuer(SECRET, timedelta(minutes=30), {"shop-key": frozenset({SHOP})})
    started = new_session(client)
    assert issuer.verify(started["token"], SHOP).consent is False
    given = client.post(
        "/api/sessions/consent", json={"consent": True}, headers=bearer(started["token"])
    )
    assert given.status_code == 200, given.text
    assert given.json()["session_id"] == started["session_id"]
    assert issuer.verify(given.json()["token"], SHOP).consent is True
    replayed = client.post(
        "/api/sessions/consent", json={"consent": True}, headers=bearer(started["token"])
    )
    assert (replayed.status_code, error_code(replayed)) == (401, "token_revoked")
    withdrawn = client.post(
        "/api/sessions/consent", json={"consent": False}, headers=bearer(given.json()["token"])
    )
    assert issuer.verify(withdrawn.json()["token"], SHOP).consent is False


def test_a_consent_change_must_say_what_the_choice_is(client: TestClient) -> None:
    token = new_session(client)["token"]
    missing = client.post("/api/sessions/consent", json={}, headers=bearer(token))
    assert missing.status_code == 422
    form = client.post("/api/sessions/consent", data={"consent": "1"}, headers=bearer(token))
    assert (form.status_code, error_code(form)) == (415, "unsupported_media_type")
