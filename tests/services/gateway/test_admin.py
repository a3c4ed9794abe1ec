"""The staff endpoints take a staff key and refuse a visitor's token."""

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import nats
import pytest
from copilot_contracts import subjects
from copilot_contracts.insights import FiguresView, InsightsReport, Share
from copilot_contracts.replies import ErrorReply
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import bearer, error_code, gateway, new_session

pytestmark = pytest.mark.security
STAFF_KEY = "staff-key-that-is-long-enough-0123456789"
EMPTY = Share(hits=0, total=0)
REFUSED_VARIANT = "from-a-newer-gateway"


def report() -> InsightsReport:
    figures = FiguresView(
        conversations=3,
        turns=4,
        satisfaction=Share(hits=1, total=2, rate=0.5, low=0.1, high=0.9),
        order_conversion=EMPTY,
        deflection=EMPTY,
        unanswered=1,
        unanswered_questions=["<script>alert('x')</script> do you sell tea?"],
    )
    now = datetime.now(UTC)
    return InsightsReport(since=now, until=now, overall=figures)


@pytest.fixture(scope="module")
def insights(private_nats_url: str) -> Iterator[None]:
    """A stand-in insights service answering report queries on the bus."""
    ready, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        connection = await nats.connect(private_nats_url)

        async def answer(msg: nats.aio.msg.Msg) -> None:
            if json.loads(msg.data).get("variant") == REFUSED_VARIANT:
                refusal = ErrorReply.of("invalid_request", "variant: not known to this version")
                await msg.respond(refusal.model_dump_json().encode())
                return
            await msg.respond(report().model_dump_json().encode())

        await connection.subscribe(subjects.INSIGHTS_REPORT_QUERY, cb=answer)
        await connection.flush()
        ready.set()
        await asyncio.to_thread(stop.wait)
        await connection.close()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    ready.wait(10)
    yield
    stop.set()
    thread.join(10)


@pytest.fixture(scope="module")
def client(private_nats_url: str, insights: None) -> Iterator[TestClient]:
    with gateway(private_nats_url, staff_api_keys=STAFF_KEY) as test_client:
        yield test_client


def test_a_staff_key_gets_the_report(client: TestClient) -> None:
    response = client.get("/api/admin/insights?days=30", headers=bearer(STAFF_KEY, None))
    assert response.status_code == 200, response.text
    assert response.json()["overall"]["conversations"] == 3


def test_a_visitor_token_is_refused(client: TestClient) -> None:
    token = new_session(client)["token"]
    response = client.get("/api/admin/insights", headers=bearer(token))
    assert (response.status_code, error_code(response)) == (403, "staff_only")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-key"}])
def test_no_key_or_a_wrong_one_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/admin/insights", headers=headers)
    assert response.status_code in (401, 403)
    assert error_code(response) in ("missing_token", "staff_only")


def test_a_bad_period_is_a_clear_error(client: TestClient) -> None:
    response = client.get("/api/admin/insights?days=0", headers=bearer(STAFF_KEY, None))
    assert (response.status_code, error_code(response)) == (422, "invalid_request")


def test_a_query_the_insights_service_refuses_shows_its_error(client: TestClient) -> None:
    response = client.get(
        f"/api/admin/insights?variant={REFUSED_VARIANT}", headers=bearer(STAFF_KEY, None)
    )
    assert (response.status_code, error_code(response)) == (422, "invalid_request")
    assert "variant: not known to this version" in response.json()["error"]["message"]


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_the_staff_page_opens_with_the_key_as_basic_password(client: TestClient) -> None:
    response = client.get("/admin/insights?days=30", headers=basic("staff", STAFF_KEY))
    assert response.status_code == 200, response.text
    page = response.text
    assert "Insights, last 30 days" in page and "50% of 2" in page
    assert "<svg" in page and "<script>" not in page  # visitors' words are escaped
    assert "&lt;script&gt;" in page
    assert response.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("password", ["", "wrong-key", "visitor-token"])
def test_the_staff_page_asks_for_the_key(client: TestClient, password: str) -> None:
    if password == "visitor-token":
        password = new_session(client)["token"]
    headers = basic("staff", password) if password else {}
    response = client.get("/admin/insights", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
