"""A terminal client for the gateway: `copilot chat "question"`."""

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

import httpx


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


def chat(base_url: str, site_key: str, message: str, out: TextIO = sys.stdout) -> int:
    """Ask one question and print the streamed answer; returns a process exit code."""
    try:
        return _chat(base_url, site_key, message, out)
    except httpx.TransportError as exc:
        print(
            f"Cannot reach the gateway at {base_url} ({exc}). Is `make run` running?",
            file=sys.stderr,
        )
        return 2


def _chat(base_url: str, site_key: str, message: str, out: TextIO) -> int:
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=120.0)) as client:
        created = client.post("/api/sessions", json={"site_key": site_key})
        if created.status_code != 201:
            print(f"Could not start a session: {_error_message(created)}", file=sys.stderr)
            return 1
        headers = {"Authorization": f"Bearer {created.json()['token']}"}
        with client.stream("POST", "/api/chat", json={"message": message}, headers=headers) as r:
            if r.status_code != 200:
                r.read()
                print(f"The chat refused the message: {_error_message(r)}", file=sys.stderr)
                return 1
            citations: list[dict[str, Any]] = []
            for event, data in _events(r):
                if event == "delta":
                    out.write(data["text"])
                    out.flush()
                elif event == "tool":
                    print(f"[{data['name']}: {data['status']}]", file=sys.stderr)
                elif event == "citation":
                    citations.append(data)
                elif event == "confirmation":
                    out.write(f"\n\nAwaiting confirmation ({data['action_id']}): {data['summary']}")
                elif event == "error":
                    print(f"\nError: {data['message']} ({data['code']})", file=sys.stderr)
                    return 1
                elif event == "done":
                    break
    out.write("\n")
    if citations:
        out.write("\nSources:\n")
        for number, citation in enumerate(citations, start=1):
            out.write(f"  [{number}] {citation['title']} - {citation['url']}\n")
    return 0
