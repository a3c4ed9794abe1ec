"""The scripted language model of the turns benchmark: what it answers, how fast, and the
least time a turn can take with it, the floor above which the time is ours.

A turn is one or two model calls. A docs turn asks `searchDocs` for the visitor's question,
then answers from the passages; a plain turn answers at once. The scripted server streams an
answer in pieces of 12 characters and tool arguments in pieces of 7, and waits
1/tokens_per_s before each piece: its "token" is one such piece."""

import json
import math
from dataclasses import dataclass
from typing import Any

ANSWER = (
    "Keep the beans in an airtight, opaque container at room temperature, away from heat, "
    "light and moisture [1]. Buy what you will drink within two weeks and grind just before "
    "brewing; freeze only sealed bags, and thaw them before you open them."
)
TEXT_PIECE_CHARS = 12
ARGUMENT_PIECE_CHARS = 7


@dataclass(frozen=True)
class Profile:
    name: str
    ttft_s: float
    tokens_per_s: float | None
    docs_every: int
    """Every n-th turn searches the docs: 1 is every turn, 5 is a fifth of them."""

    def latency(self) -> dict[str, Any]:
        return {"ttft_s": self.ttft_s, "tokens_per_s": self.tokens_per_s}

    def describe(self) -> dict[str, Any]:
        return {
            "ttft_s": self.ttft_s,
            "tokens_per_s": self.tokens_per_s,
            "docs_turn_share": round(1 / self.docs_every, 3),
            "answer_chars": len(ANSWER),
        }


ZERO_LATENCY = Profile("zero-latency", 0.0, None, docs_every=1)
OPENAI_LIKE = Profile("openai-like", 0.4, 50.0, docs_every=5)
PROFILES = {profile.name: profile for profile in (ZERO_LATENCY, OPENAI_LIKE)}


def search_arguments(question: str) -> dict[str, str]:
    return {"query": question}


@dataclass(frozen=True)
class Floor:
    """The scripted server's own time for one turn: to its first answer text, and to its end."""

    first_delta_s: float
    end_s: float


def floor(profile: Profile, question: str, docs_turn: bool) -> Floor:
    pause = 1 / profile.tokens_per_s if profile.tokens_per_s else 0.0
    answer_s = profile.ttft_s + math.ceil(len(ANSWER) / TEXT_PIECE_CHARS) * pause
    first_piece_s = profile.ttft_s + pause
    if not docs_turn:
        return Floor(first_piece_s, answer_s)
    arguments = json.dumps(search_arguments(question))
    call_s = profile.ttft_s + math.ceil(len(arguments) / ARGUMENT_PIECE_CHARS) * pause
    return Floor(call_s + first_piece_s, call_s + answer_s)
