"""What an SRE sees: one trace per turn from the HTTP request to the database row, and the
checklist's metrics on every service's /metrics."""

import httpx

from tests.conftest import wait_until
from tests.e2e.conftest import RunningSystem

ORDER = "Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, ada@example.com"


def test_an_order_turn_is_one_trace_from_the_gateway_to_the_database(
    system: RunningSystem,
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        headers, _ = system.ask(client, token, ORDER)
    trace_id = headers["x-trace-id"]

    def with_database_spans() -> bool:
        spans = system.receiver.trace(trace_id)
        ids = {s.span_id for s in spans}
        complete = all(not s.parent_span_id or s.parent_span_id in ids for s in spans)
        return complete and any("db.system" in s.attributes for s in spans)

    wait_until(with_database_spans, timeout=15)
    spans = system.receiver.trace(trace_id)
    by_id = {s.span_id: s for s in spans}
    [root] = [s for s in spans if not s.parent_span_id]
    assert (root.service, root.name) == ("gateway", "POST /api/chat")
    database = [s for s in spans if "db.system" in s.attributes]
    assert {s.service for s in database} == {"orders"}
    for span in database:  # every statement's chain of parents leads to the visitor's request
        chain = [span]
        while chain[-1].parent_span_id:
            chain.append(by_id[chain[-1].parent_span_id])
        assert chain[-1] is root
        assert {"orders", "orchestrator", "gateway"} <= {s.service for s in chain}
    assert not [s for s in database if "ada@example.com" in str(s.attributes)]


def _metrics(url: str) -> str:
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_every_service_exposes_the_checklist_metrics(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "How should I store my coffee beans?")
        turn_id = events[0][1]["turn_id"]
        feedback = {"turn_id": turn_id, "rating": "up"}
        auth = {"Authorization": f"Bearer {token}"}
        wait_until(lambda: client.post("/api/feedback", json=feedback, headers=auth).is_success)
    ports = system.group.ports
    expected = {
        "gateway": [
            'chat_requests_total{status="ok"}',
            "chat_response_seconds_bucket",
            "active_chat_sessions",
            'feedback_total{rating="up"}',
        ],
        "orchestrator": [
            'tool_calls_total{status="ok",tool="searchDocs"}',
            "llm_tokens_total",
            "llm_cost_usd_total",
            "llm_spend_today_usd",
            'nats_consumer_pending{consumer="orchestrator"',
        ],
        "rag": ["vector_search_seconds_bucket", 'nats_consumer_pending{consumer="rag-reindex"'],
        "orders": ["db_pool_connections", 'nats_consumer_pending{consumer="orders-create"'],
        "github": ['nats_consumer_pending{consumer="github-issues"'],
    }

    def all_reported() -> bool:
        texts = {name: _metrics(f"http://127.0.0.1:{ports[name]}") for name in expected}
        return all(m in texts[name] for name, ms in expected.items() for m in ms)

    wait_until(all_reported, timeout=40, every=1.0)  # consumer lag is polled every 15 s
