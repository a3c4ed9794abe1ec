"""One chat turn end to end: HTTP → gateway → NATS → orchestrator → tool services → SSE."""

import httpx
from copilot_contracts import subjects

from tests.conftest import wait_until
from tests.e2e.conftest import RunningSystem


def _types(events: list[tuple[str, dict[str, object]]]) -> list[str]:
    return [event for event, _ in events]


def test_docs_question_streams_a_cited_answer(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        headers, events = system.ask(client, token, "How should I store my coffee beans?")

    types = _types(events)
    assert types[0] == "meta" and types[-1] == "done"
    assert types.count("delta") >= 2, "the answer is streamed in pieces"
    assert ("tool", {"name": "searchDocs", "status": "succeeded"}) in events
    answer = "".join(str(data["text"]) for event, data in events if event == "delta")
    assert answer.startswith("Offline assistant")
    assert "[1]" in answer
    assert any(fact in answer.lower() for fact in ("airtight", "room temperature", "refrigerat"))
    citations = [data for event, data in events if event == "citation"]
    assert citations, "at least one citation"
    assert "storing-coffee-beans" in str(citations[0]["url"])
    assert all(c["title"] and c["snippet"] for c in citations)
    meta = events[0][1]
    assert meta["trace_id"] == headers["x-trace-id"]


def test_one_trace_spans_gateway_orchestrator_and_rag(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "What is the free shipping threshold?")
    trace_id = str(events[0][1]["trace_id"])
    turn_id = str(events[0][1]["turn_id"])

    def whole_tree() -> bool:
        # Spans arrive in batches as they end; wait until every parent has arrived too.
        spans = system.receiver.trace(trace_id)
        ids = {s.span_id for s in spans}
        services = {s.service for s in spans}
        complete = all(not s.parent_span_id or s.parent_span_id in ids for s in spans)
        return complete and {"gateway", "orchestrator", "rag"} <= services

    wait_until(whole_tree, timeout=15)
    spans = system.receiver.trace(trace_id)
    by_id = {s.span_id: s for s in spans}
    roots = [s for s in spans if not s.parent_span_id]
    assert [r.service for r in roots] == ["gateway"], "one root: the gateway's HTTP span"
    assert roots[0].name == "POST /api/chat"
    assert len(spans) < 60, "streamed text is coalesced, not a span per token"
    edges = {(by_id[s.parent_span_id].service, s.service) for s in spans if s.parent_span_id}
    assert ("gateway", "orchestrator") in edges
    assert ("orchestrator", "rag") in edges
    names = {s.name for s in spans}
    assert "execute_tool searchDocs" in names
    assert not [n for n in names if turn_id in n or "_INBOX." in n], "low-cardinality names"


def test_follow_up_turn_continues_the_conversation(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, first = system.ask(client, token, "Do you offer subscriptions?")
        conversation_id = str(first[0][1]["conversation_id"])
        _, second = system.ask(client, token, "How do I pause it?", conversation_id)
    assert second[0][1]["conversation_id"] == conversation_id
    assert _types(second)[-1] == "done"


def test_order_request_asks_for_confirmation(system: RunningSystem) -> None:
    message = (
        "I'd like to order 2 bags of House Blend, whole bean. "
        "My name is Ada Lovelace, ada@example.com"
    )
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, message)
    confirmations = [data for event, data in events if event == "confirmation"]
    assert len(confirmations) == 1
    assert "House Blend" in str(confirmations[0]["summary"])
    assert str(confirmations[0]["action_id"]).startswith("EO-")
    assert _types(events)[-1] == "done"


def test_a_bug_report_is_filed_only_when_the_visitor_sends_it(system: RunningSystem) -> None:
    recorded = system.data_dir / "github-dry-run.jsonl"
    message = "The checkout page is broken, it shows an error page"
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        auth = {"Authorization": f"Bearer {token}"}
        _, events = system.ask(client, token, message)
        assert ("tool", {"name": "createGithubIssue", "status": "succeeded"}) in events
        [report] = [data for event, data in events if event == "confirmation"]
        assert report["kind"] == "issue" and str(report["action_id"]).startswith("GH-")
        assert not recorded.exists() or message not in recorded.read_text()
        action = f"/api/actions/{report['action_id']}"
        assert client.get(action, headers=auth).json()["status"] == "pending_confirmation"
        other = {"Authorization": f"Bearer {system.session_token(client)}"}
        assert client.post(f"{action}/confirm", headers=other).status_code == 404
        sent = client.post(f"{action}/confirm", headers=auth)
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "filed" and "recorded" in sent.json()["message"]
        assert client.post(f"{action}/confirm", headers=auth).status_code == 409
    assert "checkout page is broken" in recorded.read_text()


def test_a_report_the_visitor_cancels_is_never_filed(system: RunningSystem) -> None:
    message = "Feedback: it would be nice to see roast dates on the product pages"
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, message)
        [report] = [data for event, data in events if event == "confirmation"]
        cancel = f"/api/actions/{report['action_id']}/cancel"
        cancelled = client.post(cancel, headers={"Authorization": f"Bearer {token}"})
        assert cancelled.json()["status"] == "cancelled"
    recorded = system.data_dir / "github-dry-run.jsonl"
    assert not recorded.exists() or "roast dates" not in recorded.read_text()


def test_client_that_leaves_mid_stream_leaves_no_subscription(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        headers = {"Authorization": f"Bearer {token}"}
        body = {"message": "Tell me about cold brew"}
        with client.stream("POST", "/api/chat", json=body, headers=headers) as response:
            first_line = next(response.iter_lines())
            assert first_line.startswith("event: meta")
        # Leaving the `with` closed the connection before the turn's end was read.

    def turn_subscriptions() -> list[str]:
        subsz = httpx.get(f"{system.nats.monitor_url}/subsz", params={"subs": 1}).json()
        return [
            s["subject"]
            for s in subsz.get("subscriptions_list", [])
            if s["subject"].startswith("copilot.v1.chat.turn.")
            and s["subject"].endswith(".events")
            # The stream that keeps every turn's events for a while listens to them all.
            and s["subject"] != subjects.CHAT_TURN_EVENTS_WILDCARD
        ]

    wait_until(lambda: not turn_subscriptions(), timeout=10)


def test_feedback_is_taken_only_on_the_sessions_own_answers(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "Do you roast decaf?")
        turn_id = events[0][1]["turn_id"]
        mine = {"Authorization": f"Bearer {token}"}
        theirs = {"Authorization": f"Bearer {system.session_token(client)}"}
        rating = {"turn_id": turn_id, "rating": "down", "comment": "too short"}

        def given(headers: dict[str, str]) -> int:
            return client.post("/api/feedback", json=rating, headers=headers).status_code

        wait_until(lambda: given(mine) == 202, timeout=10)
        assert given(theirs) == 404
