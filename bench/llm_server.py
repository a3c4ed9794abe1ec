"""The scripted OpenAI-compatible server of the turns benchmark, in a process of its own so
that it does not share an interpreter lock with the load it answers.

Prints its base URL on the first line, then reads commands on stdin: `profile <name>`
switches the latency profile (answered `ok`), end of input stops it."""

import itertools
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, from a checkout

from llm_profiles import ANSWER, PROFILES, ZERO_LATENCY, Profile, search_arguments

from tests.support.scripted_llm import Reply, ScriptedLLM, ToolCall


class BenchScript:
    """The scripted server's script: decides each model call from the request it gets."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._turns = itertools.count()
        self._lock = threading.Lock()

    def switch(self, profile: Profile) -> None:
        with self._lock:
            self.profile = profile
            self._turns = itertools.count()

    def __call__(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            profile = self.profile
            last = body["messages"][-1]
            if last["role"] == "tool":
                return Reply.say(ANSWER, **profile.latency())
            if next(self._turns) % profile.docs_every == 0:
                call = ToolCall("searchDocs", search_arguments(str(last["content"])))
                return Reply.tools(call, **profile.latency())
            return Reply.say(ANSWER, **profile.latency())


def main() -> int:
    script = BenchScript(ZERO_LATENCY)
    with ScriptedLLM(script, model="gpt-4o-mini") as llm:
        print(llm.base_url, flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "profile" and argument in PROFILES:
                script.switch(PROFILES[argument])
                llm.requests.clear()  # it records every request: keep the memory bounded
                print("ok", flush=True)
            else:
                print(f"unknown command: {line.strip()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
