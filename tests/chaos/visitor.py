"""One visitor of the chaos load, doing over plain HTTP what the widget does: a connection
that fails before the turn began is sent again, with the same request id, once the gateway
answers; a stream cut off
after it began is resumed from the last event seen (`GET /api/chat/turns/{id}/events` with
`Last-Event-ID`); Confirm is pressed again after a lost answer or a 503."""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_PAUSE_S = 0.5
ERROR_BOUND_S = 30.0
ALREADY_DONE = ("already_confirmed", "already_decided")


@dataclass
class TurnRecord:
    visitor: int
    kind: str  # docs | order | report
    key: str  # unique to this turn, across resends: v<visitor>t<n>
    started: float
    outcome: str = "lost"  # completed | failed | lost
    seconds: float = 0.0
    error_code: str | None = None
    turn_id: str | None = None
    conversation_id: str | None = None
    resumed: int = 0
    resent: int = 0
    tool_failures: list[str] = field(default_factory=list)
    action_id: str | None = None
    decision: str | None = None  # confirmed | filed | failed:<code> | unknown
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def failed_cleanly(self) -> bool:
        return self.outcome == "failed" and self.seconds <= ERROR_BOUND_S


class StreamCut(Exception):
    """The event stream ended (connection dropped) before `done` or `error`."""


def read_sse(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(event, data, id) for each Server-Sent Event, as a browser's parser would see them."""
    event, data, event_id = "message", "", None
    for line in response.iter_lines():
        if not line:
            if data:
                yield event, json.loads(data), event_id
            event, data, event_id = "message", "", None
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line.startswith("id:"):
            event_id = line[3:].strip()


class Visitor:
    def __init__(self, number: int, base_url: str, lost_after_s: float) -> None:
        self.number = number
        self.lost_after_s = lost_after_s
        self.client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=30.0))
        self.token: str | None = None
        self.session_ids: list[str] = []

    def close(self) -> None:
        self.client.close()

    def _auth(self, deadline: float) -> dict[str, str]:
        while self.token is None and time.monotonic() < deadline:
            try:
                created = self.client.post("/api/sessions", json={"site_key": "demo-site-key"})
            except httpx.TransportError:
                time.sleep(RETRY_PAUSE_S)
                continue
            if created.status_code == 201:
                self.token = str(created.json()["token"])
                self.session_ids.append(str(created.json()["session_id"]))
            else:
                time.sleep(RETRY_PAUSE_S)
        return {"Authorization": f"Bearer {self.token}"}

    def turn(self, turn: TurnRecord, message: str) -> TurnRecord:
        deadline = turn.started + self.lost_after_s
        last_id: str | None = None
        while time.monotonic() < deadline:
            try:
                if turn.turn_id is None:
                    last_id = self._ask(turn, message, deadline)
                else:
                    last_id = self._resume(turn, last_id)
                return turn
            except (httpx.TransportError, StreamCut) as exc:
                if turn.turn_id is None:
                    turn.resent += 1
                elif not isinstance(exc, httpx.ConnectError):
                    turn.resumed += 1
                time.sleep(RETRY_PAUSE_S)
        return turn  # lost: neither `done` nor `error` by the deadline

    def _ask(self, turn: TurnRecord, message: str, deadline: float) -> str | None:
        body = {"message": message, "request_id": turn.request_id}
        with self.client.stream(
            "POST", "/api/chat", json=body, headers=self._auth(deadline)
        ) as response:
            if response.status_code != 200:
                self._refused(turn, response)
                return None
            return self._follow(turn, response, None)

    def _resume(self, turn: TurnRecord, last_id: str | None) -> str | None:
        headers = self._auth(time.monotonic() + 10)
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        url = f"/api/chat/turns/{turn.turn_id}/events"
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code >= 500 or response.status_code == 429:
                response.read()
                raise StreamCut("not resumable yet")  # as the widget does: try again
            if response.status_code != 200:
                self._refused(turn, response)
                return last_id
            return self._follow(turn, response, last_id)

    def _refused(self, turn: TurnRecord, response: httpx.Response) -> None:
        """An HTTP error instead of a stream: a clear error for the visitor, unless the token
        must be renewed (then the caller tries again)."""
        response.read()
        if response.status_code == 401:
            self.token = None
            raise StreamCut("token refused")
        try:
            code = str(response.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            code = f"http_{response.status_code}"
        self._ended(turn, "failed", code)

    def _follow(
        self, turn: TurnRecord, response: httpx.Response, last_id: str | None
    ) -> str | None:
        for event, data, event_id in read_sse(response):
            last_id = event_id or last_id
            if event == "meta":
                turn.turn_id = str(data["turn_id"])
                turn.conversation_id = str(data["conversation_id"])
            elif event == "tool" and data.get("status") == "failed":
                turn.tool_failures.append(str(data["name"]))
            elif event == "confirmation":
                turn.action_id = str(data["action_id"])
            elif event == "done":
                self._ended(turn, "completed", None)
                return last_id
            elif event == "error":
                self._ended(turn, "failed", str(data["code"]))
                return last_id
        raise StreamCut(turn.turn_id)

    @staticmethod
    def _ended(turn: TurnRecord, outcome: str, code: str | None) -> None:
        turn.outcome = outcome
        turn.error_code = code
        turn.seconds = time.monotonic() - turn.started

    def decide(self, turn: TurnRecord, within_s: float) -> None:
        """Press Confirm (Send report) until the visitor has an answer that says where the
        order or report stands."""
        deadline = time.monotonic() + within_s
        action = f"/api/actions/{turn.action_id}"
        retried = False  # an earlier press may have been applied without its answer arriving
        turn.decision = "unknown"
        while time.monotonic() < deadline:
            try:
                answer = self.client.post(f"{action}/confirm", headers=self._auth(deadline))
            except httpx.TransportError:
                retried = True
                time.sleep(RETRY_PAUSE_S)
                continue
            code = answer.json().get("error", {}).get("code") if answer.status_code >= 400 else None
            if answer.status_code == 200:
                turn.decision = str(answer.json()["status"])
                return
            if answer.status_code == 202 or (retried and code in ALREADY_DONE):
                turn.decision = self._settled(action, deadline)
                return
            if answer.status_code == 401:
                self.token = None
            elif answer.status_code not in (502, 503):
                turn.decision = f"failed:{code}"
                return
            retried = True
            time.sleep(RETRY_PAUSE_S)

    def _settled(self, action: str, deadline: float) -> str:
        while time.monotonic() < deadline:
            try:
                status = self.client.get(action, headers=self._auth(deadline))
            except httpx.TransportError:
                time.sleep(RETRY_PAUSE_S)
                continue
            if status.status_code == 200 and status.json()["status"] != "processing":
                return str(status.json()["status"])
            time.sleep(RETRY_PAUSE_S)
        return "unknown"
