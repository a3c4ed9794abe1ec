"""`copilot privacy delete` erases a visitor's data from the running system."""

import asyncio

import httpx
import nats
import pytest
from copilot_contracts import subjects
from nats.js.errors import KeyNotFoundError, NoKeysError

from tests.conftest import NatsForTests, wait_until
from tests.e2e.conftest import RunningSystem

pytestmark = pytest.mark.security
ORDER = "Order 1 bag of House Blend, whole bean. My name is Ada Lovelace, ada@example.com"


async def _stored(bus: NatsForTests, conversation_id: str, session_id: str) -> dict[str, int]:
    nc = await nats.connect(bus.url, **bus.login())
    js = nc.jetstream()
    found = {}
    for bucket in (
        subjects.CONVERSATIONS_BUCKET,
        subjects.HISTORY_BUCKET,
        subjects.WORKING_HISTORY_BUCKET,
    ):
        kv = await js.key_value(bucket)
        try:
            await kv.get(conversation_id)
            found[bucket] = 1
        except KeyNotFoundError:
            found[bucket] = 0
    for name, stream in (
        ("chat events", subjects.CHAT_EVENTS_STREAM),
        ("turn summaries", subjects.INSIGHTS_STREAM),
    ):
        kept = 0
        state = (await js.stream_info(stream)).state
        for sequence in range(state.first_seq, state.last_seq + 1):
            try:
                msg = await js.get_msg(stream, sequence)
            except Exception:
                continue
            kept += session_id.encode() in (msg.data or b"")
        found[name] = kept
    await nc.close()
    return found


async def _index_keys(bus: NatsForTests, session_id: str) -> list[str]:
    nc = await nats.connect(bus.url, **bus.login())
    try:
        transcripts = await nc.jetstream().key_value(subjects.HISTORY_BUCKET)
        try:
            return list(await transcripts.keys(filters=[f"session.{session_id}.*"]))
        except NoKeysError:
            return []
    finally:
        await nc.close()


def test_deleting_a_session_erases_its_conversations_feedback_and_order_contact(
    system: RunningSystem,
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        created = client.post("/api/sessions", json={"site_key": "demo-site-key", "consent": True})
        session_id, token = created.json()["session_id"], created.json()["token"]
        _, events = system.ask(client, token, ORDER)
        meta = events[0][1]
        order_id = next(data["action_id"] for kind, data in events if kind == "confirmation")
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/widget/opened", headers=auth).status_code == 202
        feedback = {"turn_id": meta["turn_id"], "rating": "up", "comment": "call +44 20 7946 0958"}
        wait_until(
            lambda: client.post("/api/feedback", json=feedback, headers=auth).status_code == 202
        )
        before = wait_until(
            lambda: (
                found
                if (
                    found := asyncio.run(_stored(system.nats, meta["conversation_id"], session_id))
                )["turn summaries"]
                else None
            )
        )
        assert before == {
            subjects.CONVERSATIONS_BUCKET: 1,
            subjects.HISTORY_BUCKET: 1,
            subjects.WORKING_HISTORY_BUCKET: 1,
            "chat events": 2,  # the widget's opening and the rating
            "turn summaries": 1,
        }

        erased = system.copilot("privacy", "delete", "--session", session_id)
        assert erased.returncode == 0, erased.stderr
        assert "Erased 1 conversation(s), 1 feedback event(s)" in erased.stdout
        assert "1 order(s); the session is revoked." in erased.stdout
        assert "session." not in str(asyncio.run(_index_keys(system.nats, session_id)))

        after = asyncio.run(_stored(system.nats, meta["conversation_id"], session_id))
        assert set(after.values()) == {0}
        revoked = client.post("/api/chat", json={"message": "hello"}, headers=auth)
        assert (revoked.status_code, revoked.json()["error"]["code"]) == (401, "token_revoked")
    shown = system.copilot("orders", "show", order_id)
    assert shown.returncode == 0, shown.stderr
    assert "ada@example.com" not in shown.stdout and "Ada Lovelace" not in shown.stdout
    assert "cancelled" in shown.stdout, "a pending order nobody can confirm any more ends"


def test_deleting_one_conversation_leaves_the_session_working(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        _, events = system.ask(client, token, "How should I store my coffee beans?")
        conversation_id = events[0][1]["conversation_id"]
        rating = {"turn_id": events[0][1]["turn_id"], "rating": "up"}
        auth = {"Authorization": f"Bearer {token}"}
        wait_until(
            lambda: client.post("/api/feedback", json=rating, headers=auth).status_code == 202
        )
        erased = system.copilot("privacy", "delete", "--conversation", conversation_id)
        assert erased.returncode == 0, erased.stderr
        assert "Erased 1 conversation(s), 1 feedback event(s)" in erased.stdout
        again = client.post(
            "/api/chat",
            json={"message": "and coffee grounds?", "conversation_id": conversation_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert again.status_code == 404, "the conversation is gone"
        assert system.ask(client, token, "Do you ship to Canada?")[1][-1][0] == "done"
