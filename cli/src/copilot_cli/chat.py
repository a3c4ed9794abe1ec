"""A terminal client for the gateway: `copilot chat "question"`, or a conversation.

With a message, one turn; without one, a conversation read line by line from the terminal.
A prepared order is confirmed or cancelled with --confirm / --cancel, or by answering the
prompt when the terminal is interactive."""

import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, Literal, TextIO

import httpx

Decision = Literal["confirm", "cancel"]
Decide = Callable[[dict[str, Any]], Decision | None]


def _events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    event, data = "message", ""
    for line in response.iter_lines():
        if not line:
            if data:
                yield event, json.loads(data)
            event, data = "message", ""
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error['message']} ({error['code']}, HTTP {response.status_code})"
    except (ValueError, KeyError):
        return f"HTTP {response.status_code}"


class ChatError(Exception):
    pass


class Conversation:
    def __init__(self, client: httpx.Client, site_key: str, out: TextIO) -> None:
        self.client = client
        self.out = out
        created = client.post("/api/sessions", json={"site_key": site_key})
        if created.status_code != 201:
            raise ChatError(f"Could not start a session: {_error_message(created)}")
        self.headers = {"Authorization": f"Bearer {created.json()['token']}"}
        self.conversation_id: str | None = None

    def ask(self, message: str, decide: Decide) -> None:
        body: dict[str, Any] = {"message": message}
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        citations: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        with self.client.stream("POST", "/api/chat", json=body, headers=self.headers) as r:
            if r.status_code != 200:
                r.read()
                raise ChatError(f"The chat refused the message: {_error_message(r)}")
            for event, data in _events(r):
                if event == "meta":
                    self.conversation_id = data["conversation_id"]
                elif event == "delta":
                    self.out.write(data["text"])
                    self.out.flush()
                elif event == "tool":
                    print(f"[{data['name']}: {data['status']}]", file=sys.stderr)
                elif event == "citation":
                    citations.append(data)
                elif event == "confirmation":
                    actions.append(data)
                elif event == "error":
                    raise ChatError(f"\nError: {data['message']} ({data['code']})")
                elif event == "done":
                    break
        self.out.write("\n")
        if citations:
            self.out.write("\nSources:\n")
            for number, citation in enumerate(citations, start=1):
                self.out.write(f"  [{number}] {citation['title']} - {citation['url']}\n")
        for action in actions:
            self._settle(action, decide)

    def _settle(self, action: dict[str, Any], decide: Decide) -> None:
        self.out.write(f"\nAwaiting confirmation: {action['summary']}\n")
        decision = decide(action)
        if decision is None:
            self.out.write("Not confirmed (use --confirm, or answer the prompt).\n")
            return
        url = f"/api/actions/{action['action_id']}/{decision}"
        response = self.client.post(url, headers=self.headers)
        if response.status_code >= 400:
            raise ChatError(f"Could not {decision}: {_error_message(response)}")
        self.out.write(response.json()["message"] + "\n")


def prompt_for_decision(action: dict[str, Any]) -> Decision | None:
    what = "Send report" if action.get("kind") == "issue" else "Confirm order"
    answer = input(f"{what} {action['action_id']}? [y/N] ").strip().lower()
    return "confirm" if answer in ("y", "yes") else "cancel"


def chat(
    base_url: str,
    site_key: str,
    message: str | None,
    decision: Decision | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """One turn (or, without a message, a conversation); returns a process exit code."""
    interactive = sys.stdin.isatty()

    def decide(action: dict[str, Any]) -> Decision | None:
        if decision is not None:
            return decision
        return prompt_for_decision(action) if interactive else None

    try:
        with httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=120.0)) as client:
            conversation = Conversation(client, site_key, out)
            if message is not None:
                conversation.ask(message, decide)
                return 0
            while (line := _next_line(interactive)) is not None:
                if line.strip():
                    conversation.ask(line.strip(), decide)
            return 0
    except ChatError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        return 0
    except httpx.TransportError as exc:
        print(
            f"Cannot reach the gateway at {base_url} ({exc}). Is `make run` running?",
            file=sys.stderr,
        )
        return 2


def _next_line(interactive: bool) -> str | None:
    """The visitor's next message; None at the end of input (Ctrl-D)."""
    if interactive:
        try:
            return input("you> ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    return line if line else None
