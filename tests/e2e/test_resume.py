"""A visitor whose answer was cut off by a gateway that died resumes it from the restarted
gateway (or any other replica): the rest of the answer, nothing twice, nothing missing."""

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from copilot_orchestrator.coordinator import CANCELLED

from tests.conftest import own_nats_server
from tests.e2e.conftest import RunningSystem, running_system
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.scripted_llm import Reply, ScriptedLLM, ToolCall
from tests.support.sse import read_events

ANSWER = (
    "Keep whole beans in an airtight, opaque container at room temperature, away from heat, "
    "light and moisture. Grind them just before brewing, and buy what you will use within "
    "two to four weeks of the roast date for the best flavour [1]."
)


def _model(body: dict[str, Any]) -> Reply:
    """Searches the docs, then streams the answer slowly enough to be cut in the middle."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return Reply.say(ANSWER, tokens_per_s=8)
    return Reply.tools(ToolCall("searchDocs", {"query": last["content"]}))


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = Path(tmp_path_factory.mktemp("resume-system"))
    with (
        ScriptedLLM(_model) as llm,
        own_nats_server(data_dir) as nats,
        OtlpReceiver() as receiver,
        running_system(
            nats,
            data_dir,
            receiver,
            LLM_PROVIDER="openai",
            OPENAI_API_KEY="sk-test-not-a-real-key",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_MODEL=llm.model,
        ) as running,
    ):
        yield running


def _kill_gateway(system: RunningSystem) -> Callable[[str], None]:
    def kill(turn_id: str) -> None:
        gateway = system.group.processes["gateway"]
        gateway.send_signal(signal.SIGKILL)
        gateway.wait(timeout=10)

    return kill


def _restart_gateway(system: RunningSystem) -> None:
    system.group.start("gateway", str(system.data_dir / "gateway.log"))
    system.group.wait_ready("gateway", 60)


def _resume(
    client: httpx.Client, token: str, turn_id: str, last_event_id: str | None
) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
    headers = {"Authorization": f"Bearer {token}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    url = f"/api/chat/turns/{turn_id}/events"
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            response.read()
            return response.status_code, [("error", response.json()["error"])]
        return 200, list(read_events(response))


def _first_events(
    client: httpx.Client, token: str, then: Callable[[str], None] = lambda turn_id: None
) -> tuple[str, str, str]:
    """Ask, and read up to the first piece of the answer: the turn's id, that piece's event
    id and its text. `then(turn_id)` runs while the stream is still open (leaving it
    cancels the turn: the visitor went away)."""
    body = {"message": "How should I store my coffee beans?"}
    headers = {"Authorization": f"Bearer {token}"}
    with client.stream("POST", "/api/chat", json=body, headers=headers) as response:
        turn_id, event, last_id = "", "", ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("id:"):
                last_id = line[3:].strip()
            elif line.startswith("data:") and event == "meta":
                turn_id = json.loads(line[5:])["turn_id"]
            elif line.startswith("data:") and event == "delta":
                then(turn_id)
                return turn_id, last_id, json.loads(line[5:])["text"]
    raise AssertionError("the answer never started")


def test_an_answer_cut_by_a_gateway_crash_is_resumed_after_its_restart(
    system: RunningSystem,
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        turn_id, last_id, first_piece = _first_events(client, token, then=_kill_gateway(system))
        _restart_gateway(system)
        status, rest = _resume(client, token, turn_id, last_id)
    assert status == 200
    assert rest[-1][0] == "done", rest
    assert "meta" not in [event for event, _ in rest]
    text = first_piece + "".join(str(data["text"]) for event, data in rest if event == "delta")
    assert text == ANSWER
    assert [event for event, _ in rest].count("citation") == 1


def test_a_turn_resumes_only_for_its_own_session(system: RunningSystem) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        turn_id, _, _ = _first_events(client, token)
        someone_else = system.session_token(client)
        status, events = _resume(client, someone_else, turn_id, None)
        assert (status, events[0][1]["code"]) == (404, "turn_not_found")
        unknown, _ = _resume(client, token, "0" * 32, None)
        assert unknown == 404
        malformed, _ = _resume(client, token, "not-a-turn", None)
        assert malformed == 422


def test_resuming_from_the_start_replays_the_whole_answer(system: RunningSystem) -> None:
    resumed: list[list[tuple[str, dict[str, Any]]]] = []
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)

        def resume_elsewhere(turn_id: str) -> None:  # the first connection is still open
            with httpx.Client(base_url=system.gateway_url, timeout=30) as other:
                status, events = _resume(other, token, turn_id, None)
                assert status == 200
                resumed.append(events)

        _first_events(client, token, then=resume_elsewhere)
    [events] = resumed
    assert events[-1][0] == "done"
    assert "".join(str(data["text"]) for event, data in events if event == "delta") == ANSWER


def test_a_turn_its_visitor_left_ends_with_an_error_for_a_later_resume(
    system: RunningSystem,
) -> None:
    with httpx.Client(base_url=system.gateway_url, timeout=30) as client:
        token = system.session_token(client)
        turn_id, last_id, _ = _first_events(client, token)  # and left: the turn is cancelled
        status, events = _resume(client, token, turn_id, last_id)
    assert status == 200
    assert events[-1] == ("error", {"code": "cancelled", "message": CANCELLED})
