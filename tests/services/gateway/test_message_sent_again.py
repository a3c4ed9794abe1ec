"""A message sent again with its request id (its stream was cut before `meta`, say by a
gateway that restarted) is answered by the turn it started, never by a second turn."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import nats
from copilot_contracts import subjects
from copilot_contracts.chat import DeltaEvent, DoneEvent, TurnEventPublished, TurnRecord
from copilot_gateway.turns import turn_id_for
from fastapi.testclient import TestClient

from tests.services.gateway.gateway_client import bearer, gateway, new_session


def _waiting_turns(url: str) -> int:
    async def count() -> int:
        connection = await nats.connect(url)
        try:
            info = await connection.jetstream().stream_info(subjects.CHAT_TURNS_STREAM)
            return int(info.state.messages)
        finally:
            await connection.close()

    return asyncio.run(count())


def _answer(url: str, conversation_id: str, turn_id: str) -> None:
    """What the orchestrator would send: a piece of the answer, then its end."""

    async def send() -> None:
        connection = await nats.connect(url)
        try:
            for seq, event in enumerate([DeltaEvent(text="Our beans ship daily."), DoneEvent()]):
                published = TurnEventPublished(
                    conversation_id=conversation_id, turn_id=turn_id, seq=seq + 1, event=event
                )
                subject = subjects.chat_turn_events(turn_id)
                # Through JetStream: kept (acknowledged) before the next request reads them.
                await connection.jetstream().publish(subject, published.model_dump_json().encode())
        finally:
            await connection.close()

    asyncio.run(send())


def _ask(
    client: TestClient, url: str, token: str, request_id: str, answer: bool
) -> list[tuple[str, dict[str, Any]]]:
    """The turn's events; with `answer`, the turn is answered once its `meta` arrived."""
    events: list[tuple[str, dict[str, Any]]] = []
    body = {"message": "When do you ship?", "request_id": request_id}
    with client.stream("POST", "/api/chat", json=body, headers=bearer(token)) as response:
        assert response.status_code == 200, response.read()
        kind = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
                events.append((kind, data))
                if kind == "meta" and answer:
                    _answer(url, data["conversation_id"], data["turn_id"])
                if kind in ("done", "error"):
                    break
    return events


def test_a_message_sent_again_follows_the_turn_it_started(private_nats_url: str) -> None:
    with gateway(private_nats_url, turn_timeout_s=30) as client:
        session = new_session(client)
        request_id = uuid.uuid4().hex
        before = _waiting_turns(private_nats_url)

        first = _ask(client, private_nats_url, session["token"], request_id, answer=True)
        again = _ask(client, private_nats_url, session["token"], request_id, answer=False)

        turn_id = turn_id_for(session["session_id"], request_id)
        assert [kind for kind, _ in first] == ["meta", "delta", "done"]
        assert first[0][1]["turn_id"] == turn_id
        assert again[0] == ("meta", {**first[0][1], "trace_id": again[0][1]["trace_id"]})
        assert [kind for kind, _ in again] == ["meta", "delta", "done"], "replayed from the start"
        assert again[1][1]["text"] == "Our beans ship daily."
        assert _waiting_turns(private_nats_url) == before + 1, "published again, taken once"

        other = new_session(client)
        elsewhere = _ask(client, private_nats_url, other["token"], request_id, answer=True)
        assert elsewhere[0][1]["turn_id"] != turn_id, "a request id is the session's own"
        fresh = _ask(client, private_nats_url, session["token"], uuid.uuid4().hex, answer=True)
        assert fresh[0][1]["turn_id"] != turn_id
        assert _waiting_turns(private_nats_url) == before + 3


def test_a_malformed_request_id_is_refused(private_nats_url: str) -> None:
    with gateway(private_nats_url) as client:
        session = new_session(client)
        body = {"message": "Hello", "request_id": "not valid!"}
        response = client.post("/api/chat", json=body, headers=bearer(session["token"]))
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_request"


def test_a_turn_recorded_but_never_published_is_published_when_sent_again(
    private_nats_url: str,
) -> None:
    """The first attempt's gateway died between recording the turn and publishing it."""
    with gateway(private_nats_url, turn_timeout_s=30) as client:
        session = new_session(client)
        request_id = uuid.uuid4().hex
        turn_id = turn_id_for(session["session_id"], request_id)
        conversation_id = uuid.uuid4().hex
        _record(private_nats_url, turn_id, conversation_id, session["session_id"])
        before = _waiting_turns(private_nats_url)

        events = _ask(client, private_nats_url, session["token"], request_id, answer=True)

        assert events[0][1]["turn_id"] == turn_id
        assert events[0][1]["conversation_id"] == conversation_id, "the recorded conversation"
        assert [kind for kind, _ in events] == ["meta", "delta", "done"]
        assert _waiting_turns(private_nats_url) == before + 1, "published this time"


def _record(url: str, turn_id: str, conversation_id: str, session_id: str) -> None:
    async def write() -> None:
        connection = await nats.connect(url)
        try:
            bucket = await connection.jetstream().key_value(subjects.CONVERSATIONS_BUCKET)
            record = TurnRecord(
                turn_id=turn_id,
                conversation_id=conversation_id,
                session_id=session_id,
                deadline=datetime.now(UTC) + timedelta(seconds=30),
            )
            await bucket.create(f"turn.{turn_id}", record.model_dump_json().encode())
        finally:
            await connection.close()

    asyncio.run(write())
